#include "core/task_rules.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/time_util.h"

using namespace cte::core;
using namespace std::chrono;

namespace {

const TimePoint kNow = sys_days(year(2026) / 11 / 29) + hours(20) + microseconds(499260);

Task HttpTask(std::string url = "https://worker.example/api/v1/images/worker") {
  Task t;
  t.name = "projects/p/locations/l/queues/q/tasks/t";
  t.http_request.emplace();
  t.http_request->url = std::move(url);
  return t;
}

std::string Message(Task t) { return PrepareNewTask(t, kNow).message(); }

}  // namespace

TEST_CASE("an HTTP task is stored with the documented defaults") {
  Task t = HttpTask();
  t.http_request->headers["user-agent"] = "mine";
  t.http_request->headers["Content-Type"] = "application/json";
  t.dispatch_count = 7;  // Output only: ignored.
  REQUIRE(PrepareNewTask(t, kNow).ok());
  CHECK(t.http_request->http_method == HttpMethod::kPost);
  CHECK(t.http_request->headers ==
        HeaderMap{{"Content-Type", "application/json"}, {"User-Agent", "Google-Cloud-Tasks"}});
  CHECK(t.dispatch_deadline == minutes(10));
  CHECK(t.schedule_time == kNow);
  CHECK(FormatTimestamp(*t.create_time) == "2026-11-29T20:00:00Z");
  CHECK(t.dispatch_count == 0);
}

TEST_CASE("URL rules") {
  CHECK(Message(HttpTask("")) == "HttpRequest.url is required.");
  CHECK(Message(HttpTask("ftp://x")) == "HttpTarget.url must start with 'http://' or 'https://'.");
  CHECK(Message(HttpTask("http://x/" + std::string(2074, 'a'))) == "");  // 2083 characters.
  CHECK(Message(HttpTask("http://x/" + std::string(2075, 'a'))) != "");
  CHECK(Message(HttpTask("http://x/%zz")) == "");  // Malformed escapes fail only at dispatch.
}

TEST_CASE("a URL or relativeUri with whitespace or a control character is refused") {
  // Sent as is in the request line, CR LF would add headers of the URL's own.
  CHECK(Message(HttpTask("http://127.0.0.1:8080/a\r\nEvil: 1\r\nX:")) ==
        "HttpRequest.url must not contain whitespace or control characters (percent-encode them: "
        "%20 for a space), not \"http://127.0.0.1:8080/a\\r\\nEvil: 1\\r\\nX:\".");
  CHECK(Message(HttpTask("http://x/a b")) ==
        "HttpRequest.url must not contain whitespace or control characters (percent-encode them: "
        "%20 for a space), not \"http://x/a b\".");
  for (const std::string& bad : std::vector<std::string>{
           "http://x\r\n/", "http://x/\n", "http://x/\t", "http://x/?q=\x01", "http://x/\x7f",
           "http://x/#a b", std::string("http://x/\0", 10), "http://x/\x1f"}) {
    CHECK_MESSAGE(
        Message(HttpTask(bad)).rfind("HttpRequest.url must not contain whitespace", 0) == 0, bad);
  }
  CHECK(Message(HttpTask("http://x/a%20b?q=%0D%0A&r=caf\xc3\xa9")) == "");  // Escaped, UTF-8.

  Task ae;
  ae.app_engine_http_request.emplace().relative_uri = "/a\r\nEvil: 1";
  CHECK(Message(ae) ==
        "AppEngineHttpRequest.relativeUri must not contain whitespace or control characters "
        "(percent-encode them: %20 for a space), not \"/a\\r\\nEvil: 1\".");
  ae.app_engine_http_request->relative_uri = "/a b";
  CHECK(Message(ae).rfind("AppEngineHttpRequest.relativeUri must not contain whitespace", 0) == 0);
  ae.app_engine_http_request->relative_uri = "/a%20b?c=d";
  CHECK(Message(ae) == "");
}

TEST_CASE("dispatch deadline range [15s, 30m] for HTTP tasks") {
  auto with = [](Duration d) {
    Task t = HttpTask();
    t.dispatch_deadline = d;
    return Message(t);
  };
  CHECK(with(seconds(15)) == "");
  CHECK(with(minutes(30)) == "");
  CHECK(with(seconds(14)) == "Task.dispatchDeadline must be between [15s, 30m].");
  CHECK(with(minutes(30) + milliseconds(1)) == "Task.dispatchDeadline must be between [15s, 30m].");
}

