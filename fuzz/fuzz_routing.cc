// Fuzz target: REST request routing and the service behind it. Input: a method selector byte,
// then the request target up to the first newline, then the body. Each request runs against an
// in-memory store on a manual clock (renewed every 10,000 inputs). Checked: every answer is JSON;
// an error answer is Google's error object whose code is the HTTP status.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api/json_codec.h"
#include "api/rest_handler.h"
#include "core/clock.h"
#include "store/sqlite_store.h"

using namespace cte;
using api::Json;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

struct World {
  core::ManualClock clock{std::chrono::sys_days(std::chrono::year(2026) / 11 / 30)};
  std::unique_ptr<store::SqliteStore> store =
      std::move(store::SqliteStore::Open(":memory:").value());
  api::ServiceOptions options{std::chrono::hours(1), std::chrono::hours(1), true};
  api::Service service{*store, clock, options};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<World> world;
  static int runs = 0;
  if (!world || ++runs % 10000 == 0) world = std::make_unique<World>();
  if (size == 0) return 0;
  static const char* const kMethods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"};
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t newline = rest.find('\n');
  api::RestRequest request;
  request.method = kMethods[data[0] % 6];
  request.target = std::string(rest.substr(0, newline));
  if (newline != std::string_view::npos) request.body = std::string(rest.substr(newline + 1));
  if (data[0] & 0x80) request.method_override = kMethods[(data[0] >> 3) % 6];
  world->clock.Advance(std::chrono::milliseconds(data[0]));
  api::RestResponse response = api::HandleRestNow(request, {world->service}, *world->store);
  Json body = Json::parse(response.body);  // Throws (and so fails) on anything but JSON.
  if (response.status != 200) {
    Check(body.contains("error") && body["error"]["code"] == response.status &&
          body["error"]["status"].is_string() && body["error"]["message"].is_string());
  }
  return 0;
}
