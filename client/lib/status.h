// Status and Result<T> of the client library: the shared error model of common/ (a google.rpc
// code, its name and a message, as decoded from Google's JSON error body).
#pragma once

#include "common/status.h"

namespace cte::client {

using ::cte::Code;
using ::cte::CodeForHttpStatus;
using ::cte::CodeFromName;
using ::cte::CodeName;
using ::cte::Result;
using ::cte::Status;

// The code Google's REST front end implies by an HTTP status when the body names none.
inline Code CodeFromHttpStatus(int http_status) { return CodeForHttpStatus(http_status); }

}  // namespace cte::client
