#include "grpc/proto_mapping.h"

#include <chrono>

#include "core/app_engine_target.h"

namespace cte::grpc {

namespace {

using core::Status;
namespace pbuf = ::google::protobuf;

std::string Sub(const std::string& path, const char* field) { return path + "." + field; }

Status BadValue(const std::string& path, const char* type, const std::string& value) {
  return core::InvalidArgument("Invalid value at '" + path + "' (" + type + "), " + value);
}

template <typename E>
Status ReadEnum(int value, int count, const std::string& path, const char* type, E& out) {
  if (value < 0 || value >= count) return BadValue(path, type, std::to_string(value));
  out = static_cast<E>(value);
  return Status::Ok();
}

// Protobuf's valid range for Duration, cut to what nanoseconds in an int64 hold (292 years).
constexpr int64_t kMaxDurationSeconds = 9'000'000'000;
// Timestamps from 0001-01-01 to 9999-12-31 are valid protobuf; nanoseconds since the epoch in an
// int64 reach 1677-09-21 to 2262-04-11, the range core::TimePoint holds.
constexpr int64_t kMinTimestampSeconds = -9'223'372'036;
constexpr int64_t kMaxTimestampSeconds = 9'223'372'035;

std::string SecondsNanos(int64_t seconds, int32_t nanos) {
  return "seconds: " + std::to_string(seconds) + " nanos: " + std::to_string(nanos);
}

Status ReadDuration(const pbuf::Duration& in, const std::string& path, core::Duration& out) {
  int64_t s = in.seconds();
  int32_t n = in.nanos();
  bool valid = s >= -kMaxDurationSeconds && s <= kMaxDurationSeconds && n > -1'000'000'000 &&
               n < 1'000'000'000 && !(s > 0 && n < 0) && !(s < 0 && n > 0);
  if (!valid) {
    return BadValue(path, "type.googleapis.com/google.protobuf.Duration", SecondsNanos(s, n));
  }
  out = std::chrono::seconds(s) + std::chrono::nanoseconds(n);
  return Status::Ok();
}

Status ReadTimestamp(const pbuf::Timestamp& in, const std::string& path,
                     std::optional<core::TimePoint>& out) {
  int64_t s = in.seconds();
  int32_t n = in.nanos();
  if (s < kMinTimestampSeconds || s > kMaxTimestampSeconds || n < 0 || n >= 1'000'000'000) {
    return BadValue(path, "type.googleapis.com/google.protobuf.Timestamp", SecondsNanos(s, n));
  }
  out = core::TimePoint(std::chrono::duration_cast<core::TimePoint::duration>(
      std::chrono::seconds(s) + std::chrono::nanoseconds(n)));
  return Status::Ok();
}

Status ReadHttpMethod(int value, const std::string& path, core::HttpMethod& out) {
  return ReadEnum(value, 8, path, "type.googleapis.com/google.cloud.tasks.v2.HttpMethod", out);
}

core::HeaderMap ReadHeaders(const pbuf::Map<std::string, std::string>& in) {
  return core::HeaderMap(in.begin(), in.end());
}

core::AppEngineRouting ReadRouting(const tasks_pb::AppEngineRouting& in) {
  return {in.service(), in.version(), in.instance(), in.host()};
}

Status ReadHttpRequest(const tasks_pb::HttpRequest& in, const std::string& path,
                       core::HttpRequest& out) {
  out.url = in.url();
  CTE_RETURN_IF_ERROR(ReadHttpMethod(in.http_method(), Sub(path, "http_method"), out.http_method));
  out.headers = ReadHeaders(in.headers());
  out.body = in.body();
  if (in.has_oauth_token()) {
    out.oauth_token =
        core::OAuthToken{in.oauth_token().service_account_email(), in.oauth_token().scope()};
  }
  if (in.has_oidc_token()) {
    out.oidc_token =
        core::OidcToken{in.oidc_token().service_account_email(), in.oidc_token().audience()};
  }
  return Status::Ok();
}

Status ReadAppEngineRequest(const tasks_pb::AppEngineHttpRequest& in, const std::string& path,
                            core::AppEngineHttpRequest& out) {
  CTE_RETURN_IF_ERROR(ReadHttpMethod(in.http_method(), Sub(path, "http_method"), out.http_method));
  if (in.has_app_engine_routing()) out.app_engine_routing = ReadRouting(in.app_engine_routing());
  out.relative_uri = in.relative_uri();
  out.headers = ReadHeaders(in.headers());
  out.body = in.body();
  return Status::Ok();
}

Status ReadAttempt(const tasks_pb::Attempt& in, const std::string& path, core::Attempt& out) {
  if (in.has_schedule_time()) {
    CTE_RETURN_IF_ERROR(
        ReadTimestamp(in.schedule_time(), Sub(path, "schedule_time"), out.schedule_time));
  }
  if (in.has_dispatch_time()) {
    CTE_RETURN_IF_ERROR(
        ReadTimestamp(in.dispatch_time(), Sub(path, "dispatch_time"), out.dispatch_time));
  }
  if (in.has_response_time()) {
    CTE_RETURN_IF_ERROR(
        ReadTimestamp(in.response_time(), Sub(path, "response_time"), out.response_time));
  }
  if (in.has_response_status()) {
    out.response_status =
        core::RpcStatus{in.response_status().code(), in.response_status().message()};
  }
  return Status::Ok();
}

void PutDuration(core::Duration d, pbuf::Duration* out) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
  out->set_seconds(s.count());
  out->set_nanos(static_cast<int32_t>((d - s).count()));
}

void PutTimestamp(core::TimePoint t, pbuf::Timestamp* out) {
  auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  auto s = std::chrono::floor<std::chrono::seconds>(since);
  out->set_seconds(s.count());
  out->set_nanos(static_cast<int32_t>((since - s).count()));
}

// `owner` is the queue's or task's name, whose project the derived host names.
void PutRouting(const core::AppEngineRouting& in, const std::string& owner,
                tasks_pb::AppEngineRouting* out) {
  out->set_service(in.service);
  out->set_version(in.version);
  out->set_instance(in.instance);
  out->set_host(core::DerivedHost(in, owner));
}

void PutHeaders(const core::HeaderMap& in, pbuf::Map<std::string, std::string>* out) {
  for (const auto& [k, v] : in) (*out)[k] = v;
}

void PutHttpRequest(const core::HttpRequest& in, tasks_pb::HttpRequest* out) {
  out->set_url(in.url);
  out->set_http_method(static_cast<tasks_pb::HttpMethod>(in.http_method));
  PutHeaders(in.headers, out->mutable_headers());
  out->set_body(in.body);
  if (in.oauth_token) {
    out->mutable_oauth_token()->set_service_account_email(in.oauth_token->service_account_email);
    out->mutable_oauth_token()->set_scope(in.oauth_token->scope);
  }
  if (in.oidc_token) {
    out->mutable_oidc_token()->set_service_account_email(in.oidc_token->service_account_email);
    out->mutable_oidc_token()->set_audience(in.oidc_token->audience);
  }
}

void PutAppEngineRequest(const core::AppEngineHttpRequest& in, const std::string& owner,
                         tasks_pb::AppEngineHttpRequest* out) {
  out->set_http_method(static_cast<tasks_pb::HttpMethod>(in.http_method));
  if (in.app_engine_routing) {
    PutRouting(*in.app_engine_routing, owner, out->mutable_app_engine_routing());
  }
  out->set_relative_uri(in.relative_uri);
  PutHeaders(in.headers, out->mutable_headers());
  out->set_body(in.body);
}

void PutAttempt(const core::Attempt& in, tasks_pb::Attempt* out) {
  if (in.schedule_time) PutTimestamp(*in.schedule_time, out->mutable_schedule_time());
  if (in.dispatch_time) PutTimestamp(*in.dispatch_time, out->mutable_dispatch_time());
  if (in.response_time) PutTimestamp(*in.response_time, out->mutable_response_time());
  if (in.response_status) {
    out->mutable_response_status()->set_code(in.response_status->code);
    out->mutable_response_status()->set_message(in.response_status->message);
  }
}

}  // namespace

