// What the dispatcher keeps per queue. Private to dispatch/.
#pragma once

#include <deque>

#include "core/model.h"
#include "core/token_bucket.h"
#include "dispatch/dispatcher.h"

namespace cte::dispatch {

struct Dispatcher::QueueState {
  QueueState(core::Queue q, core::TimePoint now)
      : config(std::move(q)),
        bucket(config.rate_limits.max_dispatches_per_second, config.rate_limits.max_burst_size,
               now) {}
  core::Queue config;
  core::TokenBucket bucket;
  int in_flight = 0;
  int duplicates_in_flight = 0;
  bool next_due_known = false;
  std::optional<core::TimePoint> next_due;
  // When the next Step looks at this queue (its entry in Dispatcher::wakes_); nullopt: only
  // an event makes it look (a new task, an outcome, a change of settings).
  std::optional<core::TimePoint> wake;
  core::QueueCounters counters;
  std::deque<core::TimePoint> recent;  // Dispatch times within the rate window.
};

// Earliest of two optional times.
inline std::optional<core::TimePoint> Earliest(std::optional<core::TimePoint> a,
                                               std::optional<core::TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace cte::dispatch
