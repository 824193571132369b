// Readers of the proto3 JSON mapping; see json_codec.h.
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "api/enum_names.h"
#include "api/json_codec.h"
#include "api/json_fields.h"
#include "core/base64.h"
#include "core/time_util.h"

namespace cte::api {

namespace {

using core::Duration;
using core::Status;

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

// A message of one string field: PathOverride{path}, QueryOverride{queryParams}.
Status ReadWrapped(const Json& j, const std::string& path, const char* camel, const char* snake,
                   std::optional<std::string>& out) {
  out.emplace();
  return ForEachField(j, path, [&](const std::string& k, const Json& v) {
    if (Is(k, camel, snake)) return ReadString(v, Sub(path, snake), *out);
    return UnknownField(k, path);
  });
}

Status ReadUriOverride(const Json& j, const std::string& path, core::UriOverride& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) -> Status {
    if (k == "scheme") {
      return ReadEnum(v, Sub(path, "scheme"),
                      "type.googleapis.com/google.cloud.tasks.v2.UriOverride.Scheme",
                      kUriSchemeNames, out.scheme.emplace());
    }
    if (k == "host") return ReadString(v, Sub(path, "host"), out.host.emplace());
    if (k == "port") return ReadInt64(v, Sub(path, "port"), out.port.emplace());
    if (Is(k, "pathOverride", "path_override")) {
      return ReadWrapped(v, Sub(path, "path_override"), "path", "path", out.path);
    }
    if (Is(k, "queryOverride", "query_override")) {
      return ReadWrapped(v, Sub(path, "query_override"), "queryParams", "query_params", out.query);
    }
    if (Is(k, "uriOverrideEnforceMode", "uri_override_enforce_mode")) {
      return ReadEnum(
          v, Sub(path, "uri_override_enforce_mode"),
          "type.googleapis.com/google.cloud.tasks.v2.UriOverride.UriOverrideEnforceMode",
          kEnforceModeNames, out.enforce_mode);
    }
    return UnknownField(k, path);
  });
}

// HttpTarget.headerOverrides: [{"header": {"key": ..., "value": ...}}, ...].
Status ReadHeaderOverrides(const Json& j, const std::string& path, core::HeaderList& out) {
  if (!j.is_array()) return BadValue(path, "TYPE_MESSAGE", j);
  std::string header_path = Sub(path, "header");
  for (const Json& item : j) {
    auto& header = out.emplace_back();
    CTE_RETURN_IF_ERROR(ForEachField(item, path, [&](const std::string& k, const Json& v) {
      if (k != "header") return UnknownField(k, path);
      return ForEachField(v, header_path, [&](const std::string& hk, const Json& hv) {
        if (hk == "key") return ReadString(hv, Sub(header_path, "key"), header.first);
        if (hk == "value") return ReadString(hv, Sub(header_path, "value"), header.second);
        return UnknownField(hk, header_path);
      });
    }));
  }
  return Status::Ok();
}

// The tokens of an HttpRequest or an HttpTarget: the oneof authorization_header.
template <typename Target>
Status ReadAuthorization(const std::string& k, const Json& v, const std::string& path, Target& out,
                         bool& matched) {
  matched = true;
  if (Is(k, "oauthToken", "oauth_token")) {
    if (out.oidc_token)
      return core::InvalidArgument("Multiple values for oneof " + path + ".authorization_header.");
    auto& t = out.oauth_token.emplace();
    return ReadToken(v, Sub(path, "oauth_token"), "scope", "scope", t, t.scope);
  }
  if (Is(k, "oidcToken", "oidc_token")) {
    if (out.oauth_token)
      return core::InvalidArgument("Multiple values for oneof " + path + ".authorization_header.");
    auto& t = out.oidc_token.emplace();
    return ReadToken(v, Sub(path, "oidc_token"), "audience", "audience", t, t.audience);
  }
  matched = false;
  return Status::Ok();
}

Status ReadHttpTarget(const Json& j, const std::string& path, core::HttpTarget& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) -> Status {
    if (Is(k, "uriOverride", "uri_override")) {
      return ReadUriOverride(v, Sub(path, "uri_override"), out.uri_override.emplace());
    }
    if (Is(k, "httpMethod", "http_method")) {
      return ReadHttpMethod(v, Sub(path, "http_method"), out.http_method);
    }
    if (Is(k, "headerOverrides", "header_overrides")) {
      return ReadHeaderOverrides(v, Sub(path, "header_overrides"), out.header_overrides);
    }
    bool matched = false;
    Status s = ReadAuthorization(k, v, path, out, matched);
    return matched ? s : UnknownField(k, path);
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
    bool matched = false;
    Status s = ReadAuthorization(k, v, path, out, matched);
    return matched ? s : UnknownField(k, path);
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
      return ReadHttpTarget(v, Sub(path, "http_target"), out.http_target.emplace());
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

Status ReadCmekConfig(const Json& j, const std::string& path, core::CmekConfig& out) {
  return ForEachField(j, path, [&](const std::string& k, const Json& v) -> Status {
    if (k == "name") return ReadString(v, Sub(path, "name"), out.name);
    if (Is(k, "kmsKey", "kms_key")) return ReadString(v, Sub(path, "kms_key"), out.kms_key);
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

}  // namespace cte::api
