#include "api/queue_update_mask.h"

#include <string>

namespace cte::api {

namespace {

using core::Queue;
using core::Status;

// The uriOverride paths of UpdateQueue's update_mask ("scheme", "path_override.path", ...).
Status CopyUriOverrideField(const core::UriOverride& from, core::UriOverride& to,
                            std::string_view field) {
  if (field == "scheme")
    to.scheme = from.scheme;
  else if (field == "host")
    to.host = from.host;
  else if (field == "port")
    to.port = from.port;
  else if (field == "path_override" || field == "path_override.path")
    to.path = from.path;
  else if (field == "query_override" || field == "query_override.query_params")
    to.query = from.query;
  else if (field == "uri_override_enforce_mode")
    to.enforce_mode = from.enforce_mode;
  else
    return core::InvalidArgument("Invalid update_mask path \"http_target.uri_override." +
                                 std::string(field) + "\".");
  return Status::Ok();
}

// Implements the httpTarget paths of UpdateQueue's update_mask (spec 4.8): the whole target
// ("http_target", which an empty body removes) or a part of it. A token path brings the whole
// token, and setting one token drops the other (they are a oneof).
Status CopyHttpTargetField(const Queue& from, Queue& to, std::string_view path) {
  if (path == "http_target") {
    to.http_target = from.http_target;
    return Status::Ok();
  }
  const core::HttpTarget f = from.http_target.value_or(core::HttpTarget{});
  core::HttpTarget& t = to.http_target ? *to.http_target : to.http_target.emplace();
  std::string_view sub = path.substr(std::string_view("http_target.").size());
  if (sub == "http_method") {
    t.http_method = f.http_method;
  } else if (sub == "header_overrides") {
    t.header_overrides = f.header_overrides;
  } else if (sub.starts_with("oauth_token")) {
    t.oauth_token = f.oauth_token;
    if (f.oauth_token) t.oidc_token.reset();
  } else if (sub.starts_with("oidc_token")) {
    t.oidc_token = f.oidc_token;
    if (f.oidc_token) t.oauth_token.reset();
  } else if (sub == "uri_override") {
    t.uri_override = f.uri_override;
  } else if (sub.starts_with("uri_override.")) {
    core::UriOverride& o = t.uri_override ? *t.uri_override : t.uri_override.emplace();
    return CopyUriOverrideField(f.uri_override.value_or(core::UriOverride{}), o,
                                sub.substr(std::string_view("uri_override.").size()));
  } else {
    return core::InvalidArgument("Invalid update_mask path \"" + std::string(path) + "\".");
  }
  return Status::Ok();
}

}  // namespace

bool IsHttpTargetPath(std::string_view path) {
  return path == "http_target" || path.starts_with("http_target.");
}

Status CopyMaskedField(const Queue& from, Queue& to, std::string_view path) {
  const auto& fr = from.rate_limits;
  const auto& fc = from.retry_config;
  auto& tr = to.rate_limits;
  auto& tc = to.retry_config;
  if (path == "rate_limits")
    tr = fr;
  else if (path == "rate_limits.max_dispatches_per_second")
    tr.max_dispatches_per_second = fr.max_dispatches_per_second;
  else if (path == "rate_limits.max_concurrent_dispatches")
    tr.max_concurrent_dispatches = fr.max_concurrent_dispatches;
  else if (path == "retry_config")
    tc = fc;
  else if (path == "retry_config.max_attempts")
    tc.max_attempts = fc.max_attempts;
  else if (path == "retry_config.max_retry_duration")
    tc.max_retry_duration = fc.max_retry_duration;
  else if (path == "retry_config.min_backoff")
    tc.min_backoff = fc.min_backoff;
  else if (path == "retry_config.max_backoff")
    tc.max_backoff = fc.max_backoff;
  else if (path == "retry_config.max_doublings")
    tc.max_doublings = fc.max_doublings;
  else if (path == "stackdriver_logging_config" ||
           path == "stackdriver_logging_config.sampling_ratio") {
    to.stackdriver_logging_config = from.stackdriver_logging_config;
  } else if (path.rfind("app_engine_routing_override", 0) == 0) {
    to.app_engine_routing_override = from.app_engine_routing_override;
  } else if (IsHttpTargetPath(path)) {
    return CopyHttpTargetField(from, to, path);
  } else if (path == "name" || path == "state" || path == "purge_time" ||
             path == "rate_limits.max_burst_size") {
    // Output-only or immutable: ignored, as the real service does.
  } else {
    return core::InvalidArgument("Invalid update_mask path \"" + std::string(path) + "\".");
  }
  return Status::Ok();
}

}  // namespace cte::api
