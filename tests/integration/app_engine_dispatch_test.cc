// App Engine tasks at dispatch (spec 6.5): the real emulator pushing to real cloud-tasks-workers
// standing in for App Engine services, each test checking what the worker received.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/binaries.h"
#include "support/eventually.h"
#include "support/http_client.h"

using cte::testing::Eventually;
using cte::testing::HttpClient;
using nlohmann::json;

namespace {

const std::string kLoc = "/v2/projects/p/locations/l";
const std::string kQ = kLoc + "/queues/q";
constexpr char kAppEngineAgent[] = "AppEngine-Google; (+http://code.google.com/appengine)";

using Worker = cte::testing::RunningWorker;
using Emulator = cte::testing::RunningEmulator;
using cte::testing::HeaderOf;

// Creates queue q (with `queue_extra` fields) and one App Engine task with `request_extra`.
json CreateQueueAndTask(Emulator& e, const std::string& queue_extra,
                        const std::string& request_extra) {
  e.Call("POST", kLoc + "/queues",
         R"({"name":"projects/p/locations/l/queues/q")" + queue_extra + "}");
  return e.Call("POST", kQ + "/tasks",
                R"({"task":{"name":"projects/p/locations/l/queues/q/tasks/t1",
                    "appEngineHttpRequest":{"relativeUri":"/api/v1/images/worker?x=1")" +
                    request_extra + "}}}");
}

}  // namespace

TEST_CASE("App Engine tasks go to --app-engine-url with App Engine's headers over 503, 404, 200") {
  Worker worker({"--respond", "503", "404", "200"});
  Emulator e({"--app-engine-url", worker.Origin()});
  CreateQueueAndTask(e, "", R"(,"body":"e30=","headers":{"Content-Type":"application/json",
      "User-Agent":"mine","X-Mine":"1"})");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 3; }));
  json r = worker.Requests();
  // The capture of spec 6.5: App Engine counts 5xx answers as executions, unlike HTTP targets.
  const char* retry_count[] = {"0", "1", "2"};
  const char* execution_count[] = {"0", "1", "2"};
  const char* previous[] = {"<absent>", "503", "404"};
  const char* reason[] = {"<absent>", "App Error", "App Error"};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(r[i]["method"] == "POST");
    CHECK(r[i]["path"] == "/api/v1/images/worker?x=1");
    CHECK(r[i]["body"] == "e30=");
    CHECK(HeaderOf(r[i], "Content-Type") == "application/json");
    CHECK(HeaderOf(r[i], "X-Mine") == "1");
    CHECK(HeaderOf(r[i], "User-Agent") == std::string("mine ") + kAppEngineAgent);
    CHECK(HeaderOf(r[i], "X-AppEngine-QueueName") == "q");
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskName") == "t1");
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskRetryCount") == retry_count[i]);
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskExecutionCount") == execution_count[i]);
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskPreviousResponse") == previous[i]);
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskRetryReason") == reason[i]);
    CHECK(HeaderOf(r[i], "X-AppEngine-TaskETA") != "<absent>");
    CHECK(HeaderOf(r[i], "X-AppEngine-FailFast") == "false");
    CHECK(HeaderOf(r[i], "X-CloudTasks-QueueName") == "<absent>");
  }
  // The 200 ended the task.
  REQUIRE(Eventually([&] { return e.client.Request("GET", kQ + "/tasks/t1").status == 404; }));
  e.Call("POST", "/emulator/v1:waitIdle", R"({"timeout":"10s"})");
  json attempts = e.Call("GET", "/emulator/v1/attempts")["attempts"];
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[2]["httpStatus"] == 200);
  CHECK(attempts[2]["url"] == worker.Origin() + "/api/v1/images/worker?x=1");
}

