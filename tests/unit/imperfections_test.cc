#include "core/imperfections.h"

#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace cte;
using namespace std::chrono;
using core::AttemptImperfection;
using core::Duration;
using core::Imperfections;
using core::Latency;

namespace {

const std::string kTask = "projects/p/locations/l/queues/q/tasks/t";

std::string TaskName(int i) { return kTask + std::to_string(i); }

Imperfections Of(double rate, std::optional<Latency> delay = std::nullopt) {
  return Imperfections{rate, std::move(delay)};
}

Latency Uniform(Duration min, Duration max) { return Latency{Latency::Uniform{min, max}}; }

bool Same(const AttemptImperfection& a, const AttemptImperfection& b) {
  return a.duplicate == b.duplicate && a.delay == b.delay && a.duplicate_delay == b.duplicate_delay;
}

}  // namespace

TEST_CASE("off by default: nothing asked, nothing drawn") {
  Imperfections none;
  CHECK_FALSE(none.Any());
  CHECK(Of(0.01).Any());
  CHECK(Of(0, Latency{}).Any());
  for (int i = 0; i < 1000; ++i) {
    AttemptImperfection d = core::DrawImperfection(none, 1, TaskName(i), 1);
    REQUIRE_FALSE(d.duplicate);
    REQUIRE(d.delay == Duration(0));
    REQUIRE(d.duplicate_delay == Duration(0));
  }
}

TEST_CASE("a rate of 1 duplicates every attempt, 0 none") {
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(core::DrawImperfection(Of(1), 3, TaskName(i), 1 + i % 5).duplicate);
    REQUIRE_FALSE(core::DrawImperfection(Of(0), 3, TaskName(i), 1 + i % 5).duplicate);
  }
}

TEST_CASE("keyed by (seed, task, attempt): the same in any order, other keys differ") {
  Imperfections imperfect = Of(0.5, Uniform(seconds(0), seconds(2)));
  constexpr int kTasks = 10'000;
  std::vector<AttemptImperfection> forward;
  for (int i = 0; i < kTasks; ++i)
    forward.push_back(DrawImperfection(imperfect, 7, TaskName(i), 1));
  int same_other_seed = 0, same_next_attempt = 0;
  for (int i = kTasks - 1; i >= 0; --i) {
    REQUIRE(Same(core::DrawImperfection(imperfect, 7, TaskName(i), 1), forward[i]));
    same_other_seed +=
        core::DrawImperfection(imperfect, 8, TaskName(i), 1).delay == forward[i].delay;
    same_next_attempt +=
        core::DrawImperfection(imperfect, 7, TaskName(i), 2).delay == forward[i].delay;
  }
  // 2,000,001 equally likely microseconds: a repeat is a coincidence.
  CHECK(same_other_seed < 10);
  CHECK(same_next_attempt < 10);
}

TEST_CASE("a rate of 0.1 over 100,000 attempts: within 3 sigma; the rate moves no delay") {
  constexpr int kAttempts = 100'000;
  Latency delay = Uniform(seconds(0), seconds(2));
  int duplicates = 0;
  double mean_s = 0;
  for (int i = 0; i < kAttempts; ++i) {
    AttemptImperfection d = core::DrawImperfection(Of(0.1, delay), 1, TaskName(i / 3), 1 + i % 3);
    duplicates += d.duplicate;
    REQUIRE(d.delay >= Duration(0));
    REQUIRE(d.delay <= seconds(2));
    REQUIRE(d.delay.count() % 1000 == 0);
    if (d.duplicate) {
      REQUIRE(d.duplicate_delay <= seconds(2));
    } else {
      REQUIRE(d.duplicate_delay == Duration(0));
    }
    mean_s += duration<double>(d.delay).count() / kAttempts;
    AttemptImperfection other =
        core::DrawImperfection(Of(0.9, delay), 1, TaskName(i / 3), 1 + i % 3);
    REQUIRE(other.delay == d.delay);
    if (d.duplicate) REQUIRE(other.duplicate);  // u < 0.1 implies u < 0.9.
  }
  double sigma = std::sqrt(kAttempts * 0.1 * 0.9);
  INFO("duplicates " << duplicates << ", expected 10000 +- " << 3 * sigma);
  CHECK(std::abs(duplicates - 10'000) <= 3 * sigma);
  // Uniform over [0, 2 s]: mean 1 s, standard deviation 2 / sqrt(12) s.
  CHECK(std::abs(mean_s - 1) <= 3 * (2 / std::sqrt(12.0)) / std::sqrt(kAttempts));
}
