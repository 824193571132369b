#include "core/counters.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace cte::core {

void Histogram::Add(std::span<const int64_t> bounds, int64_t value, int sign) {
  assert(bounds.size() <= kMaxBuckets);
  auto at = std::lower_bound(bounds.begin(), bounds.end(), value);  // First bound >= value.
  counts[static_cast<size_t>(at - bounds.begin())] += sign;
  sum += sign * value;
}

int64_t Histogram::Count() const {
  return std::accumulate(counts.begin(), counts.end(), int64_t{0});
}

AttemptEnd AttemptEndOf(const AttemptLogEntry& entry) {
  using Outcome = AttemptLogEntry::Outcome;
  switch (entry.outcome) {
    case Outcome::kResponse: {
      int status = entry.http_status;
      if (status < 200 || status > 599) return AttemptEnd::kOtherStatus;
      return static_cast<AttemptEnd>(status / 100 - 2);
    }
    case Outcome::kDeadlineExceeded:
      return AttemptEnd::kDeadlineExceeded;
    case Outcome::kConnectionError:
      return AttemptEnd::kConnectionError;
    case Outcome::kInFlight:
    case Outcome::kDiscarded:
      break;
  }
  return AttemptEnd::kDiscarded;
}

void QueueCounters::Apply(const QueueEvent& event, int sign) {
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(event.time).count();
  switch (event.kind) {
    case QueueEvent::Kind::kCreated:
      created += sign;
      return;
    case QueueEvent::Kind::kSent:
      dispatched += sign;
      schedule_lag.Add(kScheduleLagBoundsUs, us, sign);
      return;
    case QueueEvent::Kind::kEnded:
      break;
  }
  ended[static_cast<size_t>(event.end)] += sign;
  if (event.end != AttemptEnd::kDiscarded) dispatch_latency.Add(kDispatchLatencyBoundsUs, us, sign);
  switch (event.verdict) {
    case QueueEvent::Verdict::kSucceeded:
      succeeded += sign;
      break;
    case QueueEvent::Verdict::kRetried:
      retried += sign;
      break;
    case QueueEvent::Verdict::kGivenUp:
      given_up += sign;
      break;
    case QueueEvent::Verdict::kNone:
      break;
  }
}

}  // namespace cte::core
