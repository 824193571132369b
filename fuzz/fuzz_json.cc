// Fuzz target: the proto3 JSON mapping. A request body is parsed (simdjson, with nlohmann deciding
// whatever simdjson refuses) and read as a Queue, a Task and an IAM Policy. Checked: the parse
// agrees with nlohmann's own (64 levels deep at most); whatever reads as a resource writes out
// as JSON that reads back to the same JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_codec.h"
#include "api/rest_request.h"

using namespace cte;
using api::Json;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename T, typename Read, typename Write>
void RoundTrip(const Json& j, Read read, Write write) {
  T value;
  if (!read(j, value).ok()) return;
  Json out = write(value);
  Check(Json::parse(out.dump()) == out);
  T again;
  Check(read(out, again).ok());
  Check(write(again) == out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = api::ParseJsonBody(text);
  if (!parsed.ok()) return 0;
  Check(parsed->is_object());
  // A body of whitespace only is {} (as an empty one is), and so is the JSON string "" (what
  // google-gax's REST fallback sends); anything else parses as nlohmann does.
  if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    Json reference = Json::parse(text);
    Check(reference == *parsed || (reference == Json("") && parsed->empty()));
  }
  api::JsonOptions options;
  options.enums_as_ints = size % 2 == 1;
  RoundTrip<core::Queue>(
      *parsed, [](const Json& j, core::Queue& q) { return api::ReadQueue(j, "queue", q); },
      [&](const core::Queue& q) { return api::QueueToJson(q, options); });
  RoundTrip<core::Task>(
      *parsed, [](const Json& j, core::Task& t) { return api::ReadTask(j, "task", t); },
      [&](const core::Task& t) { return api::TaskToJson(t, options); });
  RoundTrip<core::Policy>(
      *parsed, [](const Json& j, core::Policy& p) { return api::ReadPolicy(j, "policy", p); },
      [](const core::Policy& p) { return api::PolicyToJson(p); });
  for (const auto& [key, value] : parsed->items()) {
    std::string s;
    if (key == "updateMask" && api::ReadString(value, key, s).ok()) api::ParseFieldMask(s);
  }
  return 0;
}
