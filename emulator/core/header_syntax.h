// The syntax every header a task or a queue brings must have before it is stored (RFC 9110
// sections 5.1 and 5.5), so that none can break the request it is sent in or add headers of its
// own: task headers (HTTP and App Engine, so BufferTask's too) and queue header overrides.
#pragma once

#include <string_view>

#include "core/status.h"

namespace cte::core {

// A token: one or more of the letters, the digits and !#$%&'*+-.^_`|~.
bool IsHeaderName(std::string_view name);

// A field value: no control character (CR, LF, NUL...) other than the horizontal tab.
bool IsHeaderValue(std::string_view value);

// INVALID_ARGUMENT naming the header and `where` it came from ("HttpRequest.headers"...), e.g.
// `Invalid header name "X-A\r\nB" in HttpRequest.headers: ...`, unless both parts are valid.
Status CheckHeader(std::string_view where, std::string_view name, std::string_view value);

template <typename Headers>
Status CheckHeaders(std::string_view where, const Headers& headers) {
  for (const auto& [name, value] : headers) CTE_RETURN_IF_ERROR(CheckHeader(where, name, value));
  return Status::Ok();
}

}  // namespace cte::core
