// Readers of the proto3 JSON mapping; see json_codec.h.
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "api/enum_names.h"
#include "api/json_codec.h"
#include "core/base64.h"
#include "core/time_util.h"

namespace cte::api {

namespace {

using core::Duration;
using core::Status;

std::string Sub(const std::string& path, const char* field) {
  return path.empty() ? field : path + "." + field;
}

// Whether a JSON key names a field, given in lowerCamel and snake_case.
bool Is(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

Status BadValue(const std::string& path, std::string_view type, const Json& j) {
  return core::InvalidArgument("Invalid value at '" + path + "' (" + std::string(type) + "), " +
                               j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Status NotObject(const std::string& path, const Json& j) {
  return core::InvalidArgument("Invalid JSON payload received. Expected an object for '" + path +
                               "', got " + j.dump(-1, ' ', false, Json::error_handler_t::replace) +
                               ".");
}

// A JSON object's fields, skipping nulls (proto3 JSON reads null as the default value).
template <typename F>
Status ForEachField(const Json& j, const std::string& path, F&& f) {
  if (!j.is_object()) return NotObject(path, j);
  for (const auto& [key, value] : j.items()) {
    if (value.is_null()) continue;
    CTE_RETURN_IF_ERROR(f(key, value));
  }
  return Status::Ok();
}

Status ReadDouble(const Json& j, const std::string& path, double& out) {
  if (j.is_number()) {
    out = j.get<double>();
    return Status::Ok();
  }
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN")
      out = std::numeric_limits<double>::quiet_NaN();
    else if (s == "Infinity")
      out = std::numeric_limits<double>::infinity();
    else if (s == "-Infinity")
      out = -std::numeric_limits<double>::infinity();
    else {
      char* end = nullptr;
      out = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return BadValue(path, "TYPE_DOUBLE", j);
    }
    return Status::Ok();
  }
  return BadValue(path, "TYPE_DOUBLE", j);
}

// "max_retry_duration" -> "maxRetryDuration", for messages that name the JSON field.
std::string LowerCamel(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return out;
}

Status ReadDurationField(const Json& j, const std::string& path, Duration& out) {
  std::optional<Duration> d;
  if (j.is_string()) d = core::ParseDuration(j.get_ref<const std::string&>());
  if (!d) {
    // Google's front end words it this way, e.g. for gcloud's "--max-retry-duration=30m".
    std::string field = LowerCamel(path.substr(path.rfind('.') + 1));
    bool has_s = j.is_string() && !j.get_ref<const std::string&>().empty() &&
                 j.get_ref<const std::string&>().back() == 's';
    return core::InvalidArgument(
        "Invalid value at '" + path + "' (type.googleapis.com/google.protobuf.Duration), Field '" +
        field + "', Illegal duration format; " +
        (has_s ? std::string("duration must be a decimal number of seconds followed by 's'")
               : std::string("duration must end with 's'")));
  }
  out = *d;
  return Status::Ok();
}

Status ReadTimestampField(const Json& j, const std::string& path,
                          std::optional<core::TimePoint>& out) {
  std::optional<core::TimePoint> t;
  if (j.is_string()) t = core::ParseTimestamp(j.get_ref<const std::string&>());
  if (!t) return BadValue(path, "type.googleapis.com/google.protobuf.Timestamp", j);
  out = t;
  return Status::Ok();
}

Status ReadBytes(const Json& j, const std::string& path, std::string& out) {
  std::optional<std::string> bytes;
  if (j.is_string()) bytes = core::Base64Decode(j.get_ref<const std::string&>());
  if (!bytes) return BadValue(path, "TYPE_BYTES", j);
  out = std::move(*bytes);
  return Status::Ok();
}

// Reads an enum given by name or number. `names[i]` is the name of value i.
template <typename E, size_t N>
Status ReadEnum(const Json& j, const std::string& path, const char* type,
                const std::array<const char*, N>& names, E& out) {
  if (j.is_number_integer()) {
    auto v = j.get<int64_t>();
    if (v >= 0 && v < static_cast<int64_t>(N)) {
      out = static_cast<E>(v);
      return Status::Ok();
    }
  } else if (j.is_string()) {
    for (size_t i = 0; i < N; ++i) {
      if (j.get_ref<const std::string&>() == names[i]) {
        out = static_cast<E>(i);
        return Status::Ok();
      }
    }
  }
  return BadValue(path, type, j);
}

Status ReadHttpMethod(const Json& j, const std::string& path, core::HttpMethod& out) {
  return ReadEnum(j, path, "type.googleapis.com/google.cloud.tasks.v2.HttpMethod", kHttpMethodNames,
                  out);
}

Status ReadHeaders(const Json& j, const std::string& path, core::HeaderMap& out) {
  return ForEachField(j, path, [&](const std::string& key, const Json& v) {
    if (!v.is_string()) return BadValue(path + "[" + key + "]", "TYPE_STRING", v);
    out[key] = v.get<std::string>();
    return Status::Ok();
  });
}

Status ReadRouting(const Json& j, const std::string& path, core::AppEngineRouting& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (k == "service") return ReadString(v, Sub(path, "service"), out.service);
    if (k == "version") return ReadString(v, Sub(path, "version"), out.version);
    if (k == "instance") return ReadString(v, Sub(path, "instance"), out.instance);
    if (k == "host") return ReadString(v, Sub(path, "host"), out.host);
    return UnknownField(k, path);
  });
}

Status ReadRateLimits(const Json& j, const std::string& path, core::RateLimits& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "maxDispatchesPerSecond", "max_dispatches_per_second")) {
      return ReadDouble(v, Sub(path, "max_dispatches_per_second"), out.max_dispatches_per_second);
    }
    if (Is(k, "maxBurstSize", "max_burst_size")) {
      return ReadInt32(v, Sub(path, "max_burst_size"), out.max_burst_size);
    }
    if (Is(k, "maxConcurrentDispatches", "max_concurrent_dispatches")) {
      return ReadInt32(v, Sub(path, "max_concurrent_dispatches"), out.max_concurrent_dispatches);
    }
    return UnknownField(k, path);
  });
}

