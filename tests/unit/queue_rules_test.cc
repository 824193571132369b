#include "core/queue_rules.h"

#include <doctest/doctest.h>

using namespace cte::core;
using namespace std::chrono;

TEST_CASE("a queue created with only a name gets the documented defaults") {
  Queue q;
  q.name = "projects/p/locations/l/queues/q";
  REQUIRE(ValidateQueueLimits(q).ok());
  REQUIRE(ApplyQueueDefaults(q).ok());
  CHECK(q.rate_limits.max_dispatches_per_second == 500);
  CHECK(q.rate_limits.max_burst_size == 100);
  CHECK(q.rate_limits.max_concurrent_dispatches == 1000);
  CHECK(q.retry_config.max_attempts == 100);
  CHECK(q.retry_config.min_backoff == milliseconds(100));
  CHECK(q.retry_config.max_backoff == seconds(3600));
  CHECK(q.retry_config.max_doublings == 16);
  CHECK(q.retry_config.max_retry_duration == Duration(0));
}

TEST_CASE("max_burst_size derives from the rate") {
  CHECK(DeriveMaxBurstSize(500) == 100);
  CHECK(DeriveMaxBurstSize(200) == 100);
  CHECK(DeriveMaxBurstSize(50) == 50);
  CHECK(DeriveMaxBurstSize(0.5) == 1);
  CHECK(DeriveMaxBurstSize(10.2) == 11);
}

TEST_CASE("limits are checked with the real service's messages") {
  struct Case {
    void (*set)(Queue&);
    const char* message;
  };
  const Case cases[] = {
      {[](Queue& q) { q.rate_limits.max_dispatches_per_second = -1; },
       "RateLimits.maxDispatchesPerSecond cannot be negative."},
      {[](Queue& q) { q.rate_limits.max_dispatches_per_second = 500.5; },
       "RateLimits.maxDispatchesPerSecond must be less than or equal to 500."},
      {[](Queue& q) { q.rate_limits.max_concurrent_dispatches = -1; },
       "RateLimits.maxConcurrentDispatches cannot be negative."},
      {[](Queue& q) { q.rate_limits.max_concurrent_dispatches = 5001; },
       "RateLimits.maxConcurrentDispatches must be less than or equal to 5000."},
      {[](Queue& q) { q.retry_config.max_attempts = -2; },
       "RetryConfig.maxAttempts must be greater or equal to -1."},
      {[](Queue& q) { q.retry_config.min_backoff = seconds(-1); },
       "RetryConfig.minBackoff cannot be negative."},
      {[](Queue& q) { q.retry_config.max_doublings = -1; },
       "RetryConfig.maxDoublings cannot be negative."},
  };
  for (const Case& c : cases) {
    Queue q;
    c.set(q);
    Status s = ValidateQueueLimits(q);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message() == c.message);
  }
}

TEST_CASE("boundary values are accepted") {
  Queue q;
  q.rate_limits.max_dispatches_per_second = 500;
  q.rate_limits.max_concurrent_dispatches = 5000;
  q.retry_config.max_attempts = -1;
  CHECK(ValidateQueueLimits(q).ok());
  CHECK(ApplyQueueDefaults(q).ok());
  CHECK(q.retry_config.max_attempts == -1);
}

TEST_CASE("min_backoff above max_backoff is rejected after defaults apply") {
  Queue q;
  q.retry_config.min_backoff = seconds(7200);  // Above the default max_backoff of 3600 s.
  Status s = ApplyQueueDefaults(q);
  CHECK(s.message() ==
        "RetryConfig.minBackoff must be less than or equal to RetryConfig.maxBackoff.");
}
