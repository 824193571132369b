// The Cloud Tasks v2 resources as plain C++ values (queue.proto, task.proto, target.proto).
// Field names are the snake_case proto names; zero values mean "unset", as in proto3.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace cte::core {

enum class QueueState : int { kUnspecified = 0, kRunning = 1, kPaused = 2, kDisabled = 3 };
enum class TaskView : int { kUnspecified = 0, kBasic = 1, kFull = 2 };
enum class HttpMethod : int {
  kUnspecified = 0,
  kPost = 1,
  kGet = 2,
  kHead = 3,
  kPut = 4,
  kDelete = 5,
  kPatch = 6,
  kOptions = 7,
};

struct AppEngineRouting {
  std::string service;
  std::string version;
  std::string instance;
  std::string host;  // Output only.
  bool operator==(const AppEngineRouting&) const = default;
};

struct RateLimits {
  double max_dispatches_per_second = 0;
  int32_t max_burst_size = 0;  // Output only: derived from the rate.
  int32_t max_concurrent_dispatches = 0;
  bool operator==(const RateLimits&) const = default;
};

struct RetryConfig {
  int32_t max_attempts = 0;
  Duration max_retry_duration{0};
  Duration min_backoff{0};
  Duration max_backoff{0};
  int32_t max_doublings = 0;
  bool operator==(const RetryConfig&) const = default;
};

struct StackdriverLoggingConfig {
  double sampling_ratio = 0;
  bool operator==(const StackdriverLoggingConfig&) const = default;
};

// Queue.httpTarget (spec 4.8; REST only): overrides applied to every HTTP task of the queue at
// dispatch. Unset optionals leave the task's part alone.
enum class UriScheme : int { kUnspecified = 0, kHttp = 1, kHttps = 2 };
enum class UriOverrideEnforceMode : int { kUnspecified = 0, kIfNotExists = 1, kAlways = 2 };

struct UriOverride {
  std::optional<UriScheme> scheme;  // Unspecified counts as HTTPS.
  std::optional<std::string> host;
  std::optional<int64_t> port;       // 0 removes the port.
  std::optional<std::string> path;   // pathOverride.path; "" removes the path.
  std::optional<std::string> query;  // queryOverride.queryParams; "" removes the query.
  UriOverrideEnforceMode enforce_mode = UriOverrideEnforceMode::kUnspecified;  // ALWAYS.
  bool operator==(const UriOverride&) const = default;
};

struct OAuthToken {
  std::string service_account_email;
  std::string scope;
  bool operator==(const OAuthToken&) const = default;
};

struct OidcToken {
  std::string service_account_email;
  std::string audience;
  bool operator==(const OidcToken&) const = default;
};

// HeaderOverride entries in the order given (repeated, not a map).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpTarget {
  std::optional<UriOverride> uri_override;
  HttpMethod http_method = HttpMethod::kUnspecified;
  HeaderList header_overrides;
  std::optional<OAuthToken> oauth_token;
  std::optional<OidcToken> oidc_token;
  bool operator==(const HttpTarget&) const = default;
};

struct Queue {
  std::string name;
  std::optional<AppEngineRouting> app_engine_routing_override;
  RateLimits rate_limits;
  RetryConfig retry_config;
  QueueState state = QueueState::kUnspecified;  // Output only.
  std::optional<TimePoint> purge_time;          // Output only.
  std::optional<StackdriverLoggingConfig> stackdriver_logging_config;
  std::optional<HttpTarget> http_target;  // REST only; unset when empty.
  bool operator==(const Queue&) const = default;
};

// Header maps keep the user's key case. Sorted by key, as protobuf prints maps.
using HeaderMap = std::map<std::string, std::string>;

struct HttpRequest {
  std::string url;
  HttpMethod http_method = HttpMethod::kUnspecified;
  HeaderMap headers;
  std::string body;  // Raw bytes.
  std::optional<OAuthToken> oauth_token;
  std::optional<OidcToken> oidc_token;
  bool operator==(const HttpRequest&) const = default;
};

struct AppEngineHttpRequest {
  HttpMethod http_method = HttpMethod::kUnspecified;
  std::optional<AppEngineRouting> app_engine_routing;
  std::string relative_uri;
  HeaderMap headers;
  std::string body;  // Raw bytes.
  bool operator==(const AppEngineHttpRequest&) const = default;
};

// google.rpc.Status without details.
struct RpcStatus {
  int32_t code = 0;
  std::string message;
  bool operator==(const RpcStatus&) const = default;
};

struct Attempt {
  std::optional<TimePoint> schedule_time;
  std::optional<TimePoint> dispatch_time;
  std::optional<TimePoint> response_time;
  std::optional<RpcStatus> response_status;
  bool operator==(const Attempt&) const = default;
};

struct Task {
  std::string name;
  std::optional<HttpRequest> http_request;
  std::optional<AppEngineHttpRequest> app_engine_http_request;
  std::optional<TimePoint> schedule_time;
  std::optional<TimePoint> create_time;  // Output only.
  Duration dispatch_deadline{0};
  int32_t dispatch_count = 0;              // Output only.
  int32_t response_count = 0;              // Output only.
  std::optional<Attempt> first_attempt;    // Output only.
  std::optional<Attempt> last_attempt;     // Output only.
  TaskView view = TaskView::kUnspecified;  // Output only.

  // Emulator bookkeeping for the dispatch headers; not part of the resource.
  int32_t execution_count = 0;    // Attempts the handler answered with a non-5xx status.
  int32_t previous_response = 0;  // HTTP status of the last attempt (504 without one); 0 before.
  bool operator==(const Task&) const = default;
};

// google.iam.v1.Policy, stored and returned, never enforced.
struct Expr {
  std::string expression;
  std::string title;
  std::string description;
  std::string location;
  bool operator==(const Expr&) const = default;
};

struct Binding {
  std::string role;
  std::vector<std::string> members;
  std::optional<Expr> condition;
  bool operator==(const Binding&) const = default;
};

struct Policy {
  int32_t version = 0;
  std::vector<Binding> bindings;
  std::string etag;  // Raw bytes.
  bool operator==(const Policy&) const = default;
};

// CmekConfig (REST only): the Cloud KMS key of a location. The emulator encrypts nothing.
struct CmekConfig {
  std::string name;  // "projects/p/locations/l/cmekConfig"; output only.
  std::string kms_key;
  bool operator==(const CmekConfig&) const = default;
};

// google.cloud.location.Location.
struct Location {
  std::string name;
  std::string location_id;
  std::string display_name;
  std::map<std::string, std::string> labels;
};

}  // namespace cte::core
