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

// Builds the request for the attempt about to be made, its token request set when the task has
// an oauthToken or oidcToken (the task's own Authorization header is then dropped). Requires:
// task.http_request is set and task.dispatch_count, execution_count and previous_response
// describe the attempts before this one.
PushRequest BuildPushRequest(const Task& task, std::string_view queue_id,
                             const std::vector<UrlRewrite>& rewrites);

// Applies the first matching rewrite to a URL.
std::string RewriteUrl(const std::string& url, const std::vector<UrlRewrite>& rewrites);

// X-CloudTasks-TaskETA: seconds since the epoch with microseconds, e.g. "1712345678.123456".
std::string FormatEta(TimePoint t);

// The google.rpc.Status recorded in lastAttempt.responseStatus for an attempt's result.
RpcStatus AttemptStatus(const PushResult& result);

}  // namespace cte::core
