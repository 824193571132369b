// Writers of the proto3 JSON mapping; see json_codec.h.
#include <array>
#include <cmath>

#include "api/enum_names.h"
#include "api/json_codec.h"
#include "core/app_engine_target.h"
#include "core/base64.h"
#include "core/time_util.h"

namespace cte::api {

namespace {

template <typename E, size_t N>
Json EnumJson(E value, const std::array<const char*, N>& names, const JsonOptions& o) {
  auto i = static_cast<size_t>(value);
  if (o.enums_as_ints || i >= N) return static_cast<int>(i);
  return names[i];
}

// A double with a whole value prints without a fraction, as protobuf's JSON printer does.
Json DoubleJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == std::floor(d) && std::abs(d) < 9e15) return static_cast<int64_t>(d);
  return d;
}

void PutString(Json& j, const char* key, const std::string& s) {
  if (!s.empty()) j[key] = s;
}

void PutInt(Json& j, const char* key, int64_t v) {
  if (v != 0) j[key] = v;
}

void PutDuration(Json& j, const char* key, core::Duration d) {
  if (d.count() != 0) j[key] = core::FormatDuration(d);
}

void PutTime(Json& j, const char* key, const std::optional<core::TimePoint>& t) {
  if (t) j[key] = core::FormatTimestamp(*t);
}

// `owner` is the queue's or task's name, whose project the derived host names.
Json RoutingJson(const core::AppEngineRouting& r, const std::string& owner) {
  Json j = Json::object();
  PutString(j, "service", r.service);
  PutString(j, "version", r.version);
  PutString(j, "instance", r.instance);
  PutString(j, "host", core::DerivedHost(r, owner));
  return j;
}

Json HeadersJson(const core::HeaderMap& headers) {
  Json j = Json::object();
  for (const auto& [k, v] : headers) j[k] = v;
  return j;
}

// The oneof authorization_header of an HttpRequest or an HttpTarget.
template <typename Target>
void PutAuthorization(Json& j, const Target& r) {
  if (r.oauth_token) {
    Json t = Json::object();
    PutString(t, "serviceAccountEmail", r.oauth_token->service_account_email);
    PutString(t, "scope", r.oauth_token->scope);
    j["oauthToken"] = std::move(t);
  }
  if (r.oidc_token) {
    Json t = Json::object();
    PutString(t, "serviceAccountEmail", r.oidc_token->service_account_email);
    PutString(t, "audience", r.oidc_token->audience);
    j["oidcToken"] = std::move(t);
  }
}

Json HttpRequestJson(const core::HttpRequest& r, const JsonOptions& o) {
  Json j = Json::object();
  PutString(j, "url", r.url);
  if (r.http_method != core::HttpMethod::kUnspecified) {
    j["httpMethod"] = EnumJson(r.http_method, kHttpMethodNames, o);
  }
  if (!r.headers.empty()) j["headers"] = HeadersJson(r.headers);
  if (!r.body.empty()) j["body"] = core::Base64Encode(r.body);
  PutAuthorization(j, r);
  return j;
}

Json UriOverrideJson(const core::UriOverride& u, const JsonOptions& o) {
  Json j = Json::object();
  if (u.scheme) j["scheme"] = EnumJson(*u.scheme, kUriSchemeNames, o);
  if (u.host) j["host"] = *u.host;
  if (u.port) j["port"] = std::to_string(*u.port);  // An int64: a JSON string.
  if (u.path) j["pathOverride"] = u.path->empty() ? Json::object() : Json{{"path", *u.path}};
  if (u.query) {
    j["queryOverride"] = u.query->empty() ? Json::object() : Json{{"queryParams", *u.query}};
  }
  if (u.enforce_mode != core::UriOverrideEnforceMode::kUnspecified) {
    j["uriOverrideEnforceMode"] = EnumJson(u.enforce_mode, kEnforceModeNames, o);
  }
  return j;
}

Json HttpTargetJson(const core::HttpTarget& t, const JsonOptions& o) {
  Json j = Json::object();
  if (t.uri_override) j["uriOverride"] = UriOverrideJson(*t.uri_override, o);
  if (t.http_method != core::HttpMethod::kUnspecified) {
    j["httpMethod"] = EnumJson(t.http_method, kHttpMethodNames, o);
  }
  if (!t.header_overrides.empty()) {
    Json list = Json::array();
    for (const auto& [key, value] : t.header_overrides) {
      list.push_back({{"header", {{"key", key}, {"value", value}}}});
    }
    j["headerOverrides"] = std::move(list);
  }
  PutAuthorization(j, t);
  return j;
}

