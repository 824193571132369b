#include "core/retry_schedule.h"

#include <doctest/doctest.h>

using namespace cte::core;
using namespace std::chrono;

TEST_CASE("the documented vector: min 10s, max 300s, 3 doublings") {
  RetrySchedule s(RetryConfig{100, Duration(0), seconds(10), seconds(300), 3});
  const int expected[] = {10, 20, 40, 80, 160, 240, 300, 300};
  for (int k = 1; k <= 8; ++k) {
    CAPTURE(k);
    CHECK(s.DelayAfter(k) == seconds(expected[k - 1]));
  }
}

TEST_CASE("defaults: 0.1s doubling 16 times, then capped at 3600s") {
  RetrySchedule s(RetryConfig{100, Duration(0), milliseconds(100), seconds(3600), 16});
  CHECK(s.DelayAfter(1) == milliseconds(100));
  CHECK(s.DelayAfter(16) == milliseconds(3276800));
  CHECK(s.DelayAfter(17) == seconds(3600));
  CHECK(s.DelayAfter(99) == seconds(3600));
  CHECK(s.DelayAfter(1'000'000) == seconds(3600));
}

TEST_CASE("zero doublings grow by a fixed step") {
  RetrySchedule s(RetryConfig{100, Duration(0), seconds(1), seconds(10), 0});
  CHECK(s.DelayAfter(1) == seconds(1));
  CHECK(s.DelayAfter(2) == seconds(2));
  CHECK(s.DelayAfter(3) == seconds(3));
  CHECK(s.DelayAfter(20) == seconds(10));
}

TEST_CASE("give up only once both max_attempts and max_retry_duration are spent") {
  TimePoint first{};
  RetrySchedule count_only(RetryConfig{3, Duration(0), seconds(1), seconds(10), 16});
  CHECK_FALSE(count_only.GiveUp(2, first, first + hours(100)));
  CHECK(count_only.GiveUp(3, first, first));
  RetrySchedule both(RetryConfig{3, minutes(30), seconds(1), seconds(10), 16});
  CHECK_FALSE(both.GiveUp(3, first, first + minutes(29)));
  CHECK_FALSE(both.GiveUp(2, first, first + minutes(31)));
  CHECK(both.GiveUp(3, first, first + minutes(30)));
  RetrySchedule duration_only(RetryConfig{-1, minutes(30), seconds(1), seconds(10), 16});
  CHECK_FALSE(duration_only.GiveUp(1000, first, first + minutes(29)));
  CHECK(duration_only.GiveUp(1, first, first + minutes(30)));
  RetrySchedule forever(RetryConfig{-1, Duration(0), seconds(1), seconds(10), 16});
  CHECK_FALSE(forever.GiveUp(1'000'000, first, first + hours(24 * 365)));
}