TEST_CASE("schedule time: past means now, more than 720h ahead is rejected") {
  Task past = HttpTask();
  past.schedule_time = kNow - hours(1);
  REQUIRE(PrepareNewTask(past, kNow).ok());
  CHECK(past.schedule_time == kNow);
  Task edge = HttpTask();
  edge.schedule_time = kNow + hours(720);
  CHECK(PrepareNewTask(edge, kNow).ok());
  Task far = HttpTask();
  far.schedule_time = sys_days(year(2026) / 12 / 31) + hours(8);
  CHECK(Message(far) ==
        "The Task.scheduleTime, 2026-12-31T00:00:00-08:00, is too far in the future. Schedule "
        "time must be no more than 720h in the future.");
}

TEST_CASE("a body only goes with POST, PUT or PATCH") {
  Task t = HttpTask();
  t.http_request->http_method = HttpMethod::kGet;
  t.http_request->body = "x";
  CHECK(Message(t) != "");
  t.http_request->http_method = HttpMethod::kPatch;
  CHECK(Message(t) == "");
}

TEST_CASE("exactly one target") {
  Task none;
  CHECK(Message(none) != "");
  Task both = HttpTask();
  both.app_engine_http_request.emplace();
  CHECK(Message(both) != "");
}

TEST_CASE("the 1 MiB size limit applies to the stored task") {
  Task t = HttpTask();
  t.http_request->body = std::string(1'048'000, 'x');
  REQUIRE(PrepareNewTask(t, kNow).ok());
  size_t size = EncodedTaskSize(t);  // As stored, defaults included.
  Task over = HttpTask();
  over.http_request->body = std::string(1'048'000 + (kMaxTaskBytes - size) + 1, 'x');
  CHECK(Message(over) == "Task size too large");
  Task exact = HttpTask();
  exact.http_request->body = std::string(1'048'000 + (kMaxTaskBytes - size), 'x');
  CHECK(Message(exact) == "");
}

TEST_CASE("App Engine tasks gain their headers and keep an unset deadline") {
  Task t;
  t.app_engine_http_request.emplace();
  t.app_engine_http_request->body = "abc";
  REQUIRE(PrepareNewTask(t, kNow).ok());
  const auto& r = *t.app_engine_http_request;
  CHECK(r.relative_uri == "/");
  CHECK(r.headers.at("Content-Length") == "3");
  CHECK(r.headers.at("Content-Type") == "application/octet-stream");
  CHECK(r.headers.at("User-Agent") == "AppEngine-Google; (+http://code.google.com/appengine)");
  CHECK(t.dispatch_deadline == Duration(0));
}

TEST_CASE("task headers must be valid HTTP headers: a token name, a value without CR, LF or NUL") {
  auto http = [](std::string name, std::string value) {
    Task t = HttpTask();
    t.http_request->headers[name] = value;
    return Message(t);
  };
  CHECK(http("X-A\r\nB", "1") ==
        "Invalid header name \"X-A\\r\\nB\" in HttpRequest.headers: a header name is one or more "
        "letters, digits or any of !#$%&'*+-.^_`|~.");
  CHECK(http("X-Q", "x\r\nEvil: 1") ==
        "Invalid value for header \"X-Q\" in HttpRequest.headers: a header value cannot contain "
        "CR, LF, NUL or any other control character but tab.");
  for (const char* name : {"", "X A", "X:A", "X\"A", "(X)", "X\x7f", "X\xc3\xa9"}) {
    CHECK_MESSAGE(http(name, "v").rfind("Invalid header name ", 0) == 0, name);
  }
  for (const std::string& value :
       std::vector<std::string>{"a\rb", "a\nb", std::string("a\0b", 3), "a\x01", "\x1f", "a\x7f"}) {
    CHECK_MESSAGE(http("X-V", value).rfind("Invalid value for header \"X-V\"", 0) == 0, value);
  }
  CHECK(http("X!#$%&'*+-.^_`|~09az", "a\tb \"q\" caf\xc3\xa9") == "");  // Tab and UTF-8 are fine.
  CHECK(http("X-Empty", "") == "");

  Task ae;
  ae.app_engine_http_request.emplace().headers["X-B"] = std::string("v\0w", 3);
  CHECK(Message(ae) ==
        "Invalid value for header \"X-B\" in AppEngineHttpRequest.headers: a header value cannot "
        "contain CR, LF, NUL or any other control character but tab.");
  ae.app_engine_http_request->headers = {{"Bad\nName", "v"}};
  CHECK(Message(ae).rfind("Invalid header name \"Bad\\nName\" in AppEngineHttpRequest.headers",
                          0) == 0);
}
