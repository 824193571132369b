#include "core/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace cte::core {

TokenBucket::TokenBucket(double rate, double capacity, TimePoint now)
    : rate_(rate), capacity_(capacity), tokens_(capacity), last_(now) {}

void TokenBucket::Reconfigure(double rate, double capacity, TimePoint now) {
  Refill(now);
  rate_ = rate;
  capacity_ = capacity;
  tokens_ = std::min(tokens_, capacity_);
}

void TokenBucket::Refill(TimePoint now) {
  if (now <= last_) return;  // Also while blocked: last_ lies in the future then.
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryTake(TimePoint now) {
  Refill(now);
  if (now < last_ || tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void TokenBucket::Refund() { tokens_ = std::min(capacity_, tokens_ + 1); }

int TokenBucket::Available(TimePoint now) {
  Refill(now);
  if (now < last_) return 0;
  return static_cast<int>(std::floor(tokens_));
}

TimePoint TokenBucket::NextTokenAt(TimePoint now) {
  Refill(now);
  TimePoint from = std::max(now, last_);
  if (tokens_ >= 1) return from;
  // Rounded up to the clock's tick, so that a step at that time finds the token there.
  double wait_ticks =
      std::ceil((1 - tokens_) / rate_ * (Duration::period::den / Duration::period::num));
  return from + Duration(std::max<int64_t>(1, static_cast<int64_t>(wait_ticks)));
}

void TokenBucket::BlockUntil(TimePoint until) {
  if (until <= last_) return;
  last_ = until;
  tokens_ = std::min(tokens_, 0.0);
}

double TokenBucket::Level(TimePoint now) {
  Refill(now);
  return tokens_;
}

}  // namespace cte::core
