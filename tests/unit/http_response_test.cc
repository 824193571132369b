#include <sstream>

#include <doctest/doctest.h>

#include "http/asio.h"
#include "http/server.h"

using namespace cte;
namespace bhttp = boost::beast::http;

namespace {

// What Beast's serializer writes for the response the server used to build.
std::string BeastBytes(const api::RestResponse& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "cloud-tasks-emulator");
  res.set(bhttp::field::content_type, "application/json; charset=UTF-8");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

}  // namespace

TEST_CASE("answers are the bytes Beast's serializer wrote") {
  for (int status : {200, 400, 401, 403, 404, 409, 412, 413, 429, 499, 500, 501, 503, 504}) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {true, false}) {
        for (std::string body : {std::string(R"({"name":"x"})"), std::string()}) {
          CAPTURE(status);
          CAPTURE(version);
          CAPTURE(keep_alive);
          api::RestResponse r{status, body};
          CHECK(http::ResponseBytes(r, version, keep_alive) == BeastBytes(r, version, keep_alive));
        }
      }
    }
  }
}

TEST_CASE("a HEAD request gets the head a GET would, Content-Length included, and no body") {
  const std::string body = "<!DOCTYPE html><p>the page</p>";
  for (int status : {200, 404, 405}) {
    for (unsigned version : {10u, 11u}) {
      CAPTURE(status);
      CAPTURE(version);
      api::RestResponse r{status, body};
      std::string get = http::ResponseBytes(r, version, true);
      std::string head = http::ResponseBytes(r, version, true, true);
      CHECK(get == head + body);
      CHECK(head.ends_with("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    }
  }
}