Status ReadRetryConfig(const Json& j, const std::string& path, core::RetryConfig& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "maxAttempts", "max_attempts")) {
      return ReadInt32(v, Sub(path, "max_attempts"), out.max_attempts);
    }
    if (Is(k, "maxRetryDuration", "max_retry_duration")) {
      return ReadDurationField(v, Sub(path, "max_retry_duration"), out.max_retry_duration);
    }
    if (Is(k, "minBackoff", "min_backoff")) {
      return ReadDurationField(v, Sub(path, "min_backoff"), out.min_backoff);
    }
    if (Is(k, "maxBackoff", "max_backoff")) {
      return ReadDurationField(v, Sub(path, "max_backoff"), out.max_backoff);
    }
    if (Is(k, "maxDoublings", "max_doublings")) {
      return ReadInt32(v, Sub(path, "max_doublings"), out.max_doublings);
    }
    return UnknownField(k, path);
  });
}

Status ReadLogging(const Json& j, const std::string& path, core::StackdriverLoggingConfig& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "samplingRatio", "sampling_ratio")) {
      return ReadDouble(v, Sub(path, "sampling_ratio"), out.sampling_ratio);
    }
    return UnknownField(k, path);
  });
}

template <typename Token>
Status ReadToken(const Json& j, const std::string& path, const char* second_camel,
                 const char* second_snake, Token& out, std::string& second) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "serviceAccountEmail", "service_account_email")) {
      return ReadString(v, Sub(path, "service_account_email"), out.service_account_email);
    }
    if (Is(k, second_camel, second_snake)) return ReadString(v, Sub(path, second_snake), second);
    return UnknownField(k, path);
  });
}

Status ReadHttpRequest(const Json& j, const std::string& path, core::HttpRequest& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (k == "url") return ReadString(v, Sub(path, "url"), out.url);
    if (Is(k, "httpMethod", "http_method")) {
      return ReadHttpMethod(v, Sub(path, "http_method"), out.http_method);
    }
    if (k == "headers") return ReadHeaders(v, Sub(path, "headers"), out.headers);
    if (k == "body") return ReadBytes(v, Sub(path, "body"), out.body);
    if (Is(k, "oauthToken", "oauth_token")) {
      if (out.oidc_token)
        return core::InvalidArgument("Multiple values for oneof " + path +
                                     ".authorization_header.");
      auto& t = out.oauth_token.emplace();
      return ReadToken(v, Sub(path, "oauth_token"), "scope", "scope", t, t.scope);
    }
    if (Is(k, "oidcToken", "oidc_token")) {
      if (out.oauth_token)
        return core::InvalidArgument("Multiple values for oneof " + path +
                                     ".authorization_header.");
      auto& t = out.oidc_token.emplace();
      return ReadToken(v, Sub(path, "oidc_token"), "audience", "audience", t, t.audience);
    }
    return UnknownField(k, path);
  });
}

