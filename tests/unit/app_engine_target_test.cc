// App Engine targets: where a task goes and what its attempt sends (spec 6.5).
#include "core/app_engine_target.h"

#include <doctest/doctest.h>

#include "core/time_util.h"

using namespace cte;
using core::AppEngineRoutes;
using core::AppEngineRouting;

namespace {

std::string BaseUrl(const AppEngineRoutes& routes, std::optional<AppEngineRouting> routing) {
  auto url = core::AppEngineBaseUrl(routes, routing);
  return url.ok() ? *url : url.status().ToString();
}

std::string HeaderOf(const core::PushRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

core::Task AppEngineTask() {
  core::Task t;
  t.name = "projects/p/locations/l/queues/q/tasks/t1";
  auto& r = t.app_engine_http_request.emplace();
  r.http_method = core::HttpMethod::kPost;
  r.relative_uri = "/api/v1/images/worker?x=1";
  // As CreateTask stores them (spec 5.1): the User-Agent ends in App Engine's, and a body brings
  // Content-Length and Content-Type.
  r.headers = {{"User-Agent", "mine AppEngine-Google; (+http://code.google.com/appengine)"},
               {"Content-Length", "2"},
               {"Content-Type", "application/json"},
               {"X-AppEngine-QueueName", "spoofed"},
               {"X-Mine", "1"}};
  r.body = "{}";
  t.schedule_time = core::TimePoint(std::chrono::seconds(1712345678));
  return t;
}

}  // namespace

TEST_CASE("an App Engine task goes to its version's route, else its service's, else the default") {
  AppEngineRoutes routes;
  routes.default_url = "http://localhost:8080";
  routes.routes = {{"api", "http://127.0.0.1:9001"}, {"api.v2", "http://127.0.0.1:9002"}};
  CHECK(BaseUrl(routes, std::nullopt) == "http://localhost:8080");
  CHECK(BaseUrl(routes, AppEngineRouting{"api", "", "", ""}) == "http://127.0.0.1:9001");
  CHECK(BaseUrl(routes, AppEngineRouting{"api", "v1", "", ""}) == "http://127.0.0.1:9001");
  CHECK(BaseUrl(routes, AppEngineRouting{"api", "v2", "i3", ""}) == "http://127.0.0.1:9002");
  CHECK(BaseUrl(routes, AppEngineRouting{"other", "v2", "", ""}) == "http://localhost:8080");
  // No service means App Engine's "default" service, which can have a route of its own.
  routes.routes["default"] = "http://127.0.0.1:9000";
  CHECK(BaseUrl(routes, AppEngineRouting{"", "v9", "", ""}) == "http://127.0.0.1:9000");
  routes.default_url.clear();
  routes.routes.erase("default");
  CHECK(BaseUrl(routes, AppEngineRouting{"other", "", "", ""}) ==
        "FAILED_PRECONDITION: no App Engine URL for service \"other\": start the emulator with "
        "--app-engine-url URL or --app-engine-route other=URL");
}

TEST_CASE("the derived host names instance, version, service and project, as Cloud Tasks shows") {
  const std::string queue = "projects/my-proj/locations/l/queues/q";
  CHECK(core::DerivedHost(AppEngineRouting{}, queue) == "my-proj.appspot.com");
  CHECK(core::DerivedHost(AppEngineRouting{"worker", "", "", ""}, queue) ==
        "worker.my-proj.appspot.com");
  CHECK(core::DerivedHost(AppEngineRouting{"s", "v", "i", ""}, queue + "/tasks/t") ==
        "i.v.s.my-proj.appspot.com");
}

TEST_CASE("--app-engine-route takes SERVICE[.VERSION]=URL and names what is wrong") {
  auto ok = core::ParseAppEngineRoute("api.v2=http://127.0.0.1:9002/base");
  REQUIRE(ok.ok());
  CHECK(ok->first == "api.v2");
  CHECK(ok->second == "http://127.0.0.1:9002/base");
  CHECK(core::ParseAppEngineRoute("api").status().message() ==
        "expected SERVICE[.VERSION]=URL, got \"api\"");
  CHECK(core::ParseAppEngineRoute("=http://x").status().message() ==
        "expected SERVICE[.VERSION]=URL, got \"=http://x\"");
  CHECK(core::ParseAppEngineRoute("a.b.c=http://x").status().message() ==
        "expected SERVICE or SERVICE.VERSION before '=', got \"a.b.c\"");
  CHECK(core::ParseAppEngineRoute("api=localhost:8080").status().message() ==
        "expected an http:// or https:// URL, got \"localhost:8080\"");
  CHECK(core::ParseAppEngineRoute("api=http://").status().message() ==
        "the URL \"http://\" has no host");
  CHECK(core::ParseAppEngineRoute("api=http://x/a\r\nEvil: 1").status().message() ==
        "the URL \"http://x/a\\r\\nEvil: 1\" has whitespace or a control character");
  CHECK(core::CheckBaseUrl("https://app.local").ok());
}

TEST_CASE("the first attempt sends App Engine's headers, the task's own, and its User-Agent") {
  core::PushRequest r = core::BuildAppEngineRequest(AppEngineTask(), "q", "http://127.0.0.1:9/");
  CHECK(r.method == "POST");
  CHECK(r.url == "http://127.0.0.1:9/api/v1/images/worker?x=1");
  CHECK(r.body == "{}");
  CHECK(r.deadline == std::chrono::minutes(10));  // Nothing stored: automatic scaling's default.
  CHECK_FALSE(r.token.has_value());
  CHECK(HeaderOf(r, "User-Agent") == "mine AppEngine-Google; (+http://code.google.com/appengine)");
  CHECK(HeaderOf(r, "Content-Type") == "application/json");
  CHECK(HeaderOf(r, "Content-Length") == "<absent>");  // The pusher computes it.
  CHECK(HeaderOf(r, "X-Mine") == "1");
  CHECK(HeaderOf(r, "X-AppEngine-QueueName") == "q");  // The task's own is dropped.
  CHECK(HeaderOf(r, "X-AppEngine-TaskName") == "t1");
  CHECK(HeaderOf(r, "X-AppEngine-TaskRetryCount") == "0");
  CHECK(HeaderOf(r, "X-AppEngine-TaskExecutionCount") == "0");
  CHECK(HeaderOf(r, "X-AppEngine-TaskETA") == "1712345678.000000");
  CHECK(HeaderOf(r, "X-AppEngine-TaskPreviousResponse") == "<absent>");
  CHECK(HeaderOf(r, "X-AppEngine-TaskRetryReason") == "<absent>");
  CHECK(HeaderOf(r, "X-AppEngine-FailFast") == "false");
  CHECK(HeaderOf(r, "X-CloudTasks-QueueName") == "<absent>");
  int queue_names = 0;
  for (const auto& h : r.headers) queue_names += h.first == "X-AppEngine-QueueName";
  CHECK(queue_names == 1);
}

TEST_CASE("retries count every answer, 5xx included, and say why they retry") {
  core::Task t = AppEngineTask();
  t.dispatch_count = 1;  // After a 503 (spec 6.5: App Engine counts 5xx as executions).
  t.response_count = 1;
  t.execution_count = 0;  // The HTTP target's count, which leaves 5xx out: not used here.
  t.previous_response = 503;
  core::PushRequest r = core::BuildAppEngineRequest(t, "q", "http://h");
  CHECK(HeaderOf(r, "X-AppEngine-TaskRetryCount") == "1");
  CHECK(HeaderOf(r, "X-AppEngine-TaskExecutionCount") == "1");
  CHECK(HeaderOf(r, "X-AppEngine-TaskPreviousResponse") == "503");
  CHECK(HeaderOf(r, "X-AppEngine-TaskRetryReason") == "App Error");
  // After a timeout: no answer, previous response 0.
  t.dispatch_count = 2;
  t.previous_response = 0;
  t.dispatch_deadline = std::chrono::hours(24);
  r = core::BuildAppEngineRequest(t, "q", "http://h");
  CHECK(HeaderOf(r, "X-AppEngine-TaskPreviousResponse") == "0");
  CHECK(HeaderOf(r, "X-AppEngine-TaskRetryReason") == "Instance Unavailable");
  CHECK(r.deadline == std::chrono::hours(24));
  CHECK(r.url == "http://h/api/v1/images/worker?x=1");
}

TEST_CASE("GET, HEAD, DELETE and OPTIONS send no body; PUT does") {
  core::Task t = AppEngineTask();
  t.app_engine_http_request->http_method = core::HttpMethod::kPut;
  CHECK(core::BuildAppEngineRequest(t, "q", "http://h").method == "PUT");
  CHECK(core::BuildAppEngineRequest(t, "q", "http://h").body == "{}");
  t.app_engine_http_request->http_method = core::HttpMethod::kDelete;
  CHECK(core::BuildAppEngineRequest(t, "q", "http://h").method == "DELETE");
  CHECK(core::BuildAppEngineRequest(t, "q", "http://h").body.empty());
}
