// Queue.httpTarget (spec 4.8): what CreateQueue and UpdateQueue check in it, and how dispatch
// applies it to every HTTP task of the queue.
#pragma once

#include <string>

#include "core/model.h"
#include "core/status.h"

namespace cte::core {

// Whether the target sets nothing: an empty httpTarget is stored as none.
bool IsEmpty(const HttpTarget& target);

// INVALID_ARGUMENT, naming the field, for a uriOverride whose host is empty or not a host name,
// IPv4 address or bracketed IPv6 address, whose port is outside 0..65535, whose path does not
// start with "/" or has whitespace, a control character, "?" or "#", or whose query has
// whitespace, a control character or "#"; a header override with an empty or reserved name
// (Host, Content-Length, User-Agent, X-CloudTasks-*, X-Google-*, X-AppEngine-*...) or that is no
// valid header (core/header_syntax.h); header overrides of 80 KB or more; or a token without its
// service account email and its scope (OAuth) or audience (OIDC).
Status ValidateHttpTarget(const HttpTarget& target);

// The request a task's `request` becomes under the queue's `target`: the URI override
// (scheme, host, port, path, query; with IF_NOT_EXISTS only the parts the URL lacks), the
// method, the header overrides (replacing headers of the same name, whatever their case) and
// the queue's token, which replaces the task's own.
HttpRequest ApplyHttpTarget(const HttpTarget& target, HttpRequest request);

// The URL of a task that BufferTask creates on a queue with `target`: the URI override applied
// to nothing (scheme HTTPS unless set, path "/"). FAILED_PRECONDITION when the target has no
// host to send to.
Result<std::string> BufferedTaskUrl(const HttpTarget& target);

}  // namespace cte::core
