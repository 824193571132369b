#include "api/json_codec.h"

#include <cmath>

#include <doctest/doctest.h>

using namespace cte;
using api::Json;

TEST_CASE("queues read from lowerCamel or snake_case, numbers or strings") {
  core::Queue q;
  Json j = Json::parse(R"({"name":"projects/p/locations/l/queues/q",
      "rate_limits":{"maxDispatchesPerSecond":"200.5","max_concurrent_dispatches":"1000"},
      "retryConfig":{"max_attempts":-1,"minBackoff":"0.1s","maxRetryDuration":"1800s"},
      "state":2})");
  REQUIRE(api::ReadQueue(j, "queue", q).ok());
  CHECK(q.rate_limits.max_dispatches_per_second == 200.5);
  CHECK(q.rate_limits.max_concurrent_dispatches == 1000);
  CHECK(q.retry_config.max_attempts == -1);
  CHECK(q.retry_config.min_backoff == std::chrono::milliseconds(100));
  CHECK(q.state == core::QueueState::kPaused);
}

TEST_CASE("unknown fields, wrong types and bad enums are INVALID_ARGUMENT") {
  core::Queue q;
  auto msg = [&](const char* text) {
    return api::ReadQueue(Json::parse(text), "queue", q).message();
  };
  CHECK(msg(R"({"foo":1})") ==
        "Invalid JSON payload received. Unknown name \"foo\" at 'queue': Cannot find field.");
  CHECK(msg(R"({"rateLimits":{"maxDispatchesPerSecond":true}})") ==
        "Invalid value at 'queue.rate_limits.max_dispatches_per_second' (TYPE_DOUBLE), true");
  CHECK(msg(R"({"state":"SLEEPING"})") ==
        "Invalid value at 'queue.state' (type.googleapis.com/google.cloud.tasks.v2.Queue.State), "
        "\"SLEEPING\"");
  CHECK(msg(R"({"retryConfig":{"maxRetryDuration":"30m"}})") ==
        "Invalid value at 'queue.retry_config.max_retry_duration' "
        "(type.googleapis.com/google.protobuf.Duration), Field 'maxRetryDuration', Illegal "
        "duration format; duration must end with 's'");
  CHECK(msg(R"({"retryConfig":{"maxAttempts":3000000000}})") != "");
  CHECK(msg(R"({"retryConfig":{"maxAttempts":18446744073709551615}})") != "");
  CHECK(msg(R"({"rateLimits":[]})") != "");
}

TEST_CASE("tasks read bytes in either base64 alphabet and enums by number") {
  core::Task t;
  Json j = Json::parse(R"({"httpRequest":{"url":"http://x","httpMethod":4,"body":"-_8",
      "headers":{"X-Case":"v"},"oidcToken":{"serviceAccountEmail":"a@b","audience":"aud"}},
      "scheduleTime":"2030-01-02T03:04:05.123+01:00","dispatchDeadline":"20s"})");
  REQUIRE(api::ReadTask(j, "task", t).ok());
  CHECK(t.http_request->http_method == core::HttpMethod::kPut);
  CHECK(t.http_request->body == "\xfb\xff");
  CHECK(t.http_request->headers.at("X-Case") == "v");
  CHECK(t.http_request->oidc_token->audience == "aud");
  CHECK(t.dispatch_deadline == std::chrono::seconds(20));
}

TEST_CASE("queues write defaults left out, whole doubles without a fraction, enums as asked") {
  core::Queue q;
  q.name = "projects/p/locations/l/queues/q";
  q.rate_limits = {500, 100, 1000};
  q.retry_config = {100, core::Duration(0), std::chrono::milliseconds(100),
                    std::chrono::seconds(3600), 16};
  q.state = core::QueueState::kRunning;
  Json j = api::QueueToJson(q, {});
  CHECK(j.dump() ==
        R"({"name":"projects/p/locations/l/queues/q","rateLimits":{"maxBurstSize":100,)"
        R"("maxConcurrentDispatches":1000,"maxDispatchesPerSecond":500},"retryConfig":)"
        R"({"maxAttempts":100,"maxBackoff":"3600s","maxDoublings":16,"minBackoff":"0.100s"},)"
        R"("state":"RUNNING"})");
  CHECK(api::QueueToJson(q, {.enums_as_ints = true})["state"] == 1);
  q.rate_limits.max_dispatches_per_second = 0.5;
  CHECK(api::QueueToJson(q, {})["rateLimits"]["maxDispatchesPerSecond"].dump() == "0.5");
}

TEST_CASE("field masks become snake_case paths") {
  CHECK(api::ParseFieldMask("rateLimits.maxDispatchesPerSecond,retryConfig.maxAttempts") ==
        std::vector<std::string>{"rate_limits.max_dispatches_per_second",
                                 "retry_config.max_attempts"});
  CHECK(api::ParseFieldMask("retry_config.max_attempts") ==
        std::vector<std::string>{"retry_config.max_attempts"});
  CHECK(api::ParseFieldMask("").empty());
}

TEST_CASE("errors use Google's JSON shape") {
  Json j = api::ErrorToJson(core::NotFound("nope"));
  CHECK(j.dump() == R"({"error":{"code":404,"message":"nope","status":"NOT_FOUND"}})");
}

TEST_CASE("DumpJson writes what nlohmann's dump writes") {
  auto nlohmann_dump = [](const Json& j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  Json j = Json::parse(R"({"name":"projects/p/locations/l/queues/q/tasks/1","empty":{},"list":[],
      "nested":{"a":[1,-2,3.5,1e100,0.1,true,false,null,"x"],"b":{"c":"d"}},"big":18446744073709551615,
      "neg":-9223372036854775808,"zero":0,"float":500.0,"tiny":1e-7})");
  CHECK(api::DumpJson(j) == nlohmann_dump(j));
  for (std::string s :
       {std::string(""), std::string("plain"), std::string("quote \" back \\ slash"),
        std::string("\b\f\n\r\t\x01\x1f\x7f"), std::string("nul \0 inside", 13),
        std::string("caf\xc3\xa9 \xe2\x82\xac"), std::string("bad \xff\xfe utf8"),
        std::string("cut \xe2\x82"), std::string("/slash </script>")}) {
    CAPTURE(s);
    Json obj = {{s, s}, {"list", {s, 1}}};
    CHECK(api::DumpJson(Json(s)) == nlohmann_dump(Json(s)));
    CHECK(api::DumpJson(obj) == nlohmann_dump(obj));
  }
  CHECK(api::DumpJson(Json(std::nan(""))) == nlohmann_dump(Json(std::nan(""))));
}
