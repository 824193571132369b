#include "api/browser_guard.h"

#include <string>

namespace cte::api {

namespace {

// The host part of a Host header value ("127.0.0.1:8123" -> "127.0.0.1", "[::1]:80" -> "::1").
std::string_view HostName(std::string_view host) {
  if (host.starts_with('[')) {
    size_t end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  return host.substr(0, host.find(':'));
}

bool IsLoopback(std::string_view name) {
  return name == "localhost" || name == "::1" || name.starts_with("127.");
}

bool HostAllowed(std::string_view host, std::string_view bind_host) {
  std::string_view name = HostName(host);
  if (IsLoopback(name)) return true;
  if (bind_host == "0.0.0.0" || bind_host == "::") return !name.empty();
  return name == HostName(bind_host) || name == bind_host;
}

bool MayChange(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

core::Status Denied(const std::string& why) {
  return {core::Code::kPermissionDenied, "Cross-site request refused: " + why};
}

}  // namespace

core::Status CheckBrowserRequest(const RestRequest& r, std::string_view bind_host) {
  if (r.origin.empty() && r.sec_fetch_site.empty()) return core::Status::Ok();
  if (!HostAllowed(r.host, bind_host)) {
    return Denied("Host " + r.host + " is not a name of this emulator.");
  }
  if (!MayChange(r.method)) return core::Status::Ok();
  if (!r.origin.empty()) {
    if (r.origin == "http://" + r.host) return core::Status::Ok();
    return Denied("Origin " + r.origin + " is not http://" + r.host + ".");
  }
  if (r.sec_fetch_site == "same-origin" || r.sec_fetch_site == "none") return core::Status::Ok();
  return Denied("Sec-Fetch-Site is " + r.sec_fetch_site + ".");
}

}  // namespace cte::api
