#include "core/http_target.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/push_request.h"

using namespace cte;
using core::HttpMethod;
using core::HttpTarget;
using core::UriOverride;
using core::UriOverrideEnforceMode;
using core::UriScheme;

namespace {

core::HttpRequest Request(const std::string& url) {
  core::HttpRequest r;
  r.url = url;
  r.http_method = HttpMethod::kPost;
  r.body = "payload";
  return r;
}

HttpTarget Uri(UriOverride o) {
  HttpTarget t;
  t.uri_override = std::move(o);
  return t;
}

std::string Applied(const HttpTarget& t, const std::string& url) {
  return core::ApplyHttpTarget(t, Request(url)).url;
}

}  // namespace

TEST_CASE("uriOverride replaces each part it sets, in the default ALWAYS mode") {
  // The examples of the UriOverride field comments (queue.proto, target.proto v2beta3).
  UriOverride host;
  host.host = "example.net";
  CHECK(Applied(Uri(host), "https://www.google.com") == "https://example.net");
  UriOverride port;
  port.port = 123;
  CHECK(Applied(Uri(port), "http://www.google.com/foo") == "http://www.google.com:123/foo");

  UriOverride all{UriScheme::kHttp, "127.0.0.1", 8080,
                  "/new/path",      "a=1",       UriOverrideEnforceMode::kAlways};
  CHECK(Applied(Uri(all), "https://old.example:9/old?x=2#frag") ==
        "http://127.0.0.1:8080/new/path?a=1");
  UriOverride unspecified_scheme;
  unspecified_scheme.scheme = UriScheme::kUnspecified;  // Counts as HTTPS.
  CHECK(Applied(Uri(unspecified_scheme), "http://h/p") == "https://h/p");
  UriOverride no_slash;
  no_slash.path = "relative";
  CHECK(Applied(Uri(no_slash), "http://h/p?q=1") == "http://h/relative?q=1");
  CHECK(Applied(Uri(UriOverride{}), "http://h:1/p?q=1") == "http://h:1/p?q=1");
}

TEST_CASE("a port of 0, an empty path and an empty query remove the task's") {
  UriOverride o;
  o.port = 0;
  o.path = "";
  o.query = "";
  CHECK(Applied(Uri(o), "http://h:8080/p/q?x=1") == "http://h");
  UriOverride ipv6;
  ipv6.port = 9;
  CHECK(Applied(Uri(ipv6), "http://[::1]:8/p") == "http://[::1]:9/p");
}

TEST_CASE("IF_NOT_EXISTS fills in only the parts the task's URL lacks") {
  UriOverride o{UriScheme::kHttp, "other",      9000,
                "/fill",          "from=queue", UriOverrideEnforceMode::kIfNotExists};
  CHECK(Applied(Uri(o), "https://h") == "https://h:9000/fill?from=queue");
  CHECK(Applied(Uri(o), "https://h/") == "https://h:9000/fill?from=queue");
  CHECK(Applied(Uri(o), "https://h:1/mine?x=1") == "https://h:1/mine?x=1");
}

TEST_CASE("httpMethod, headerOverrides and the queue's token replace the task's") {
  HttpTarget t;
  t.http_method = HttpMethod::kGet;
  t.header_overrides = {{"content-type", "text/plain"}, {"X-New", "1"}};
  t.oidc_token = core::OidcToken{"queue@sa", "https://aud"};
  core::HttpRequest r = Request("http://h/");
  r.headers = {{"Content-Type", "application/json"}, {"X-Keep", "k"}};
  r.oauth_token = core::OAuthToken{"task@sa", "scope"};
  core::HttpRequest out = core::ApplyHttpTarget(t, r);
  CHECK(out.http_method == HttpMethod::kGet);
  CHECK(out.headers ==
        core::HeaderMap{{"X-Keep", "k"}, {"X-New", "1"}, {"content-type", "text/plain"}});
  CHECK_FALSE(out.oauth_token.has_value());
  CHECK(out.oidc_token ==
        std::optional<core::OidcToken>(core::OidcToken{"queue@sa", "https://aud"}));
  CHECK(out.body == "payload");  // Kept; the request built from it carries none with GET.

  core::Task task;
  task.name = "projects/p/locations/l/queues/q/tasks/t";
  task.http_request = r;
  task.schedule_time = core::TimePoint();
  core::PushRequest push = core::BuildPushRequest(task, "q", &t, {{"http://h/", "http://w:1/"}});
  CHECK(push.method == "GET");
  CHECK(push.body.empty());
  CHECK(push.url == "http://w:1/");  // --rewrite applies after the override.
  REQUIRE(push.token.has_value());
  CHECK(push.token->oidc_token == t.oidc_token);
}

