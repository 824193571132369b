// The URLs and answers of workers as the pusher reads them: where to connect, what Retry-After
// asks for, and names that never resolve.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace cte::http {

struct Url {
  bool tls = false;
  std::string host;  // Without brackets for IPv6.
  std::string port;
  std::string target;  // Path and query, without the fragment.
  std::string host_header;
  std::string Origin() const { return (tls ? "https://" : "http://") + host_header; }
};

// An http:// or https:// URL. INVALID_ARGUMENT for another scheme, a missing host or a bad port
// ("malformed URL"), or whitespace or a control character anywhere (which CreateTask refuses, but
// a task stored before it did, a --rewrite or an App Engine base URL could bring): sent as is, CR
// LF in the request target or the Host header would add headers of the URL's own.
core::Result<Url> ParseUrl(const std::string& url);

// Retry-After: delay-seconds or an HTTP-date (a date past gives 0). nullopt when malformed.
std::optional<core::Duration> ParseRetryAfter(std::string_view value);

// RFC 6761 6.4: names under .invalid never resolve, and resolvers answer at once without asking.
bool IsInvalidName(std::string_view host);

}  // namespace cte::http