Json AppEngineRequestJson(const core::AppEngineHttpRequest& r, const std::string& owner,
                          const JsonOptions& o) {
  Json j = Json::object();
  if (r.http_method != core::HttpMethod::kUnspecified) {
    j["httpMethod"] = EnumJson(r.http_method, kHttpMethodNames, o);
  }
  if (r.app_engine_routing) j["appEngineRouting"] = RoutingJson(*r.app_engine_routing, owner);
  PutString(j, "relativeUri", r.relative_uri);
  if (!r.headers.empty()) j["headers"] = HeadersJson(r.headers);
  if (!r.body.empty()) j["body"] = core::Base64Encode(r.body);
  return j;
}

Json AttemptJson(const core::Attempt& a) {
  Json j = Json::object();
  PutTime(j, "scheduleTime", a.schedule_time);
  PutTime(j, "dispatchTime", a.dispatch_time);
  PutTime(j, "responseTime", a.response_time);
  if (a.response_status) {
    Json s = Json::object();
    PutInt(s, "code", a.response_status->code);
    PutString(s, "message", a.response_status->message);
    j["responseStatus"] = std::move(s);
  }
  return j;
}

// Appends `s` as a JSON string, escaped as nlohmann's serializer does; false (and nothing
// appended) when `s` holds a byte outside ASCII, which the caller leaves to nlohmann (its UTF-8
// checks and replacements).
bool AppendAsciiString(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t mark = out.size();
  out += '"';
  const char* run = s.data();  // The start of the characters not yet copied.
  const char* end = run + s.size();
  for (const char* p = run; p < end; ++p) {
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    if (c >= 0x80) {
      out.resize(mark);
      return false;
    }
    out.append(run, p);
    run = p + 1;
    char escaped[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
      case '"':
      case '\\':
        escaped[1] = static_cast<char>(c);
        break;
      case '\b':
        escaped[1] = 'b';
        break;
      case '\f':
        escaped[1] = 'f';
        break;
      case '\n':
        escaped[1] = 'n';
        break;
      case '\r':
        escaped[1] = 'r';
        break;
      case '\t':
        escaped[1] = 't';
        break;
      default:
        escaped[1] = 'u';
        escaped[2] = '0';
        escaped[3] = '0';
        escaped[4] = kHex[c >> 4];
        escaped[5] = kHex[c & 15];
        n = 6;
    }
    out.append(escaped, n);
  }
  out.append(run, end);
  out += '"';
  return true;
}

void AppendNlohmann(std::string& out, const Json& j) {
  out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendString(std::string& out, const std::string& s) {
  if (!AppendAsciiString(out, s)) AppendNlohmann(out, Json(s));
}

void AppendJson(std::string& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      return;
    case Json::value_t::string:
      AppendString(out, j.get_ref<const std::string&>());
      return;
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : j.items()) {
        if (!first) out += ',';
        first = false;
        AppendString(out, key);
        out += ':';
        AppendJson(out, value);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& value : j) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, value);
      }
      out += ']';
      return;
    }
    default:  // Doubles, binary, discarded: rare, and nlohmann's format is particular.
      AppendNlohmann(out, j);
  }
}

}  // namespace

std::string DumpJson(const Json& j) {
  std::string out;
  out.reserve(512);
  AppendJson(out, j);
  return out;
}