TEST_CASE("ValidateHttpTarget rejects an empty host, a port out of range, reserved headers") {
  CHECK(core::ValidateHttpTarget(HttpTarget{}).ok());
  UriOverride empty_host;
  empty_host.host = "";
  auto s = core::ValidateHttpTarget(Uri(empty_host));
  CHECK(s.code() == core::Code::kInvalidArgument);
  CHECK(s.message() == "HttpTarget.uriOverride.host must not be empty.");
  for (int64_t port : {int64_t{-1}, int64_t{65536}, int64_t{1} << 40}) {
    UriOverride o;
    o.port = port;
    CHECK(core::ValidateHttpTarget(Uri(o)).code() == core::Code::kInvalidArgument);
  }
  for (int64_t port : {int64_t{0}, int64_t{1}, int64_t{65535}}) {
    UriOverride o;
    o.port = port;
    CHECK(core::ValidateHttpTarget(Uri(o)).ok());
  }
  for (const char* name : {"Host", "content-length", "User-Agent", "X-CloudTasks-TaskName",
                           "X-Google-Foo", "X-AppEngine-QueueName", ""}) {
    HttpTarget t;
    t.header_overrides = {{name, "v"}};
    CHECK_MESSAGE(core::ValidateHttpTarget(t).code() == core::Code::kInvalidArgument, name);
  }
  HttpTarget fine;
  fine.header_overrides = {{"Authorization", "Basic x"}, {"Content-Type", "text/plain"}};
  CHECK(core::ValidateHttpTarget(fine).ok());
  fine.oauth_token = core::OAuthToken{"sa@x", "scope"};  // Now the token sets Authorization.
  CHECK(core::ValidateHttpTarget(fine).code() == core::Code::kInvalidArgument);
}

TEST_CASE("a queue-level token needs its email and its scope or audience") {
  HttpTarget t;
  t.oidc_token = core::OidcToken{"sa@x", ""};
  CHECK(core::ValidateHttpTarget(t).message() ==
        "HttpTarget.oidcToken needs both serviceAccountEmail and audience when it is set on a "
        "queue.");
  t.oidc_token = core::OidcToken{"sa@x", "aud"};
  CHECK(core::ValidateHttpTarget(t).ok());
  t.oidc_token.reset();
  t.oauth_token = core::OAuthToken{"", "scope"};
  CHECK(core::ValidateHttpTarget(t).code() == core::Code::kInvalidArgument);
}

TEST_CASE("a buffered task's URL is the uriOverride applied to nothing") {
  UriOverride o;
  o.host = "worker";
  CHECK(core::BufferedTaskUrl(Uri(o)).value() == "https://worker/");
  o = UriOverride{
      UriScheme::kHttp, "127.0.0.1", 8080, "/in", "k=v", UriOverrideEnforceMode::kIfNotExists};
  CHECK(core::BufferedTaskUrl(Uri(o)).value() == "http://127.0.0.1:8080/in?k=v");
  CHECK(core::BufferedTaskUrl(HttpTarget{}).status().code() == core::Code::kFailedPrecondition);
}

TEST_CASE("ValidateHttpTarget refuses header overrides that are no valid HTTP header") {
  HttpTarget t;
  t.header_overrides = {{"X-Q", "x\r\nEvil: 1"}};
  CHECK(core::ValidateHttpTarget(t).message() ==
        "Invalid value for header \"X-Q\" in HttpTarget.headerOverrides: a header value cannot "
        "contain CR, LF, NUL or any other control character but tab.");
  t.header_overrides = {{"X-A\r\nB", "1"}};
  CHECK(core::ValidateHttpTarget(t).message() ==
        "Invalid header name \"X-A\\r\\nB\" in HttpTarget.headerOverrides: a header name is one "
        "or more letters, digits or any of !#$%&'*+-.^_`|~.");
  t.header_overrides = {{"X-Ok", "a\tb"}};
  CHECK(core::ValidateHttpTarget(t).ok());
}

TEST_CASE("ValidateHttpTarget: a host, an absolute path and a query without spaces") {
  using Part = std::optional<std::string> UriOverride::*;
  // Checks that each of `ok` passes as `part` and each of `bad` is INVALID_ARGUMENT.
  auto check = [](Part part, std::vector<std::string> ok, std::vector<std::string> bad) {
    for (const auto& [values, valid] : {std::pair{ok, true}, std::pair{bad, false}}) {
      for (const std::string& value : values) {
        UriOverride o;
        o.*part = value;
        CHECK_MESSAGE(core::ValidateHttpTarget(Uri(o)).ok() == valid, value);
      }
    }
  };
  auto message = [](Part part, std::string value) {
    UriOverride o;
    o.*part = std::move(value);
    return core::ValidateHttpTarget(Uri(o)).message();
  };
  check(&UriOverride::host,
        {"example.net", "NEW_HOST", "127.0.0.1", "[::1]", "[2001:db8::8a2e:7334]",
         "worker-1.internal.", "localhost"},
        {"a b/c", "127.0.0.1:40289/evil?", "h:80", "h/p", "h?q", "h#f", "user@h", "http://h",
         "h\r\n", "[::1", "[]", "[::1]:80", "\xc3\xa9"});
  CHECK(message(&UriOverride::host, "127.0.0.1:40289/evil?") ==
        "HttpTarget.uriOverride.host must be a host name, an IPv4 address or an IPv6 address in "
        "brackets, without scheme, port, path or user info, not \"127.0.0.1:40289/evil?\".");
  check(&UriOverride::path, {"", "/", "/a/b", "/a%20b", "/a;b=c"},
        {"relative", "/a b", "/a?b", "/a#b", "/a\r\nX: 1", "/a\tb"});
  CHECK(message(&UriOverride::path, "relative") ==
        "HttpTarget.uriOverride.pathOverride.path must be empty or start with \"/\", without "
        "whitespace, control characters, \"?\" or \"#\", not \"relative\".");
  check(&UriOverride::query, {"", "a=1&b=2", "?a=1", "a=%20&b=/x?y"},
        {"a=1&b=x y", "a#b", "a=\n", "a=\x7f"});
  CHECK(message(&UriOverride::query, "a=1&b=x y") ==
        "HttpTarget.uriOverride.queryOverride.queryParams must not contain whitespace, control "
        "characters or \"#\", not \"a=1&b=x y\".");
}
