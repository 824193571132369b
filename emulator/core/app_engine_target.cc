#include "core/app_engine_target.h"

#include "core/header_syntax.h"
#include "core/push_request.h"
#include "core/strings.h"
#include "core/task_rules.h"

namespace cte::core {

namespace {

// The routing's service, "default" when unset, as App Engine routes it.
std::string ServiceOf(const std::optional<AppEngineRouting>& routing) {
  return routing && !routing->service.empty() ? routing->service : "default";
}

std::string ProjectOf(std::string_view resource_name) {
  constexpr std::string_view kPrefix = "projects/";
  if (resource_name.substr(0, kPrefix.size()) != kPrefix) return "";
  resource_name.remove_prefix(kPrefix.size());
  return std::string(resource_name.substr(0, resource_name.find('/')));
}

}  // namespace

Status CheckBaseUrl(std::string_view url) {
  size_t sep = url.find("://");
  std::string_view scheme = url.substr(0, sep == std::string_view::npos ? 0 : sep);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("expected an http:// or https:// URL, got \"" + std::string(url) + "\"");
  }
  if (!IsUrlText(url)) {
    return InvalidArgument("the URL " + QuoteForMessage(url) +
                           " has whitespace or a control character");
  }
  std::string_view rest = url.substr(sep + 3);
  if (rest.empty() || rest[0] == '/' || rest[0] == ':' || rest[0] == '?') {
    return InvalidArgument("the URL \"" + std::string(url) + "\" has no host");
  }
  return Status::Ok();
}

Result<std::pair<std::string, std::string>> ParseAppEngineRoute(std::string_view spec) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgument("expected SERVICE[.VERSION]=URL, got \"" + std::string(spec) + "\"");
  }
  std::string key(spec.substr(0, eq));
  if (key.front() == '.' || key.back() == '.' || key.find('.') != key.rfind('.')) {
    return InvalidArgument("expected SERVICE or SERVICE.VERSION before '=', got \"" + key + "\"");
  }
  std::string url(spec.substr(eq + 1));
  CTE_RETURN_IF_ERROR(CheckBaseUrl(url));
  return std::make_pair(std::move(key), std::move(url));
}

Result<std::string> AppEngineBaseUrl(const AppEngineRoutes& routes,
                                     const std::optional<AppEngineRouting>& routing) {
  std::string service = ServiceOf(routing);
  if (routing && !routing->version.empty()) {
    auto it = routes.routes.find(service + "." + routing->version);
    if (it != routes.routes.end()) return it->second;
  }
  if (auto it = routes.routes.find(service); it != routes.routes.end()) return it->second;
  if (!routes.default_url.empty()) return routes.default_url;
  return FailedPrecondition("no App Engine URL for service \"" + service +
                            "\": start the emulator with --app-engine-url URL or "
                            "--app-engine-route " +
                            service + "=URL");
}

std::string DerivedHost(const AppEngineRouting& routing, std::string_view resource_name) {
  std::string host;
  for (const std::string* part : {&routing.instance, &routing.version, &routing.service}) {
    if (!part->empty()) host += *part + ".";
  }
  return host + ProjectOf(resource_name) + ".appspot.com";
}

Duration EffectiveDispatchDeadline(const Task& task) {
  if (task.app_engine_http_request && task.dispatch_deadline.count() == 0) {
    return std::chrono::minutes(10);
  }
  return task.dispatch_deadline;
}

PushRequest BuildAppEngineRequest(const Task& task, std::string_view queue_id,
                                  std::string_view base_url) {
  const AppEngineHttpRequest& r = *task.app_engine_http_request;
  PushRequest out;
  out.method = MethodName(r.http_method);
  if (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  out.url = std::string(base_url) + (r.relative_uri.empty() ? "/" : r.relative_uri);
  if (r.http_method == HttpMethod::kPost || r.http_method == HttpMethod::kPut) out.body = r.body;
  out.deadline = EffectiveDispatchDeadline(task);
  std::string user_agent = kAppEngineUserAgent;
  for (const auto& [name, value] : r.headers) {
    if (EqualsIgnoreCase(name, "User-Agent")) user_agent = value;
    if (!IsReservedHeader(name, false)) out.headers.emplace_back(name, value);
  }
  out.headers.emplace_back("User-Agent", user_agent);
  // Unlike an HTTP target's, the execution count counts every answer, 5xx included (spec 6.5);
  // previous_response is 0 when the last attempt got none (a timeout).
  AppendTaskHeaders("X-AppEngine-", queue_id, task, task.response_count,
                    task.previous_response == 0 ? "Instance Unavailable" : "App Error", out);
  out.headers.emplace_back("X-AppEngine-FailFast", "false");
  return out;
}

}  // namespace cte::core