Json QueueToJson(const core::Queue& q, const JsonOptions& o) {
  Json j = Json::object();
  PutString(j, "name", q.name);
  if (q.app_engine_routing_override) {
    j["appEngineRoutingOverride"] = RoutingJson(*q.app_engine_routing_override, q.name);
  }
  Json rate = Json::object();
  if (q.rate_limits.max_dispatches_per_second != 0) {
    rate["maxDispatchesPerSecond"] = DoubleJson(q.rate_limits.max_dispatches_per_second);
  }
  PutInt(rate, "maxBurstSize", q.rate_limits.max_burst_size);
  PutInt(rate, "maxConcurrentDispatches", q.rate_limits.max_concurrent_dispatches);
  j["rateLimits"] = std::move(rate);
  Json retry = Json::object();
  PutInt(retry, "maxAttempts", q.retry_config.max_attempts);
  PutDuration(retry, "maxRetryDuration", q.retry_config.max_retry_duration);
  PutDuration(retry, "minBackoff", q.retry_config.min_backoff);
  PutDuration(retry, "maxBackoff", q.retry_config.max_backoff);
  PutInt(retry, "maxDoublings", q.retry_config.max_doublings);
  j["retryConfig"] = std::move(retry);
  if (q.state != core::QueueState::kUnspecified)
    j["state"] = EnumJson(q.state, kQueueStateNames, o);
  PutTime(j, "purgeTime", q.purge_time);
  if (q.stackdriver_logging_config) {
    Json l = Json::object();
    if (q.stackdriver_logging_config->sampling_ratio != 0) {
      l["samplingRatio"] = DoubleJson(q.stackdriver_logging_config->sampling_ratio);
    }
    j["stackdriverLoggingConfig"] = std::move(l);
  }
  if (q.http_target) j["httpTarget"] = HttpTargetJson(*q.http_target, o);
  return j;
}

Json TaskToJson(const core::Task& t, const JsonOptions& o) {
  Json j = Json::object();
  PutString(j, "name", t.name);
  if (t.http_request) j["httpRequest"] = HttpRequestJson(*t.http_request, o);
  if (t.app_engine_http_request) {
    j["appEngineHttpRequest"] = AppEngineRequestJson(*t.app_engine_http_request, t.name, o);
  }
  PutTime(j, "scheduleTime", t.schedule_time);
  PutTime(j, "createTime", t.create_time);
  PutDuration(j, "dispatchDeadline", t.dispatch_deadline);
  PutInt(j, "dispatchCount", t.dispatch_count);
  PutInt(j, "responseCount", t.response_count);
  if (t.first_attempt) j["firstAttempt"] = AttemptJson(*t.first_attempt);
  if (t.last_attempt) j["lastAttempt"] = AttemptJson(*t.last_attempt);
  if (t.view != core::TaskView::kUnspecified) j["view"] = EnumJson(t.view, kTaskViewNames, o);
  return j;
}

Json PolicyToJson(const core::Policy& p) {
  Json j = Json::object();
  PutInt(j, "version", p.version);
  if (!p.bindings.empty()) {
    Json bindings = Json::array();
    for (const core::Binding& b : p.bindings) {
      Json bj = Json::object();
      PutString(bj, "role", b.role);
      if (!b.members.empty()) bj["members"] = b.members;
      if (b.condition) {
        Json c = Json::object();
        PutString(c, "expression", b.condition->expression);
        PutString(c, "title", b.condition->title);
        PutString(c, "description", b.condition->description);
        PutString(c, "location", b.condition->location);
        bj["condition"] = std::move(c);
      }
      bindings.push_back(std::move(bj));
    }
    j["bindings"] = std::move(bindings);
  }
  if (!p.etag.empty()) j["etag"] = core::Base64Encode(p.etag);
  return j;
}

Json LocationToJson(const core::Location& l) {
  Json j = Json::object();
  PutString(j, "name", l.name);
  PutString(j, "locationId", l.location_id);
  PutString(j, "displayName", l.display_name);
  if (!l.labels.empty()) j["labels"] = l.labels;
  return j;
}

int RestHttpStatus(core::Code code) {
  // gcloud (apitools) retries every answer of 500 or more, and 429: an unbuilt method answered
  // with 501 would make it wait and try again five times. 400 fails it at once; the body still
  // says UNIMPLEMENTED, which is what clients read the code from.
  if (code == core::Code::kUnimplemented) return 400;
  return core::HttpStatusFor(code);
}

Json CmekConfigToJson(const core::CmekConfig& c) {
  Json j = Json::object();
  PutString(j, "name", c.name);
  PutString(j, "kmsKey", c.kms_key);
  return j;
}

Json ErrorToJson(const core::Status& s) {
  return Json{{"error",
               {{"code", RestHttpStatus(s.code())},
                {"message", s.message()},
                {"status", std::string(core::CodeName(s.code()))}}}};
}

}  // namespace cte::api
