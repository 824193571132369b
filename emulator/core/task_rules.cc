#include "core/task_rules.h"

#include <algorithm>
#include <cctype>

#include "core/header_syntax.h"
#include "core/strings.h"
#include "core/time_util.h"

namespace cte::core {

namespace {

using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Removes every header named `name` (any case) and returns the last value removed.
std::string TakeHeader(HeaderMap& headers, std::string_view name) {
  std::string value;
  for (auto it = headers.begin(); it != headers.end();) {
    if (EqualsIgnoreCase(it->first, name)) {
      value = it->second;
      it = headers.erase(it);
    } else {
      ++it;
    }
  }
  return value;
}

bool MethodAllowsBody(HttpMethod m, bool app_engine) {
  if (m == HttpMethod::kPost || m == HttpMethod::kPut) return true;
  return !app_engine && m == HttpMethod::kPatch;
}

Status PrepareHttpRequest(HttpRequest& r) {
  if (r.url.empty()) return InvalidArgument("HttpRequest.url is required.");
  if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
    return InvalidArgument("HttpTarget.url must start with 'http://' or 'https://'.");
  }
  if (r.url.size() > kMaxUrlLength) {
    return InvalidArgument("HttpRequest.url must be at most 2083 characters long.");
  }
  // Sent as is in the request line: CR LF there would start headers of the URL's own.
  CTE_RETURN_IF_ERROR(CheckUrlText("HttpRequest.url", r.url));
  CTE_RETURN_IF_ERROR(CheckHeaders("HttpRequest.headers", r.headers));
  if (r.http_method == HttpMethod::kUnspecified) r.http_method = HttpMethod::kPost;
  if (!r.body.empty() && !MethodAllowsBody(r.http_method, false)) {
    return InvalidArgument("HttpRequest.body can only be set for POST, PUT or PATCH requests.");
  }
  if (r.oauth_token && r.oidc_token) {
    return InvalidArgument("HttpRequest can have only one of oauthToken and oidcToken.");
  }
  if ((r.oauth_token && r.oauth_token->service_account_email.empty()) ||
      (r.oidc_token && r.oidc_token->service_account_email.empty())) {
    return InvalidArgument("The service account email of the authorization token is required.");
  }
  TakeHeader(r.headers, "User-Agent");
  r.headers["User-Agent"] = "Google-Cloud-Tasks";
  return Status::Ok();
}

Status PrepareAppEngineRequest(AppEngineHttpRequest& r) {
  CTE_RETURN_IF_ERROR(CheckHeaders("AppEngineHttpRequest.headers", r.headers));
  if (r.http_method == HttpMethod::kUnspecified) r.http_method = HttpMethod::kPost;
  if (!r.body.empty() && !MethodAllowsBody(r.http_method, true)) {
    return InvalidArgument("AppEngineHttpRequest.body can only be set for POST or PUT requests.");
  }
  if (r.relative_uri.empty()) r.relative_uri = "/";
  if (r.relative_uri[0] != '/') {
    return InvalidArgument("AppEngineHttpRequest.relativeUri must begin with \"/\".");
  }
  if (r.relative_uri.size() > kMaxUrlLength) {
    return InvalidArgument(
        "AppEngineHttpRequest.relativeUri must be at most 2083 characters long.");
  }
  CTE_RETURN_IF_ERROR(CheckUrlText("AppEngineHttpRequest.relativeUri", r.relative_uri));
  std::string user_agent = TakeHeader(r.headers, "User-Agent");
  r.headers["User-Agent"] =
      user_agent.empty() ? kAppEngineUserAgent : user_agent + " " + kAppEngineUserAgent;
  if (!r.body.empty()) {
    TakeHeader(r.headers, "Content-Length");
    r.headers["Content-Length"] = std::to_string(r.body.size());
    std::string content_type = TakeHeader(r.headers, "Content-Type");
    r.headers["Content-Type"] = content_type.empty() ? "application/octet-stream" : content_type;
  }
  if (r.app_engine_routing) r.app_engine_routing->host.clear();
  return Status::Ok();
}

size_t HeaderBytes(const HeaderMap& headers) {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += k.size() + v.size();
  return n;
}

Status PrepareDeadline(Task& task) {
  bool app_engine = task.app_engine_http_request.has_value();
  Duration d = duration_cast<milliseconds>(task.dispatch_deadline);
  if (d.count() == 0) {
    // App Engine tasks store nothing: the default depends on the app's scaling type.
    task.dispatch_deadline = app_engine ? Duration(0) : Duration(minutes(10));
    return Status::Ok();
  }
  if (!DispatchDeadlineInRange(d, app_engine)) {
    return InvalidArgument(app_engine ? "Task.dispatchDeadline must be between [15s, 24h15s]."
                                      : "Task.dispatchDeadline must be between [15s, 30m].");
  }
  task.dispatch_deadline = d;
  return Status::Ok();
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A length-delimited field with a one-byte tag.
size_t LenField(size_t payload) { return 1 + VarintSize(payload) + payload; }
size_t StringField(const std::string& s) { return s.empty() ? 0 : LenField(s.size()); }
size_t VarintField(int64_t v) { return v == 0 ? 0 : 1 + VarintSize(static_cast<uint64_t>(v)); }

size_t TimeFields(int64_t secs, int64_t nanos) { return VarintField(secs) + VarintField(nanos); }

size_t TimestampField(const std::optional<TimePoint>& t) {
  if (!t) return 0;
  auto ns = t->time_since_epoch().count();
  return LenField(TimeFields(ns / 1'000'000'000, ns % 1'000'000'000));
}

size_t DurationField(Duration d) {
  if (d.count() == 0) return 0;
  return LenField(TimeFields(d.count() / 1'000'000'000, d.count() % 1'000'000'000));
}

size_t HeadersSize(const HeaderMap& headers) {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += LenField(StringField(k) + StringField(v));
  return n;
}

size_t TokenSize(const std::string& email, const std::string& other) {
  return LenField(StringField(email) + StringField(other));
}

size_t HttpRequestSize(const HttpRequest& r) {
  size_t n = StringField(r.url) + VarintField(static_cast<int>(r.http_method)) +
             HeadersSize(r.headers) + StringField(r.body);
  if (r.oauth_token) n += TokenSize(r.oauth_token->service_account_email, r.oauth_token->scope);
  if (r.oidc_token) n += TokenSize(r.oidc_token->service_account_email, r.oidc_token->audience);
  return n;
}

size_t AppEngineRequestSize(const AppEngineHttpRequest& r) {
  size_t n = VarintField(static_cast<int>(r.http_method)) + StringField(r.relative_uri) +
             HeadersSize(r.headers) + StringField(r.body);
  if (r.app_engine_routing) {
    const AppEngineRouting& a = *r.app_engine_routing;
    n += LenField(StringField(a.service) + StringField(a.version) + StringField(a.instance) +
                  StringField(a.host));
  }
  return n;
}

}  // namespace

bool DispatchDeadlineInRange(Duration deadline, bool app_engine) {
  Duration d = duration_cast<milliseconds>(deadline);
  return d >= kMinDispatchDeadline &&
         d <= (app_engine ? kMaxAppEngineDispatchDeadline : kMaxHttpDispatchDeadline);
}

Status PrepareNewTask(Task& task, TimePoint now) {
  if (task.http_request.has_value() == task.app_engine_http_request.has_value()) {
    return InvalidArgument(
        "Task must have exactly one of httpRequest and appEngineHttpRequest set.");
  }
  if (task.http_request) {
    CTE_RETURN_IF_ERROR(PrepareHttpRequest(*task.http_request));
    if (HeaderBytes(task.http_request->headers) >= kMaxHeaderBytes) {
      return InvalidArgument("HttpRequest.headers must be smaller than 80KB in total.");
    }
  } else {
    CTE_RETURN_IF_ERROR(PrepareAppEngineRequest(*task.app_engine_http_request));
  }
  CTE_RETURN_IF_ERROR(PrepareDeadline(task));
  if (!task.schedule_time || *task.schedule_time < now) task.schedule_time = now;
  task.schedule_time = std::chrono::floor<microseconds>(*task.schedule_time);
  if (*task.schedule_time > now + kMaxScheduleAhead) {
    return InvalidArgument("The Task.scheduleTime, " + FormatPacificRfc3339(*task.schedule_time) +
                           ", is too far in the future. Schedule time must be no more than 720h "
                           "in the future.");
  }
  task.create_time = std::chrono::floor<seconds>(now);
  task.dispatch_count = 0;
  task.response_count = 0;
  task.first_attempt.reset();
  task.last_attempt.reset();
  task.view = TaskView::kUnspecified;
  if (EncodedTaskSize(task) > kMaxTaskBytes) return InvalidArgument("Task size too large");
  return Status::Ok();
}

size_t EncodedTaskSize(const Task& task) {
  size_t n = StringField(task.name);
  if (task.http_request) n += LenField(HttpRequestSize(*task.http_request));
  if (task.app_engine_http_request) {
    n += LenField(AppEngineRequestSize(*task.app_engine_http_request));
  }
  n += TimestampField(task.schedule_time) + TimestampField(task.create_time) +
       DurationField(task.dispatch_deadline) + VarintField(task.dispatch_count) +
       VarintField(task.response_count) + VarintField(static_cast<int>(task.view));
  return n;
}

}  // namespace cte::core
