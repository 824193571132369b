// TokenBucket: the per-queue dispatch throttle (spec 4.4). Pure: every call takes `now`.
#pragma once

#include "core/clock.h"

namespace cte::core {

// Holds at most `capacity` tokens (RateLimits.max_burst_size) and refills continuously at
// `rate` tokens per second (RateLimits.max_dispatches_per_second). A new bucket is full.
// Not thread-safe.
class TokenBucket {
 public:
  TokenBucket(double rate, double capacity, TimePoint now);

  // Changes the limits (UpdateQueue), keeping the tokens earned so far (capped).
  void Reconfigure(double rate, double capacity, TimePoint now);
  // Takes one token if there is one.
  bool TryTake(TimePoint now);
  // Gives back a token that TryTake took, when what took it was undone (never above capacity).
  void Refund();
  // Whole tokens available now.
  int Available(TimePoint now);
  // When the next whole token will be there (now when one is).
  TimePoint NextTokenAt(TimePoint now);
  // No tokens are earned before `until` (a Retry-After from the worker).
  void BlockUntil(TimePoint until);
  double Level(TimePoint now);

 private:
  void Refill(TimePoint now);

  double rate_;
  double capacity_;
  double tokens_;
  TimePoint last_;
};

}  // namespace cte::core
