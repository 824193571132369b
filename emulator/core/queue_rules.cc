#include "core/queue_rules.h"

#include <algorithm>
#include <cmath>

#include "core/http_target.h"

namespace cte::core {

using std::chrono::milliseconds;
using std::chrono::seconds;

Status ValidateQueueLimits(const Queue& queue) {
  const RateLimits& r = queue.rate_limits;
  if (std::isnan(r.max_dispatches_per_second) || r.max_dispatches_per_second < 0) {
    return InvalidArgument("RateLimits.maxDispatchesPerSecond cannot be negative.");
  }
  if (r.max_dispatches_per_second > kMaxDispatchesPerSecondLimit) {
    return InvalidArgument("RateLimits.maxDispatchesPerSecond must be less than or equal to 500.");
  }
  if (r.max_concurrent_dispatches < 0) {
    return InvalidArgument("RateLimits.maxConcurrentDispatches cannot be negative.");
  }
  if (r.max_concurrent_dispatches > kMaxConcurrentDispatchesLimit) {
    return InvalidArgument(
        "RateLimits.maxConcurrentDispatches must be less than or equal to 5000.");
  }
  const RetryConfig& c = queue.retry_config;
  if (c.max_attempts < -1) {
    return InvalidArgument("RetryConfig.maxAttempts must be greater or equal to -1.");
  }
  if (c.max_retry_duration.count() < 0) {
    return InvalidArgument("RetryConfig.maxRetryDuration cannot be negative.");
  }
  if (c.min_backoff.count() < 0)
    return InvalidArgument("RetryConfig.minBackoff cannot be negative.");
  if (c.max_backoff.count() < 0)
    return InvalidArgument("RetryConfig.maxBackoff cannot be negative.");
  if (c.max_doublings < 0) return InvalidArgument("RetryConfig.maxDoublings cannot be negative.");
  if (queue.stackdriver_logging_config) {
    double ratio = queue.stackdriver_logging_config->sampling_ratio;
    if (std::isnan(ratio) || ratio < 0 || ratio > 1) {
      return InvalidArgument("StackdriverLoggingConfig.samplingRatio must be between 0 and 1.");
    }
  }
  return Status::Ok();
}

Status ApplyQueueDefaults(Queue& queue) {
  RateLimits& r = queue.rate_limits;
  if (r.max_dispatches_per_second == 0) r.max_dispatches_per_second = 500;
  if (r.max_concurrent_dispatches == 0) r.max_concurrent_dispatches = 1000;
  r.max_burst_size = DeriveMaxBurstSize(r.max_dispatches_per_second);
  RetryConfig& c = queue.retry_config;
  if (c.max_attempts == 0) c.max_attempts = 100;
  if (c.min_backoff.count() == 0) c.min_backoff = milliseconds(100);
  if (c.max_backoff.count() == 0) c.max_backoff = seconds(3600);
  if (c.max_doublings == 0) c.max_doublings = 16;
  // A sampling ratio of 0 logs nothing, the same as no logging config.
  if (queue.stackdriver_logging_config && queue.stackdriver_logging_config->sampling_ratio == 0) {
    queue.stackdriver_logging_config.reset();
  }
  if (c.min_backoff > c.max_backoff) {
    return InvalidArgument(
        "RetryConfig.minBackoff must be less than or equal to RetryConfig.maxBackoff.");
  }
  // The httpTarget is checked as it ends up: an update mask may have changed part of it.
  if (queue.http_target && IsEmpty(*queue.http_target)) queue.http_target.reset();
  if (queue.http_target) return ValidateHttpTarget(*queue.http_target);
  return Status::Ok();
}

int32_t DeriveMaxBurstSize(double max_dispatches_per_second) {
  double burst = std::ceil(max_dispatches_per_second);
  return static_cast<int32_t>(std::clamp(burst, 1.0, 100.0));
}

}  // namespace cte::core