Status TaskViewFromProto(int view, const std::string& path, core::TaskView& out) {
  return ReadEnum(view, 3, path, "type.googleapis.com/google.cloud.tasks.v2.Task.View", out);
}

Status FromProto(const tasks_pb::Queue& in, const std::string& path, core::Queue& out) {
  out.name = in.name();
  if (in.has_app_engine_routing_override()) {
    out.app_engine_routing_override = ReadRouting(in.app_engine_routing_override());
  }
  const auto& rate = in.rate_limits();
  out.rate_limits = {rate.max_dispatches_per_second(), rate.max_burst_size(),
                     rate.max_concurrent_dispatches()};
  const auto& retry = in.retry_config();
  std::string retry_path = Sub(path, "retry_config");
  out.retry_config.max_attempts = retry.max_attempts();
  if (retry.has_max_retry_duration()) {
    CTE_RETURN_IF_ERROR(ReadDuration(retry.max_retry_duration(),
                                     Sub(retry_path, "max_retry_duration"),
                                     out.retry_config.max_retry_duration));
  }
  if (retry.has_min_backoff()) {
    CTE_RETURN_IF_ERROR(ReadDuration(retry.min_backoff(), Sub(retry_path, "min_backoff"),
                                     out.retry_config.min_backoff));
  }
  if (retry.has_max_backoff()) {
    CTE_RETURN_IF_ERROR(ReadDuration(retry.max_backoff(), Sub(retry_path, "max_backoff"),
                                     out.retry_config.max_backoff));
  }
  out.retry_config.max_doublings = retry.max_doublings();
  CTE_RETURN_IF_ERROR(ReadEnum(in.state(), 4, Sub(path, "state"),
                               "type.googleapis.com/google.cloud.tasks.v2.Queue.State", out.state));
  if (in.has_purge_time()) {
    CTE_RETURN_IF_ERROR(ReadTimestamp(in.purge_time(), Sub(path, "purge_time"), out.purge_time));
  }
  if (in.has_stackdriver_logging_config()) {
    out.stackdriver_logging_config =
        core::StackdriverLoggingConfig{in.stackdriver_logging_config().sampling_ratio()};
  }
  return Status::Ok();
}

