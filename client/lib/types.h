// Typed Cloud Tasks v2 resources (Queue, Task, Policy, Location) and emulator harness records,
// with their REST JSON mapping. Durations and timestamps stay in their wire form ("1800s",
// "2026-01-01T00:00:00Z") so that values pass through verbatim, as gcloud passes them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cte::client {

// Queue.rateLimits. Unset fields are left out of requests (the server applies defaults).
struct RateLimits {
  std::optional<double> max_dispatches_per_second;
  std::optional<int> max_burst_size;  // Output only.
  std::optional<int> max_concurrent_dispatches;
};

// Queue.retryConfig. max_attempts -1 means unlimited.
struct RetryConfig {
  std::optional<int> max_attempts;
  std::optional<std::string> max_retry_duration;  // e.g. "1800s"
  std::optional<std::string> min_backoff;
  std::optional<std::string> max_backoff;
  std::optional<int> max_doublings;
};

// A Queue resource; also the input of CreateQueue and UpdateQueue (only `name`, `rate_limits`,
// `retry_config` and `stackdriver_sampling_ratio` are sent).
struct Queue {
  std::string name;  // projects/P/locations/L/queues/Q
  RateLimits rate_limits;
  RetryConfig retry_config;
  std::optional<double> stackdriver_sampling_ratio;
  std::string state;       // Output only: RUNNING, PAUSED, DISABLED.
  std::string purge_time;  // Output only.
  nlohmann::json raw;      // The response as received (null for inputs).
};

struct OidcToken {
  std::string service_account_email;
  std::string audience;
};

struct OAuthToken {
  std::string service_account_email;
  std::string scope;
};

// Task.httpRequest. `body` holds the raw bytes (base64 only on the wire).
struct HttpRequest {
  std::string url;
  std::string http_method;  // POST when empty.
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<OidcToken> oidc_token;
  std::optional<OAuthToken> oauth_token;
};

// Task.firstAttempt / Task.lastAttempt.
struct Attempt {
  std::string schedule_time, dispatch_time, response_time;
  std::optional<int> response_code;  // google.rpc code of responseStatus.
  std::string response_message;
};

// A Task resource.
struct Task {
  std::string name;
  std::optional<HttpRequest> http_request;  // Unset for App Engine tasks.
  std::string schedule_time, create_time, dispatch_deadline;
  int dispatch_count = 0;
  int response_count = 0;
  std::optional<Attempt> first_attempt, last_attempt;
  std::string view;
  nlohmann::json raw;
};

// Task.appEngineHttpRequest. `body` holds the raw bytes; empty strings are left out.
struct AppEngineRequest {
  std::string relative_uri;
  std::string http_method;  // POST when empty.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string service, version, instance;  // appEngineRouting.
};

// The input of CreateTask. Empty strings are left out (the server picks the name, now, 600s).
struct TaskSpec {
  std::string name;  // Full name, or a bare ID that CreateTask completes with the queue name.
  HttpRequest http_request;  // Unless app_engine_request is set.
  std::optional<AppEngineRequest> app_engine_request;
  std::string schedule_time;      // RFC 3339
  std::string dispatch_deadline;  // e.g. "600s"
};

struct Binding {
  std::string role;
  std::vector<std::string> members;
};

// An IAM Policy (stored by the emulator, never enforced).
struct Policy {
  int version = 0;
  std::vector<Binding> bindings;
  std::string etag;  // base64, as on the wire.
  nlohmann::json raw;
};

struct Location {
  std::string name, location_id, display_name;
  nlohmann::json raw;
};

// GET /emulator/v1/clock.
struct ClockInfo {
  std::string time, mode;
  nlohmann::json raw;
};

// One entry of the emulator's attempt log.
struct AttemptRecord {
  std::string queue, task;
  int attempt = 0;
  std::string method, url, outcome, schedule_time, dispatch_time, response_time, latency, error;
  std::vector<std::pair<std::string, std::string>> headers;
  int http_status = 0;
  bool duplicate = false;  // A second delivery of the attempt (--duplicate-rate).
  nlohmann::json raw;
};

// One queue of GET /emulator/v1/stats.
struct QueueStats {
  std::string name;
  int64_t tasks_waiting = 0, in_flight = 0, dispatched = 0, succeeded = 0, retried = 0,
          given_up = 0;
  double token_bucket_level = 0, dispatch_rate_10s = 0;
  nlohmann::json raw;
};

// A page of a List method: the items, the token of the next page ("" on the last) and the raw
// response.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
  nlohmann::json raw;
};

// JSON mapping. To*Json write lowerCamel names and leave unset fields out; the *FromJson
// readers ignore unknown fields and tolerate missing ones (they never throw on a JSON object).
nlohmann::json QueueToJson(const Queue& queue);
Queue QueueFromJson(const nlohmann::json& j);
nlohmann::json TaskSpecToJson(const TaskSpec& spec);
Task TaskFromJson(const nlohmann::json& j);
nlohmann::json PolicyToJson(const Policy& policy);
Policy PolicyFromJson(const nlohmann::json& j);
Location LocationFromJson(const nlohmann::json& j);
ClockInfo ClockFromJson(const nlohmann::json& j);
AttemptRecord AttemptRecordFromJson(const nlohmann::json& j);
QueueStats QueueStatsFromJson(const nlohmann::json& j);

// Standard base64 with padding, and its inverse (either alphabet; "" for malformed input).
std::string Base64Encode(std::string_view bytes);
std::string Base64Decode(std::string_view text);

}  // namespace cte::client
