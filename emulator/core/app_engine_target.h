// App Engine targets (spec 6.5): where the emulator sends App Engine tasks, which name no URL of
// their own, and the request an attempt sends.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/model.h"
#include "core/pusher.h"
#include "core/status.h"

namespace cte::core {

// The local stand-ins for an App Engine app's services (--app-engine-url, --app-engine-route).
struct AppEngineRoutes {
  // The default service's base URL, also used by services without a route of their own. Empty:
  // none, and such tasks' attempts fail.
  std::string default_url = "http://localhost:8080";
  std::map<std::string, std::string> routes;  // "SERVICE" or "SERVICE.VERSION" -> base URL.
};

// Parses --app-engine-route's "SERVICE[.VERSION]=URL"; INVALID_ARGUMENT naming what is wrong.
Result<std::pair<std::string, std::string>> ParseAppEngineRoute(std::string_view spec);

// INVALID_ARGUMENT unless `url` is an http:// or https:// URL with a host and without whitespace
// or control characters (a base URL flag).
Status CheckBaseUrl(std::string_view url);

// Where a task under `routing` goes: the route of SERVICE.VERSION, else of SERVICE, else the
// default URL (the service is "default" when unset). FAILED_PRECONDITION, naming the flags to
// set, when there is none.
Result<std::string> AppEngineBaseUrl(const AppEngineRoutes& routes,
                                     const std::optional<AppEngineRouting>& routing);

// AppEngineRouting.host as Cloud Tasks shows it:
// "[INSTANCE.][VERSION.][SERVICE.]PROJECT.appspot.com", PROJECT taken from `resource_name` (a
// queue's or a task's).
std::string DerivedHost(const AppEngineRouting& routing, std::string_view resource_name);

// The request of an attempt of an App Engine task sent to `base_url` + relativeUri: the task's
// headers but the computed and reserved ones, its User-Agent (which ends in App Engine's), the
// X-AppEngine-* headers, the body with POST and PUT, and the task's dispatch deadline. Requires:
// task.app_engine_http_request is set and the task's counters describe the attempts before this
// one.
PushRequest BuildAppEngineRequest(const Task& task, std::string_view queue_id,
                                  std::string_view base_url);

// The deadline an attempt of `task` has: its dispatchDeadline, or for an App Engine task that
// stores none, 10 minutes (App Engine's automatic scaling; spec 5.1).
Duration EffectiveDispatchDeadline(const Task& task);

}  // namespace cte::core