Status FromProto(const tasks_pb::Task& in, const std::string& path, core::Task& out) {
  out.name = in.name();
  if (in.has_http_request()) {
    CTE_RETURN_IF_ERROR(
        ReadHttpRequest(in.http_request(), Sub(path, "http_request"), out.http_request.emplace()));
  }
  if (in.has_app_engine_http_request()) {
    CTE_RETURN_IF_ERROR(ReadAppEngineRequest(in.app_engine_http_request(),
                                             Sub(path, "app_engine_http_request"),
                                             out.app_engine_http_request.emplace()));
  }
  if (in.has_schedule_time()) {
    CTE_RETURN_IF_ERROR(
        ReadTimestamp(in.schedule_time(), Sub(path, "schedule_time"), out.schedule_time));
  }
  if (in.has_create_time()) {
    CTE_RETURN_IF_ERROR(ReadTimestamp(in.create_time(), Sub(path, "create_time"), out.create_time));
  }
  if (in.has_dispatch_deadline()) {
    CTE_RETURN_IF_ERROR(ReadDuration(in.dispatch_deadline(), Sub(path, "dispatch_deadline"),
                                     out.dispatch_deadline));
  }
  out.dispatch_count = in.dispatch_count();
  out.response_count = in.response_count();
  if (in.has_first_attempt()) {
    CTE_RETURN_IF_ERROR(
        ReadAttempt(in.first_attempt(), Sub(path, "first_attempt"), out.first_attempt.emplace()));
  }
  if (in.has_last_attempt()) {
    CTE_RETURN_IF_ERROR(
        ReadAttempt(in.last_attempt(), Sub(path, "last_attempt"), out.last_attempt.emplace()));
  }
  return TaskViewFromProto(in.view(), Sub(path, "view"), out.view);
}

