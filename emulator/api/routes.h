// The one route table: HTTP method and path to the Rpc they call, for the Cloud Tasks REST API
// (/v2, and the /v1 locations paths some clients use), the test harness (/emulator/v1), the
// OpenID endpoints, Prometheus' /metrics and the dashboard (/ui, whatever the method).
#pragma once

#include <string>
#include <string_view>

#include "api/rest_request.h"
#include "api/rpc.h"
#include "core/status.h"

namespace cte::api {

struct Route {
  Rpc rpc;
  // The resource the path names, without the version ("projects/p/locations/l/queues/q"); ""
  // for the harness, OpenID and metrics endpoints.
  std::string resource;
};

// The route of a request. `method` is after X-HTTP-Method-Override; `path` is the raw path (for
// the error). NOT_FOUND with Google's "The requested URL ... was not found on this server." when
// no route matches. Thread-safe.
core::Result<Route> FindRoute(std::string_view method, std::string_view path,
                              const ParsedTarget& target);

}  // namespace cte::api
