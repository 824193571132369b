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
  double wait_s = (1 - tokens_) / rate_;
  return from + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(wait_s)) +
         Duration(1);
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