Status FromProto(const iam_pb::Policy& in, core::Policy& out) {
  out.version = in.version();
  out.etag = in.etag();
  for (const iam_pb::Binding& b : in.bindings()) {
    core::Binding& binding = out.bindings.emplace_back();
    binding.role = b.role();
    binding.members.assign(b.members().begin(), b.members().end());
    if (b.has_condition()) {
      const auto& c = b.condition();
      binding.condition = core::Expr{c.expression(), c.title(), c.description(), c.location()};
    }
  }
  return Status::Ok();
}

void ToProto(const core::Queue& in, tasks_pb::Queue& out) {
  out.set_name(in.name);
  if (in.app_engine_routing_override) {
    PutRouting(*in.app_engine_routing_override, in.name, out.mutable_app_engine_routing_override());
  }
  auto* rate = out.mutable_rate_limits();
  rate->set_max_dispatches_per_second(in.rate_limits.max_dispatches_per_second);
  rate->set_max_burst_size(in.rate_limits.max_burst_size);
  rate->set_max_concurrent_dispatches(in.rate_limits.max_concurrent_dispatches);
  auto* retry = out.mutable_retry_config();
  const core::RetryConfig& rc = in.retry_config;
  retry->set_max_attempts(rc.max_attempts);
  if (rc.max_retry_duration.count() != 0) {
    PutDuration(rc.max_retry_duration, retry->mutable_max_retry_duration());
  }
  if (rc.min_backoff.count() != 0) PutDuration(rc.min_backoff, retry->mutable_min_backoff());
  if (rc.max_backoff.count() != 0) PutDuration(rc.max_backoff, retry->mutable_max_backoff());
  retry->set_max_doublings(rc.max_doublings);
  out.set_state(static_cast<tasks_pb::Queue::State>(in.state));
  if (in.purge_time) PutTimestamp(*in.purge_time, out.mutable_purge_time());
  if (in.stackdriver_logging_config) {
    out.mutable_stackdriver_logging_config()->set_sampling_ratio(
        in.stackdriver_logging_config->sampling_ratio);
  }
}

void ToProto(const core::Task& in, tasks_pb::Task& out) {
  out.set_name(in.name);
  if (in.http_request) PutHttpRequest(*in.http_request, out.mutable_http_request());
  if (in.app_engine_http_request) {
    PutAppEngineRequest(*in.app_engine_http_request, in.name,
                        out.mutable_app_engine_http_request());
  }
  if (in.schedule_time) PutTimestamp(*in.schedule_time, out.mutable_schedule_time());
  if (in.create_time) PutTimestamp(*in.create_time, out.mutable_create_time());
  if (in.dispatch_deadline.count() != 0) {
    PutDuration(in.dispatch_deadline, out.mutable_dispatch_deadline());
  }
  out.set_dispatch_count(in.dispatch_count);
  out.set_response_count(in.response_count);
  if (in.first_attempt) PutAttempt(*in.first_attempt, out.mutable_first_attempt());
  if (in.last_attempt) PutAttempt(*in.last_attempt, out.mutable_last_attempt());
  out.set_view(static_cast<tasks_pb::Task::View>(in.view));
}

void ToProto(const core::Policy& in, iam_pb::Policy& out) {
  out.set_version(in.version);
  out.set_etag(in.etag);
  for (const core::Binding& b : in.bindings) {
    iam_pb::Binding* binding = out.add_bindings();
    binding->set_role(b.role);
    for (const std::string& m : b.members) binding->add_members(m);
    if (b.condition) {
      auto* c = binding->mutable_condition();
      c->set_expression(b.condition->expression);
      c->set_title(b.condition->title);
      c->set_description(b.condition->description);
      c->set_location(b.condition->location);
    }
  }
}

void ToProto(const core::Location& in, location_pb::Location& out) {
  out.set_name(in.name);
  out.set_location_id(in.location_id);
  out.set_display_name(in.display_name);
  for (const auto& [k, v] : in.labels) (*out.mutable_labels())[k] = v;
}

}  // namespace cte::grpc