TEST_CASE("the routing picks the route: version, then service, then the default URL") {
  Worker fallback, api, api_v2;
  Emulator e({"--app-engine-url", fallback.Origin(), "--app-engine-route", "api=" + api.Origin(),
              "--app-engine-route", "api.v2=" + api_v2.Origin()});
  e.Call("POST", kLoc + "/queues", R"({"name":"projects/p/locations/l/queues/q"})");
  auto task = [&](const std::string& id, const std::string& routing) {
    json t =
        e.Call("POST", kQ + "/tasks",
               R"({"task":{"name":"projects/p/locations/l/queues/q/tasks/)" + id +
                   R"(","appEngineHttpRequest":{"relativeUri":"/)" + id + "\"" + routing + "}}}");
    return t["appEngineHttpRequest"];
  };
  json shown = task("v2", R"(,"appEngineRouting":{"service":"api","version":"v2"})");
  CHECK(shown["appEngineRouting"]["host"] == "v2.api.p.appspot.com");  // Derived (spec 4.8).
  task("v1", R"(,"appEngineRouting":{"service":"api","version":"v1"})");
  task("other", R"(,"appEngineRouting":{"service":"other"})");
  task("none", "");
  REQUIRE(Eventually([&] {
    return fallback.Requests().size() == 2 && api.Requests().size() == 1 &&
           api_v2.Requests().size() == 1;
  }));
  CHECK(api_v2.Requests()[0]["path"] == "/v2");
  CHECK(api.Requests()[0]["path"] == "/v1");
  std::vector<std::string> paths = {fallback.Requests()[0]["path"], fallback.Requests()[1]["path"]};
  std::sort(paths.begin(), paths.end());
  CHECK(paths == std::vector<std::string>{"/none", "/other"});
}

TEST_CASE("the queue's appEngineRoutingOverride beats the task's routing") {
  Worker fallback, api;
  Emulator e({"--app-engine-url", fallback.Origin(), "--app-engine-route", "api=" + api.Origin()});
  CreateQueueAndTask(e, R"(,"appEngineRoutingOverride":{"service":"api"})",
                     R"(,"appEngineRouting":{"service":"other"})");
  json queue = e.Call("GET", kQ);
  CHECK(queue["appEngineRoutingOverride"]["host"] == "api.p.appspot.com");
  REQUIRE(Eventually([&] { return api.Requests().size() == 1; }));
  CHECK(fallback.Requests().empty());
}

TEST_CASE("without an App Engine URL the attempt fails at once with an error naming the flags") {
  Emulator e({"--app-engine-url", "none"});
  CreateQueueAndTask(e, R"(,"retryConfig":{"maxAttempts":2,"minBackoff":"0.1s"})", "");
  // Not held: two failed attempts, then the task is given up, and the queue is idle.
  e.Call("POST", "/emulator/v1:waitIdle", R"({"timeout":"10s","includeScheduled":true})");
  json attempts = e.Call("GET", "/emulator/v1/attempts")["attempts"];
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0]["outcome"] == "CONNECTION_ERROR");
  CHECK(attempts[0]["error"] ==
        "no App Engine URL for service \"default\": start the emulator with --app-engine-url URL "
        "or --app-engine-route default=URL");
  json stats = e.Call("GET", "/emulator/v1/stats");
  CHECK(stats.dump().find("\"givenUp\":1") != std::string::npos);
}

TEST_CASE("after a timeout the retry says Instance Unavailable, with previous response 0") {
  Worker worker({"--latency", "1h"});  // Never answers in time.
  Emulator e({"--app-engine-url", worker.Origin(), "--clock", "manual"});
  CreateQueueAndTask(e, "", "");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  // App Engine's default deadline is 10 minutes (nothing stored); then the retry after 0.1 s.
  e.Call("POST", "/emulator/v1/clock:advance", R"({"duration":"600s"})");
  REQUIRE(Eventually(
      [&] { return e.Call("GET", kQ + "/tasks/t1")["lastAttempt"].contains("responseTime"); }));
  e.Call("POST", "/emulator/v1/clock:advance", R"({"duration":"1s"})");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 2; }));
  json second = worker.Requests()[1];
  CHECK(HeaderOf(second, "X-AppEngine-TaskRetryCount") == "1");
  CHECK(HeaderOf(second, "X-AppEngine-TaskExecutionCount") == "0");
  CHECK(HeaderOf(second, "X-AppEngine-TaskPreviousResponse") == "0");
  CHECK(HeaderOf(second, "X-AppEngine-TaskRetryReason") == "Instance Unavailable");
}

TEST_CASE("a redirect is a failed attempt, never followed, and RunTask sends App Engine tasks") {
  Worker worker({"--respond", "302", "200"});
  Emulator e({"--app-engine-url", worker.Origin()});
  CreateQueueAndTask(e, R"(,"retryConfig":{"minBackoff":"3600s","maxBackoff":"3600s"})", "");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  json task = e.Call("POST", kQ + "/tasks/t1:run", "{}");
  CHECK(task["dispatchCount"] == 2);
  REQUIRE(Eventually([&] { return worker.Requests().size() == 2; }));
  CHECK(HeaderOf(worker.Requests()[1], "X-AppEngine-TaskPreviousResponse") == "302");
}
