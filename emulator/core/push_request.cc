#include "core/push_request.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "core/http_target.h"
#include "core/status.h"
#include "core/strings.h"
#include "core/time_util.h"

namespace cte::core {

bool IsReservedHeader(std::string_view name, bool has_token) {
  for (std::string_view computed :
       {"Host", "Content-Length", "User-Agent", "Connection", "Transfer-Encoding"}) {
    if (EqualsIgnoreCase(name, computed)) return true;
  }
  if (has_token && EqualsIgnoreCase(name, "Authorization")) return true;
  return StartsWithIgnoreCase(name, "X-Google-") || StartsWithIgnoreCase(name, "X-AppEngine-") ||
         StartsWithIgnoreCase(name, "X-CloudTasks-");
}

const char* MethodName(HttpMethod m) {
  switch (m) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kHead:
      return "HEAD";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kDelete:
      return "DELETE";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kOptions:
      return "OPTIONS";
    case HttpMethod::kPost:
    case HttpMethod::kUnspecified:
      return "POST";
  }
  return "POST";
}

std::string RewriteUrl(const std::string& url, const std::vector<UrlRewrite>& rewrites) {
  for (const UrlRewrite& r : rewrites) {
    if (url.rfind(r.from, 0) == 0) return r.to + url.substr(r.from.size());
  }
  return url;
}

std::string FormatEta(TimePoint t) {
  int64_t us = ToMicros(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1'000'000),
                static_cast<long long>(us % 1'000'000));
  return buf;
}

PushRequest BuildPushRequest(const Task& task, std::string_view queue_id,
                             const HttpTarget* queue_target,
                             const std::vector<UrlRewrite>& rewrites) {
  std::optional<HttpRequest> targeted;
  if (queue_target != nullptr) targeted = ApplyHttpTarget(*queue_target, *task.http_request);
  const HttpRequest& r = targeted ? *targeted : *task.http_request;
  PushRequest out;
  out.method = MethodName(r.http_method);
  out.url = RewriteUrl(r.url, rewrites);
  bool has_body = r.http_method == HttpMethod::kPost || r.http_method == HttpMethod::kPut ||
                  r.http_method == HttpMethod::kPatch;
  if (has_body) out.body = r.body;
  out.deadline = task.dispatch_deadline;
  bool has_token = r.oauth_token || r.oidc_token;
  // The audience Cloud Tasks would use: the URL before --rewrite, which is ours alone.
  if (has_token) out.token = TokenRequest{r.oauth_token, r.oidc_token, r.url};
  for (const auto& [name, value] : r.headers) {
    if (!IsReservedHeader(name, has_token)) out.headers.emplace_back(name, value);
  }
  out.headers.emplace_back("User-Agent", "Google-Cloud-Tasks");
  AppendTaskHeaders("X-CloudTasks-", queue_id, task, task.execution_count, "", out);
  return out;
}

void AppendTaskHeaders(std::string_view prefix, std::string_view queue_id, const Task& task,
                       int32_t execution_count, std::string_view retry_reason, PushRequest& out) {
  auto add = [&](std::string_view name, std::string value) {
    out.headers.emplace_back(std::string(prefix) + std::string(name), std::move(value));
  };
  add("QueueName", std::string(queue_id));
  add("TaskName", task.name.substr(task.name.rfind('/') + 1));
  add("TaskRetryCount", std::to_string(task.dispatch_count));
  add("TaskExecutionCount", std::to_string(execution_count));
  add("TaskETA", FormatEta(task.schedule_time.value_or(TimePoint())));
  if (task.dispatch_count > 0) {
    add("TaskPreviousResponse", std::to_string(task.previous_response));
    add("TaskRetryReason", std::string(retry_reason));
  }
}

RpcStatus AttemptStatus(const PushResult& result) {
  switch (result.outcome) {
    case PushResult::Outcome::kResponse:
      return {static_cast<int>(CodeForHttpStatus(result.http_status)),
              "HTTP status code " + std::to_string(result.http_status)};
    case PushResult::Outcome::kDeadlineExceeded:
      return {4, "Deadline exceeded: no response before the dispatch deadline"};
    case PushResult::Outcome::kConnectionError:
      return {14, "Connection failed: " + result.error};
  }
  return {2, result.error};
}

}  // namespace cte::core
