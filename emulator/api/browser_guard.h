// The check that keeps a web page the developer visits from using their emulator through their
// browser: cross-site requests that change something, and pages that reach the emulator under a
// name of their own (DNS rebinding). API clients send no Origin or Sec-Fetch-Site header, and
// pass untouched.
#pragma once

#include <string_view>

#include "api/rest_handler.h"
#include "core/status.h"

namespace cte::api {

// OK, or PERMISSION_DENIED naming why, for a request to an emulator listening on `bind_host`:
// - a request with neither Origin nor Sec-Fetch-Site (not from a browser's page) passes;
// - from a browser, its Host must be a loopback name (localhost, 127.x.y.z, [::1]) or, when the
//   emulator listens elsewhere, `bind_host` itself (any host when it is 0.0.0.0 or ::);
// - a browser's request that may change something (any method but GET, HEAD and OPTIONS) must
//   come from the emulator's own origin: Origin equal to "http://" + Host, or, without Origin,
//   Sec-Fetch-Site "same-origin" or "none".
// Thread-safe.
core::Status CheckBrowserRequest(const RestRequest& request, std::string_view bind_host);

}  // namespace cte::api
