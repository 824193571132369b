// RetrySchedule: when a failed task is tried again, and when it is given up (spec 4.5, 4.6).
#pragma once

#include "core/clock.h"
#include "core/model.h"

namespace cte::core {

// Implements RetryConfig.min_backoff, max_backoff and max_doublings: the delay doubles
// max_doublings times from min_backoff, then grows linearly by min_backoff * 2^max_doublings,
// never above max_backoff. Requires: `config` has its defaults applied.
class RetrySchedule {
 public:
  explicit RetrySchedule(const RetryConfig& config) : config_(config) {}

  // The delay after the k-th failed attempt. Requires: failed_attempts >= 1.
  Duration DelayAfter(int failed_attempts) const;

  // Implements RetryConfig.max_attempts and max_retry_duration: true when, after
  // `failed_attempts` failures, no more attempts may be made. Retrying stops once both limits
  // are met; -1 attempts and a zero duration each mean "no limit".
  bool GiveUp(int failed_attempts, TimePoint first_attempt, TimePoint now) const;

 private:
  RetryConfig config_;
};

}  // namespace cte::core
