// The syntax every header and URL a task or a queue brings must have before it is stored (RFC 9110
// sections 5.1 and 5.5), so that none can break the request it is sent in or add headers of its
// own: task headers (HTTP and App Engine, so BufferTask's too), queue header overrides, a task's
// URL or relativeUri and the uriOverride parts. The pusher checks them again before it writes.
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

// A URL or a part of one as it goes into the request line or the Host header: no whitespace and no
// control character (0x00-0x20, 0x7F), which would end the line or split the request target.
bool IsUrlText(std::string_view url);

// INVALID_ARGUMENT naming `field` ("HttpRequest.url"...) and the URL, unless IsUrlText(url).
Status CheckUrlText(std::string_view field, std::string_view url);

template <typename Headers>
Status CheckHeaders(std::string_view where, const Headers& headers) {
  for (const auto& [name, value] : headers) CTE_RETURN_IF_ERROR(CheckHeader(where, name, value));
  return Status::Ok();
}

}  // namespace cte::core