Status ReadAppEngineRequest(const Json& j, const std::string& path,
                            core::AppEngineHttpRequest& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "httpMethod", "http_method")) {
      return ReadHttpMethod(v, Sub(path, "http_method"), out.http_method);
    }
    if (Is(k, "appEngineRouting", "app_engine_routing")) {
      return ReadRouting(v, Sub(path, "app_engine_routing"), out.app_engine_routing.emplace());
    }
    if (Is(k, "relativeUri", "relative_uri")) {
      return ReadString(v, Sub(path, "relative_uri"), out.relative_uri);
    }
    if (k == "headers") return ReadHeaders(v, Sub(path, "headers"), out.headers);
    if (k == "body") return ReadBytes(v, Sub(path, "body"), out.body);
    return UnknownField(k, path);
  });
}

Status ReadAttempt(const Json& j, const std::string& path, core::Attempt& out) {
  // Attempts are output only: read for type checking, then dropped by the service.
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, "scheduleTime", "schedule_time")) {
      return ReadTimestampField(v, Sub(path, "schedule_time"), out.schedule_time);
    }
    if (Is(k, "dispatchTime", "dispatch_time")) {
      return ReadTimestampField(v, Sub(path, "dispatch_time"), out.dispatch_time);
    }
    if (Is(k, "responseTime", "response_time")) {
      return ReadTimestampField(v, Sub(path, "response_time"), out.response_time);
    }
    if (Is(k, "responseStatus", "response_status")) return Status::Ok();
    return UnknownField(k, path);
  });
}

}  // namespace

Status UnknownField(std::string_view name, const std::string& path) {
  std::string where = path.empty() ? "" : " at '" + path + "'";
  return core::InvalidArgument("Invalid JSON payload received. Unknown name \"" +
                               std::string(name) + "\"" + where + ": Cannot find field.");
}

Status ReadString(const Json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) return BadValue(path, "TYPE_STRING", j);
  out = j.get<std::string>();
  return Status::Ok();
}

Status ReadStringList(const Json& j, const std::string& path, std::vector<std::string>& out) {
  if (!j.is_array()) return BadValue(path, "TYPE_STRING", j);
  for (const Json& v : j) {
    std::string s;
    CTE_RETURN_IF_ERROR(ReadString(v, path, s));
    out.push_back(std::move(s));
  }
  return Status::Ok();
}

Status ReadInt32(const Json& j, const std::string& path, int32_t& out) {
  int64_t v = 0;
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return BadValue(path, "TYPE_INT32", j);
    }
    v = static_cast<int64_t>(j.get<uint64_t>());
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else if (j.is_number_float()) {
    double d = j.get<double>();
    if (d != std::floor(d) || std::abs(d) > 1e10) return BadValue(path, "TYPE_INT32", j);
    v = static_cast<int64_t>(d);
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || end != s.c_str() + s.size()) {
      return BadValue(path, "TYPE_INT32", j);
    }
  } else {
    return BadValue(path, "TYPE_INT32", j);
  }
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return BadValue(path, "TYPE_INT32", j);
  }
  out = static_cast<int32_t>(v);
  return Status::Ok();
}

Status ReadTaskView(const Json& j, const std::string& path, core::TaskView& out) {
  if (j.is_string()) {
    // Query strings carry numbers as text ("responseView=2").
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() == 1 && s[0] >= '0' && s[0] <= '2') {
      out = static_cast<core::TaskView>(s[0] - '0');
      return Status::Ok();
    }
  }
  return ReadEnum(j, path, "type.googleapis.com/google.cloud.tasks.v2.Task.View", kTaskViewNames,
                  out);
}

Status ReadQueue(const Json& j, const std::string& path, core::Queue& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (k == "name") return ReadString(v, Sub(path, "name"), out.name);
    if (Is(k, "appEngineRoutingOverride", "app_engine_routing_override")) {
      return ReadRouting(v, Sub(path, "app_engine_routing_override"),
                         out.app_engine_routing_override.emplace());
    }
    if (Is(k, "rateLimits", "rate_limits")) {
      return ReadRateLimits(v, Sub(path, "rate_limits"), out.rate_limits);
    }
    if (Is(k, "retryConfig", "retry_config")) {
      return ReadRetryConfig(v, Sub(path, "retry_config"), out.retry_config);
    }
    if (k == "state") {
      return ReadEnum(v, Sub(path, "state"),
                      "type.googleapis.com/google.cloud.tasks.v2.Queue.State", kQueueStateNames,
                      out.state);
    }
    if (Is(k, "purgeTime", "purge_time")) {
      return ReadTimestampField(v, Sub(path, "purge_time"), out.purge_time);
    }
    if (Is(k, "stackdriverLoggingConfig", "stackdriver_logging_config")) {
      return ReadLogging(v, Sub(path, "stackdriver_logging_config"),
                         out.stackdriver_logging_config.emplace());
    }
    if (Is(k, "httpTarget", "http_target")) {
      if (v.is_object() && v.empty()) return Status::Ok();
      return core::Unimplemented(
          "Queue.httpTarget (queue-level HTTP target overrides) is not supported by this "
          "emulator.");
    }
    return UnknownField(k, path);
  });
}

