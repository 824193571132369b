// The server side of the dashboard: the cross-site check, the /ui routes and answers.
#include "ui/dashboard.h"

#include <doctest/doctest.h>

#include "api/browser_guard.h"
#include "api/rest_handler.h"
#include "api/rest_request.h"
#include "api/routes.h"
#include "api/service.h"
#include "core/clock.h"
#include "core/task_state.h"
#include "store/memory_store.h"

using namespace cte;

namespace {

api::RestRequest Browser(std::string method, std::string host, std::string origin,
                         std::string fetch_site = "") {
  api::RestRequest r;
  r.method = std::move(method);
  r.target = "/v2/projects/p/locations/l/queues/q:purge";
  r.host = std::move(host);
  r.origin = std::move(origin);
  r.sec_fetch_site = std::move(fetch_site);
  return r;
}

bool Allowed(const api::RestRequest& r, std::string_view bind = "127.0.0.1") {
  return api::CheckBrowserRequest(r, bind).ok();
}

core::Result<api::Route> RouteOf(const std::string& method, const std::string& target) {
  auto t = api::ParseTarget(target);
  REQUIRE(t.ok());
  return api::FindRoute(method, target, *t);
}

// The REST layer's answer to a request, with the dashboard on (`ui_on`) or off, as the server gets
// it.
api::RestResponse Call(const std::string& method, const std::string& target, bool ui_on = true) {
  struct InlineLane final : pipeline::Lane {
    void Deliver(std::vector<std::function<void()>> completions) override {
      for (auto& f : completions) f();
    }
  } lane;
  store::MemoryStore store;
  core::ManualClock clock{core::TimePoint{}};
  api::Service service{store, clock, {}};
  api::LocalAnswers local{[] { return std::string("{}"); }, [] { return std::string("{}"); }};
  if (ui_on) local.ui = ui::Answer;
  api::RestRequest request;
  request.method = method;
  request.target = target;
  api::RestCall call = api::PrepareRestCall(request, {service}, local, lane, [](auto) {});
  REQUIRE(call.immediate);
  return *call.immediate;
}

}  // namespace

TEST_CASE("API clients, which send no Origin or Sec-Fetch-Site, pass whatever their Host") {
  CHECK(Allowed(Browser("POST", "127.0.0.1:8123", "")));
  CHECK(Allowed(Browser("DELETE", "tasks.internal:8123", "")));
  CHECK(Allowed(Browser("POST", "", "")));
}

TEST_CASE("a browser may change something only from the emulator's own origin") {
  CHECK(Allowed(Browser("POST", "127.0.0.1:8123", "http://127.0.0.1:8123")));
  CHECK(Allowed(Browser("DELETE", "localhost:8123", "http://localhost:8123")));
  CHECK(Allowed(Browser("PATCH", "[::1]:8123", "http://[::1]:8123")));
  auto foreign = api::CheckBrowserRequest(Browser("POST", "127.0.0.1:8123", "http://evil.example"),
                                          "127.0.0.1");
  CHECK(foreign.code() == core::Code::kPermissionDenied);
  CHECK(foreign.message() ==
        "Cross-site request refused: Origin http://evil.example is not http://127.0.0.1:8123.");
  CHECK_FALSE(Allowed(Browser("POST", "127.0.0.1:8123", "http://127.0.0.1:9999")));
  CHECK_FALSE(Allowed(Browser("POST", "127.0.0.1:8123", "https://127.0.0.1:8123")));
  CHECK_FALSE(Allowed(Browser("POST", "127.0.0.1:8123", "null")));
  // Without Origin, Sec-Fetch-Site decides.
  CHECK(Allowed(Browser("POST", "127.0.0.1:8123", "", "same-origin")));
  CHECK(Allowed(Browser("POST", "127.0.0.1:8123", "", "none")));
  CHECK_FALSE(Allowed(Browser("POST", "127.0.0.1:8123", "", "cross-site")));
  CHECK_FALSE(Allowed(Browser("DELETE", "127.0.0.1:8123", "", "same-site")));
  // Reading is allowed from anywhere the Host is right (a page cannot read the answer anyway).
  CHECK(Allowed(Browser("GET", "127.0.0.1:8123", "http://evil.example")));
  CHECK(Allowed(Browser("HEAD", "127.0.0.1:8123", "", "cross-site")));
}

TEST_CASE("a browser that reaches the emulator under a foreign name is refused (DNS rebinding)") {
  // The page's origin equals its Host, but the name is not the emulator's.
  CHECK_FALSE(Allowed(Browser("POST", "evil.example:8123", "http://evil.example:8123")));
  CHECK_FALSE(Allowed(Browser("GET", "evil.example:8123", "", "same-origin")));
  // Listening on an address, that address is a name of the emulator; on every address, any is.
  CHECK(Allowed(Browser("POST", "192.168.1.5:8123", "http://192.168.1.5:8123"), "192.168.1.5"));
  CHECK(Allowed(Browser("POST", "dev-box:8123", "http://dev-box:8123"), "0.0.0.0"));
  CHECK(Allowed(Browser("POST", "dev-box:8123", "http://dev-box:8123"), "::"));
}

