#include "store/http_target_codec.h"

#include <charconv>

#include "store/header_codec.h"

namespace cte::store {

namespace {

std::optional<int64_t> ToInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

void EncodeUriOverride(const core::UriOverride& o, HeaderList& out) {
  out.emplace_back("uri", "");
  if (o.scheme) out.emplace_back("scheme", std::to_string(static_cast<int>(*o.scheme)));
  if (o.host) out.emplace_back("host", *o.host);
  if (o.port) out.emplace_back("port", std::to_string(*o.port));
  if (o.path) out.emplace_back("path", *o.path);
  if (o.query) out.emplace_back("query", *o.query);
  out.emplace_back("mode", std::to_string(static_cast<int>(o.enforce_mode)));
}

// Reads one (tag, value) pair into `t`; false for an unknown tag or a bad number.
bool DecodeField(const std::string& tag, const std::string& value, core::HttpTarget& t) {
  auto n = ToInt(value);
  core::UriOverride* o = t.uri_override ? &*t.uri_override : nullptr;
  if (tag == "uri") {
    t.uri_override.emplace();
  } else if (tag == "method" && n) {
    t.http_method = static_cast<core::HttpMethod>(*n);
  } else if (tag == "header") {
    t.header_overrides.emplace_back(value, "");
  } else if (tag == "value" && !t.header_overrides.empty()) {
    t.header_overrides.back().second = value;
  } else if (tag == "oauth") {
    t.oauth_token.emplace().service_account_email = value;
  } else if (tag == "scope" && t.oauth_token) {
    t.oauth_token->scope = value;
  } else if (tag == "oidc") {
    t.oidc_token.emplace().service_account_email = value;
  } else if (tag == "audience" && t.oidc_token) {
    t.oidc_token->audience = value;
  } else if (o == nullptr) {
    return false;
  } else if (tag == "scheme" && n) {
    o->scheme = static_cast<core::UriScheme>(*n);
  } else if (tag == "host") {
    o->host = value;
  } else if (tag == "port" && n) {
    o->port = *n;
  } else if (tag == "path") {
    o->path = value;
  } else if (tag == "query") {
    o->query = value;
  } else if (tag == "mode" && n) {
    o->enforce_mode = static_cast<core::UriOverrideEnforceMode>(*n);
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string EncodeHttpTarget(const core::HttpTarget& t) {
  HeaderList out;
  if (t.uri_override) EncodeUriOverride(*t.uri_override, out);
  out.emplace_back("method", std::to_string(static_cast<int>(t.http_method)));
  for (const auto& [key, value] : t.header_overrides) {
    out.emplace_back("header", key);
    out.emplace_back("value", value);
  }
  if (t.oauth_token) {
    out.emplace_back("oauth", t.oauth_token->service_account_email);
    out.emplace_back("scope", t.oauth_token->scope);
  }
  if (t.oidc_token) {
    out.emplace_back("oidc", t.oidc_token->service_account_email);
    out.emplace_back("audience", t.oidc_token->audience);
  }
  return EncodeHeaders(out);
}

std::optional<core::HttpTarget> DecodeHttpTarget(std::string_view blob) {
  auto fields = DecodeHeaderList(blob);
  if (!fields) return std::nullopt;
  core::HttpTarget t;
  for (const auto& [tag, value] : *fields) {
    if (!DecodeField(tag, value, t)) return std::nullopt;
  }
  return t;
}

}  // namespace cte::store