Status ReadTask(const Json& j, const std::string& path, core::Task& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) -> Status {
    if (k == "name") return ReadString(v, Sub(path, "name"), out.name);
    if (Is(k, "httpRequest", "http_request")) {
      if (out.app_engine_http_request)
        return core::InvalidArgument("Multiple values for oneof " + path + ".message_type.");
      return ReadHttpRequest(v, Sub(path, "http_request"), out.http_request.emplace());
    }
    if (Is(k, "appEngineHttpRequest", "app_engine_http_request")) {
      if (out.http_request)
        return core::InvalidArgument("Multiple values for oneof " + path + ".message_type.");
      return ReadAppEngineRequest(v, Sub(path, "app_engine_http_request"),
                                  out.app_engine_http_request.emplace());
    }
    if (Is(k, "scheduleTime", "schedule_time")) {
      return ReadTimestampField(v, Sub(path, "schedule_time"), out.schedule_time);
    }
    if (Is(k, "createTime", "create_time")) {
      return ReadTimestampField(v, Sub(path, "create_time"), out.create_time);
    }
    if (Is(k, "dispatchDeadline", "dispatch_deadline")) {
      return ReadDurationField(v, Sub(path, "dispatch_deadline"), out.dispatch_deadline);
    }
    if (Is(k, "dispatchCount", "dispatch_count")) {
      return ReadInt32(v, Sub(path, "dispatch_count"), out.dispatch_count);
    }
    if (Is(k, "responseCount", "response_count")) {
      return ReadInt32(v, Sub(path, "response_count"), out.response_count);
    }
    if (Is(k, "firstAttempt", "first_attempt")) {
      return ReadAttempt(v, Sub(path, "first_attempt"), out.first_attempt.emplace());
    }
    if (Is(k, "lastAttempt", "last_attempt")) {
      return ReadAttempt(v, Sub(path, "last_attempt"), out.last_attempt.emplace());
    }
    if (k == "view") return ReadTaskView(v, Sub(path, "view"), out.view);
    return UnknownField(k, path);
  });
}

Status ReadPolicy(const Json& j, const std::string& path, core::Policy& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) -> Status {
    if (k == "version") return ReadInt32(v, Sub(path, "version"), out.version);
    if (k == "etag") return ReadBytes(v, Sub(path, "etag"), out.etag);
    if (k != "bindings") return UnknownField(k, path);
    std::string bpath = Sub(path, "bindings");
    if (!v.is_array()) return BadValue(bpath, "TYPE_MESSAGE", v);
    for (const Json& b : v) {
      core::Binding& binding = out.bindings.emplace_back();
      CTE_RETURN_IF_ERROR(ForEachField(b, bpath, [&](const std::string& bk, const Json& bv) {
        if (bk == "role") return ReadString(bv, Sub(bpath, "role"), binding.role);
        if (bk == "members") return ReadStringList(bv, Sub(bpath, "members"), binding.members);
        if (bk != "condition") return UnknownField(bk, bpath);
        core::Expr& e = binding.condition.emplace();
        std::string cpath = Sub(bpath, "condition");
        return ForEachField(bv, cpath, [&](const std::string& ck, const Json& cv) {
          if (ck == "expression") return ReadString(cv, Sub(cpath, "expression"), e.expression);
          if (ck == "title") return ReadString(cv, Sub(cpath, "title"), e.title);
          if (ck == "description") return ReadString(cv, Sub(cpath, "description"), e.description);
          if (ck == "location") return ReadString(cv, Sub(cpath, "location"), e.location);
          return UnknownField(ck, cpath);
        });
      }));
    }
    return Status::Ok();
  });
}

std::string SnakeCase(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> ParseFieldMask(std::string_view mask) {
  std::vector<std::string> out;
  while (!mask.empty()) {
    size_t comma = mask.find(',');
    std::string_view path = mask.substr(0, comma);
    while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
    while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
    if (!path.empty()) out.push_back(SnakeCase(path));
    if (comma == std::string_view::npos) break;
    mask.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace cte::api
