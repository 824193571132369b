#include "core/token_bucket.h"

#include <doctest/doctest.h>

using namespace cte::core;
using namespace std::chrono;

TEST_CASE("a full bucket allows a burst, then the refill rate") {
  TimePoint t0{};
  TokenBucket b(200, 100, t0);
  int taken = 0;
  while (b.TryTake(t0)) ++taken;
  CHECK(taken == 100);
  CHECK(b.NextTokenAt(t0) > t0);
  CHECK(b.NextTokenAt(t0) <= t0 + microseconds(5001));
  // Over one second at 200/s, 200 more tokens.
  int later = 0;
  for (int ms = 1; ms <= 1000; ++ms) {
    while (b.TryTake(t0 + milliseconds(ms))) ++later;
  }
  CHECK(later == 200);
}

TEST_CASE("fractional rates and capacity caps") {
  TimePoint t0{};
  TokenBucket b(0.5, 1, t0);
  CHECK(b.TryTake(t0));
  CHECK_FALSE(b.TryTake(t0 + seconds(1)));
  CHECK(b.TryTake(t0 + seconds(2)));
  CHECK(b.Available(t0 + hours(1)) == 1);  // Never above capacity.
}

TEST_CASE("a refunded token can be taken again, up to capacity") {
  TimePoint t0{};
  TokenBucket b(1, 1, t0);
  CHECK(b.TryTake(t0));
  CHECK_FALSE(b.TryTake(t0));
  b.Refund();
  CHECK(b.TryTake(t0));
  b.Refund();
  b.Refund();
  CHECK(b.Available(t0) == 1);
}

TEST_CASE("BlockUntil holds tokens back (Retry-After)") {
  TimePoint t0{};
  TokenBucket b(10, 10, t0);
  b.BlockUntil(t0 + seconds(5));
  CHECK(b.Available(t0 + seconds(4)) == 0);
  CHECK_FALSE(b.TryTake(t0 + seconds(4)));
  CHECK(b.NextTokenAt(t0) >= t0 + seconds(5));
  CHECK(b.Available(t0 + seconds(6)) == 10);
}

TEST_CASE("reconfiguring keeps earned tokens within the new capacity") {
  TimePoint t0{};
  TokenBucket b(100, 100, t0);
  b.Reconfigure(1, 1, t0);
  CHECK(b.Available(t0) == 1);
}