TEST_CASE(
    "the /ui routes: the page, its files and anything under /ui, any method, nothing beside") {
  for (const char* method : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"}) {
    for (const char* target :
         {"/ui", "/ui/", "/ui/app.js", "/ui/vendor/uPlot.min.css", "/ui/a/b:c"}) {
      CAPTURE(method);
      CAPTURE(target);
      auto r = RouteOf(method, target);
      REQUIRE(r.ok());
      CHECK(r->rpc == api::Rpc::kGetUi);
      CHECK(r->resource.empty());
    }
    CHECK_FALSE(RouteOf(method, "/uix").ok());
  }
  // "*" stands for any method only in the table: a queue is not deleted by another method.
  CHECK_FALSE(RouteOf("BREW", "/v2/projects/p/locations/l/queues/q").ok());
  CHECK(RouteOf("GET", "/emulator/v1/tasks")->rpc == api::Rpc::kListTaskStates);
  CHECK(RouteOf("GET", "/emulator/v1/events")->rpc == api::Rpc::kEvents);
}

TEST_CASE("the dashboard's answers: its files with their types, an HTML 404 for the rest") {
  for (const char* method : {"GET", "HEAD"}) {  // HEAD as GET: the server leaves the body out.
    for (const char* path : {"", "/", "/index.html"}) {
      auto r = ui::Answer(method, path);
      CHECK(r.status == 200);
      CHECK(r.content_type == "text/html; charset=utf-8");
      CHECK(r.body.starts_with("<!DOCTYPE html>"));
    }
    CHECK(ui::Answer(method, "/nope.js").status == 404);
  }
  CHECK(ui::Answer("GET", "/app.js").content_type == "text/javascript; charset=utf-8");
  CHECK(ui::Answer("GET", "/style.css").content_type == "text/css; charset=utf-8");
  auto chart = ui::Answer("GET", "/vendor/uPlot.iife.min.js");
  CHECK(chart.status == 200);
  CHECK(chart.body.find("uPlot") != std::string::npos);
  auto missing = ui::Answer("GET", "/nope.js");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "text/html; charset=utf-8");
  CHECK(missing.body.find("<h1>Not found</h1>") != std::string::npos);
  auto refused = ui::Answer("POST", "/");
  CHECK(refused.status == 405);
  CHECK(refused.content_type == "text/html; charset=utf-8");
  CHECK(refused.body.find("<h1>Method not allowed</h1>") != std::string::npos);
  CHECK(refused.extra_headers.starts_with("Allow: GET, HEAD\r\n"));
  for (const auto& r : {chart, missing, refused}) {
    CHECK(r.extra_headers.find("X-Frame-Options: DENY\r\n") != std::string_view::npos);
    CHECK(r.extra_headers.find("Content-Security-Policy: default-src 'self'") !=
          std::string_view::npos);
  }
  CHECK(chart.extra_headers.find("Allow:") == std::string_view::npos);
  size_t count = 0;
  const ui::File* files = ui::Files(count);
  CHECK(count >= 10);
  for (size_t i = 0; i < count; ++i) CHECK_FALSE(files[i].bytes.empty());
}

TEST_CASE("every method under /ui answers from the dashboard, in HTML, and nothing beside it") {
  struct Case {
    const char* method;
    const char* target;
    int status;
  };
  for (const Case& c :
       {Case{"GET", "/ui", 200}, Case{"HEAD", "/ui", 200}, Case{"HEAD", "/ui/app.js", 200},
        Case{"GET", "/ui/nope", 404}, Case{"HEAD", "/ui/nope", 404}, Case{"POST", "/ui/x", 405},
        Case{"DELETE", "/ui", 405}, Case{"PUT", "/ui/index.html", 405},
        Case{"OPTIONS", "/ui/", 405}}) {
    CAPTURE(c.method);
    CAPTURE(c.target);
    api::RestResponse r = Call(c.method, c.target);
    CHECK(r.status == c.status);
    CHECK(r.content_type != api::kJsonContentType);
    CHECK(r.extra_headers.find("X-Frame-Options: DENY") != std::string_view::npos);
    CHECK((r.extra_headers.find("Allow: GET, HEAD\r\n") != std::string_view::npos) ==
          (c.status == 405));
  }
  CHECK(Call("HEAD", "/ui").body ==
        Call("GET", "/ui").body);  // Its length goes out, not its bytes.
  // Beside /ui, and with --ui=false, the API's JSON 404.
  struct Off {
    const char* target;
    bool ui_on;
  };
  for (const Off& o : {Off{"/uix", true}, Off{"/ui", false}, Off{"/ui/x", false}}) {
    for (const char* method : {"GET", "HEAD", "POST"}) {
      CAPTURE(o.target);
      CAPTURE(method);
      api::RestResponse r = Call(method, o.target, o.ui_on);
      CHECK(r.status == 404);
      CHECK(r.content_type == api::kJsonContentType);
    }
  }
}

TEST_CASE("task states: one for each task, named as the API spells them") {
  using core::TaskState;
  core::TimePoint now{std::chrono::seconds(1000)};
  CHECK(core::StateOf(false, 0, now + std::chrono::seconds(1), now) == TaskState::kScheduled);
  CHECK(core::StateOf(false, 0, now, now) == TaskState::kDue);
  CHECK(core::StateOf(true, 0, now, now) == TaskState::kInFlight);
  CHECK(core::StateOf(true, 3, now, now) == TaskState::kInFlight);
  CHECK(core::StateOf(false, 1, now + std::chrono::seconds(10), now) == TaskState::kRetrying);
  CHECK(core::StateOf(false, 1, now, now) == TaskState::kRetrying);
  for (auto s :
       {TaskState::kScheduled, TaskState::kDue, TaskState::kInFlight, TaskState::kRetrying}) {
    CHECK(core::ParseTaskState(core::TaskStateName(s)) == s);
  }
  CHECK(core::TaskStateName(TaskState::kInFlight) == "inFlight");
  CHECK_FALSE(core::ParseTaskState("in_flight"));
  CHECK_FALSE(core::ParseTaskState(""));
}
