#include "store/stored_form.h"

#include <cassert>
#include <chrono>
#include <optional>

#include "core/time_util.h"

namespace cte::store {

namespace {

using core::Duration;
using core::TimePoint;

TimePoint Micros(TimePoint t) { return core::FromMicros(core::ToMicros(t)); }

std::optional<TimePoint> Micros(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return Micros(*t);
}

Duration Micros(Duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d); }

std::optional<core::AppEngineRouting> StoredRouting(
    const std::optional<core::AppEngineRouting>& r) {
  if (!r) return std::nullopt;
  return core::AppEngineRouting{r->service, r->version, r->instance, ""};
}

// An HTTP target keeps one token: OAuth when both are set.
core::HttpRequest StoredHttp(const core::HttpRequest& r) {
  core::HttpRequest out{r.url, r.http_method, r.headers, "", std::nullopt, std::nullopt};
  if (r.oauth_token) {
    out.oauth_token = r.oauth_token;
  } else {
    out.oidc_token = r.oidc_token;
  }
  return out;
}

}  // namespace

core::Queue StoredQueue(const core::Queue& queue) {
  core::Queue out = queue;
  out.app_engine_routing_override = StoredRouting(queue.app_engine_routing_override);
  core::RetryConfig& retry = out.retry_config;
  retry.max_retry_duration = Micros(retry.max_retry_duration);
  retry.min_backoff = Micros(retry.min_backoff);
  retry.max_backoff = Micros(retry.max_backoff);
  out.purge_time = Micros(queue.purge_time);
  return out;
}

core::Task StoredTask(const core::Task& task) {
  assert(task.http_request || task.app_engine_http_request);
  core::Task out;
  out.name = task.name;
  if (task.http_request) {
    out.http_request = StoredHttp(*task.http_request);
  } else {
    const core::AppEngineHttpRequest& r = *task.app_engine_http_request;
    out.app_engine_http_request = core::AppEngineHttpRequest{
        r.http_method, StoredRouting(r.app_engine_routing), r.relative_uri, r.headers, ""};
  }
  out.schedule_time = Micros(task.schedule_time.value_or(TimePoint()));
  out.create_time = Micros(task.create_time.value_or(TimePoint()));
  out.dispatch_deadline = Micros(task.dispatch_deadline);
  return out;
}

void ApplyTaskState(core::Task& stored, const core::Task& task) {
  stored.schedule_time = Micros(task.schedule_time.value_or(TimePoint()));
  stored.dispatch_count = task.dispatch_count;
  stored.response_count = task.response_count;
  stored.first_attempt.reset();
  if (task.first_attempt && task.first_attempt->dispatch_time) {
    stored.first_attempt = core::Attempt{std::nullopt, Micros(task.first_attempt->dispatch_time),
                                         std::nullopt, std::nullopt};
  }
  stored.last_attempt.reset();
  if (const auto& last = task.last_attempt; last && last->dispatch_time) {
    stored.last_attempt = core::Attempt{Micros(last->schedule_time), Micros(last->dispatch_time),
                                        Micros(last->response_time), last->response_status};
  }
  stored.execution_count = task.execution_count;
  stored.previous_response = task.previous_response;
}

std::string& BodyOf(core::Task& task) {
  assert(task.http_request || task.app_engine_http_request);
  return task.http_request ? task.http_request->body : task.app_engine_http_request->body;
}

const std::string& BodyOf(const core::Task& task) {
  assert(task.http_request || task.app_engine_http_request);
  return task.http_request ? task.http_request->body : task.app_engine_http_request->body;
}

core::AttemptLogEntry StoredAttempt(const core::AttemptLogEntry& entry) {
  core::AttemptLogEntry out = entry;
  out.schedule_time = Micros(entry.schedule_time);
  out.dispatch_time = Micros(entry.dispatch_time);
  out.response_time = Micros(entry.response_time);
  out.latency = Micros(entry.latency);
  return out;
}

}  // namespace cte::store
