// Builds the HTTP request Cloud Tasks sends for an attempt of an HTTP task (spec 6.1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"
#include "core/pusher.h"

namespace cte::core {

// A URL prefix rewrite applied at dispatch (--rewrite FROM=TO); the task keeps its URL.
struct UrlRewrite {
  std::string from;
  std::string to;
};

// Builds the request for the attempt about to be made: the task's request under the queue's
// httpTarget when `queue_target` is not null (core/http_target.h), then the rewrites. Its token
// request is set when the result has an oauthToken or oidcToken (the task's own Authorization
// header is then dropped). Requires: task.http_request is set and task.dispatch_count,
// execution_count and previous_response describe the attempts before this one.
PushRequest BuildPushRequest(const Task& task, std::string_view queue_id,
                             const HttpTarget* queue_target,
                             const std::vector<UrlRewrite>& rewrites);

// Appends the headers Cloud Tasks adds to every attempt, each name `prefix` ("X-CloudTasks-", or
// "X-AppEngine-" for App Engine) + QueueName, TaskName, TaskRetryCount, TaskExecutionCount
// (`execution_count`), TaskETA, and on retries TaskPreviousResponse and TaskRetryReason
// (`retry_reason`). The task's counters describe the attempts before this one.
void AppendTaskHeaders(std::string_view prefix, std::string_view queue_id, const Task& task,
                       int32_t execution_count, std::string_view retry_reason, PushRequest& out);

// Headers a task may not set: computed (Host, Content-Length, User-Agent, Connection,
// Transfer-Encoding) or reserved (X-CloudTasks-*, X-Google-*, X-AppEngine-*) by Cloud Tasks, and
// Authorization when a token is sent.
bool IsReservedHeader(std::string_view name, bool has_token);

// "POST", "GET"...; POST when unspecified.
const char* MethodName(HttpMethod m);

// Applies the first matching rewrite to a URL.
std::string RewriteUrl(const std::string& url, const std::vector<UrlRewrite>& rewrites);

// X-CloudTasks-TaskETA: seconds since the epoch with microseconds, e.g. "1712345678.123456".
std::string FormatEta(TimePoint t);

// The google.rpc.Status recorded in lastAttempt.responseStatus for an attempt's result.
RpcStatus AttemptStatus(const PushResult& result);

}  // namespace cte::core
