#include "core/http_target.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "core/header_syntax.h"
#include "core/push_request.h"
#include "core/strings.h"
#include "core/task_rules.h"

namespace cte::core {

namespace {

// A URL in the parts a UriOverride replaces; the fragment is dropped (it is never sent).
struct UrlParts {
  std::string scheme;
  std::string host;  // With brackets for IPv6, and any user info.
  std::optional<std::string> port;
  std::string path;
  std::optional<std::string> query;

  std::string Join() const {
    std::string out = scheme + "://" + host;
    if (port) out += ":" + *port;
    out += path;
    if (query) out += "?" + *query;
    return out;
  }
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts p;
  size_t sep = url.find("://");
  if (sep != std::string_view::npos) {
    p.scheme = url.substr(0, sep);
    url.remove_prefix(sep + 3);
  }
  url = url.substr(0, url.find('#'));
  std::string_view authority = url.substr(0, url.find_first_of("/?"));
  url.remove_prefix(authority.size());
  size_t bracket = authority.rfind(']');
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    p.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  p.host = authority;
  size_t q = url.find('?');
  p.path = url.substr(0, q);
  if (q != std::string_view::npos) p.query = std::string(url.substr(q + 1));
  return p;
}

void ApplyUriOverride(const UriOverride& o, UrlParts& url) {
  bool always = o.enforce_mode != UriOverrideEnforceMode::kIfNotExists;
  // A task's URL always has a scheme and a host: IF_NOT_EXISTS leaves them.
  if (o.scheme && (always || url.scheme.empty())) {
    url.scheme = *o.scheme == UriScheme::kHttp ? "http" : "https";
  }
  if (o.host && (always || url.host.empty())) url.host = *o.host;
  if (o.port && (always || !url.port)) {
    url.port.reset();
    if (*o.port != 0) url.port = std::to_string(*o.port);
  }
  if (o.path && (always || url.path.empty() || url.path == "/")) {
    // A path without its "/" is refused now, but may have been stored before it was.
    url.path = o.path->empty() || (*o.path)[0] == '/' ? *o.path : "/" + *o.path;
  }
  if (o.query && (always || !url.query)) {
    std::string_view q = *o.query;
    if (!q.empty() && q[0] == '?') q.remove_prefix(1);
    url.query.reset();
    if (!q.empty()) url.query = std::string(q);
  }
}

Status BadTarget(const std::string& field, const std::string& what) {
  return InvalidArgument("HttpTarget." + field + " " + what);
}

bool IsHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

// A host name or an IPv4 address (letters, digits, "-", "." and "_"), or an IPv6 address in
// brackets: nothing that would end the authority (":", "/", "?", "#") or add user info ("@").
bool IsHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    return std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
  }
  return IsHostName(host);
}

// No whitespace, control character or any of `also`: what would end or split the URL part.
bool HasNoneOf(std::string_view part, std::string_view also) {
  return IsUrlText(part) && part.find_first_of(also) == std::string_view::npos;
}

Status ValidateUriOverride(const UriOverride& o) {
  if (o.host && o.host->empty()) return BadTarget("uriOverride.host", "must not be empty.");
  if (o.host && !IsHost(*o.host)) {
    return BadTarget("uriOverride.host",
                     "must be a host name, an IPv4 address or an IPv6 address in brackets, "
                     "without scheme, port, path or user info, not " +
                         QuoteForMessage(*o.host) + ".");
  }
  if (o.port && (*o.port < 0 || *o.port > 65535)) {
    return BadTarget("uriOverride.port", "must be between 0 and 65535 (0 removes the port), not " +
                                             std::to_string(*o.port) + ".");
  }
  if (o.path && !o.path->empty() && ((*o.path)[0] != '/' || !HasNoneOf(*o.path, "?#"))) {
    return BadTarget("uriOverride.pathOverride.path",
                     "must be empty or start with \"/\", without whitespace, control "
                     "characters, \"?\" or \"#\", not " +
                         QuoteForMessage(*o.path) + ".");
  }
  if (o.query && !HasNoneOf(*o.query, "#")) {
    return BadTarget("uriOverride.queryOverride.queryParams",
                     "must not contain whitespace, control characters or \"#\", not " +
                         QuoteForMessage(*o.query) + ".");
  }
  return Status::Ok();
}

Status ValidateToken(const std::string& field, const std::string& email, const char* second_name,
                     const std::string& second) {
  if (email.empty() || second.empty()) {
    return BadTarget(field, std::string("needs both serviceAccountEmail and ") + second_name +
                                " when it is set on a queue.");
  }
  return Status::Ok();
}

}  // namespace

bool IsEmpty(const HttpTarget& target) { return target == HttpTarget{}; }

Status ValidateHttpTarget(const HttpTarget& target) {
  if (target.uri_override) CTE_RETURN_IF_ERROR(ValidateUriOverride(*target.uri_override));
  size_t header_bytes = 0;
  for (const auto& [key, value] : target.header_overrides) {
    if (key.empty()) return BadTarget("headerOverrides", "has a header with an empty key.");
    CTE_RETURN_IF_ERROR(CheckHeader("HttpTarget.headerOverrides", key, value));
    if (IsReservedHeader(key, target.oauth_token || target.oidc_token)) {
      return BadTarget("headerOverrides",
                       "cannot set the header \"" + key + "\": Cloud Tasks sets or reserves it.");
    }
    header_bytes += key.size() + value.size();
  }
  if (header_bytes >= kMaxHeaderBytes) {
    return BadTarget("headerOverrides", "must total less than 80KB.");
  }
  if (target.oauth_token && target.oidc_token) {
    return InvalidArgument("Multiple values for oneof http_target.authorization_header.");
  }
  if (const auto& t = target.oauth_token) {
    CTE_RETURN_IF_ERROR(ValidateToken("oauthToken", t->service_account_email, "scope", t->scope));
  }
  if (const auto& t = target.oidc_token) {
    CTE_RETURN_IF_ERROR(
        ValidateToken("oidcToken", t->service_account_email, "audience", t->audience));
  }
  return Status::Ok();
}

HttpRequest ApplyHttpTarget(const HttpTarget& target, HttpRequest request) {
  if (target.uri_override) {
    UrlParts url = SplitUrl(request.url);
    ApplyUriOverride(*target.uri_override, url);
    request.url = url.Join();
  }
  if (target.http_method != HttpMethod::kUnspecified) request.http_method = target.http_method;
  for (const auto& header : target.header_overrides) {
    std::erase_if(request.headers,
                  [&](const auto& h) { return EqualsIgnoreCase(h.first, header.first); });
    request.headers[header.first] = header.second;
  }
  if (target.oauth_token || target.oidc_token) {
    request.oauth_token = target.oauth_token;
    request.oidc_token = target.oidc_token;
  }
  return request;
}

Result<std::string> BufferedTaskUrl(const HttpTarget& target) {
  if (!target.uri_override || !target.uri_override->host) {
    return FailedPrecondition(
        "BufferTask needs the queue's httpTarget.uriOverride to name a host: the buffered task "
        "has no URL of its own.");
  }
  // The task has no URL of its own: every part the override sets applies, whatever its mode.
  UriOverride always = *target.uri_override;
  always.enforce_mode = UriOverrideEnforceMode::kAlways;
  UrlParts url;
  ApplyUriOverride(always, url);
  if (url.scheme.empty()) url.scheme = "https";
  if (url.path.empty()) url.path = "/";
  return url.Join();
}

}  // namespace cte::core
