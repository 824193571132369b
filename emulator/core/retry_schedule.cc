#include "core/retry_schedule.h"

#include <algorithm>
#include <cassert>

namespace cte::core {

Duration RetrySchedule::DelayAfter(int failed_attempts) const {
  assert(failed_attempts >= 1);
  const int64_t min = config_.min_backoff.count();
  const int64_t max = config_.max_backoff.count();
  const int doublings = config_.max_doublings;
  int64_t raw;
  if (failed_attempts - 1 <= doublings) {
    int shift = failed_attempts - 1;
    // Once the doubled delay passes max_backoff (or would overflow) the cap decides.
    raw = shift >= 62 || min > (max >> shift) ? max : min << shift;
  } else {
    int64_t step = doublings >= 62 || min > (max >> doublings) ? max : min << doublings;
    int64_t times = failed_attempts - doublings;
    raw = step > max / std::max<int64_t>(times, 1) ? max : step * times;
  }
  return Duration(std::min(raw, max));
}

bool RetrySchedule::GiveUp(int failed_attempts, TimePoint first_attempt, TimePoint now) const {
  bool attempts_spent = config_.max_attempts != -1 && failed_attempts >= config_.max_attempts;
  bool duration_spent =
      config_.max_retry_duration.count() > 0 && now - first_attempt >= config_.max_retry_duration;
  if (config_.max_attempts == -1) return duration_spent;
  if (config_.max_retry_duration.count() == 0) return attempts_spent;
  return attempts_spent && duration_spent;
}

}  // namespace cte::core
