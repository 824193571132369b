#include "core/latency.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "support/draw_checks.h"

using namespace cte;
using namespace std::chrono;
using core::Duration;
using core::Latency;
using testing::CheckWithin3Sigma;
using testing::Fixed;
using testing::LogNormal;
using testing::Uniform;

namespace {

constexpr int kDraws = 100'000;

// The value of nearest rank ceil(p * n) of sorted `v`.
Duration NearestRank(const std::vector<Duration>& v, double p) {
  return v[static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1];
}

std::vector<Duration> Draws(const Latency& latency, uint64_t seed, int n) {
  std::mt19937_64 random(seed);
  std::vector<Duration> out;
  for (int i = 0; i < n; ++i) out.push_back(core::DrawLatency(latency, random()));
  return out;
}

}  // namespace

TEST_CASE("a log-normal with p50 2 s and p99 10 s: its median and p99 over 100,000 draws") {
  std::vector<Duration> draws = Draws(LogNormal(seconds(2), seconds(10)), 1, kDraws);
  std::sort(draws.begin(), draws.end());
  double p50 = duration<double>(NearestRank(draws, 0.5)).count();
  double p99 = duration<double>(NearestRank(draws, 0.99)).count();
  INFO("p50 " << p50 << " s, p99 " << p99 << " s");
  CHECK(std::abs(p50 - 2) <= 0.02 * 2);
  CHECK(std::abs(p99 - 10) <= 0.05 * 10);
  // Log-normal, not normal: the mean sits above the median, at exp(mu + sigma^2 / 2) =
  // 2 * exp(0.5 * (ln 5 / 2.3263)^2) = 2.541 s (its standard error here: 0.25 %).
  double mean = 0;
  for (Duration d : draws) mean += duration<double>(d).count() / kDraws;
  CHECK(mean == doctest::Approx(2.541).epsilon(0.01));
}

TEST_CASE("latencies come in whole microseconds, p50 == p99 is a fixed latency") {
  for (Duration d : Draws(LogNormal(milliseconds(150), milliseconds(900)), 7, 1000)) {
    REQUIRE(d.count() % 1000 == 0);
    REQUIRE(d > Duration(0));
  }
  for (Duration d : Draws(LogNormal(seconds(2), seconds(2)), 7, 1000)) REQUIRE(d == seconds(2));
  CHECK(Draws(Fixed(nanoseconds(1'500'600)), 1, 1)[0] == microseconds(1501));
}

TEST_CASE("uniform: both ends reachable, each microsecond equally likely, mean in the middle") {
  std::map<int64_t, int64_t> counts;
  for (Duration d : Draws(Uniform(microseconds(10), microseconds(13)), 3, kDraws)) {
    ++counts[duration_cast<microseconds>(d).count()];
  }
  REQUIRE(counts.size() == 4);
  for (int64_t us = 10; us <= 13; ++us) {
    INFO(us << " us");
    CheckWithin3Sigma(counts[us], kDraws, 0.25);
  }
  // Uniform over [1 s, 3 s]: mean 2 s, standard deviation 2 / sqrt(12) s.
  double mean = 0;
  for (Duration d : Draws(Uniform(seconds(1), seconds(3)), 3, kDraws)) {
    REQUIRE(d >= seconds(1));
    REQUIRE(d <= seconds(3));
    mean += duration<double>(d).count() / kDraws;
  }
  CHECK(std::abs(mean - 2) <= 3 * (2 / std::sqrt(12.0)) / std::sqrt(kDraws));
}

TEST_CASE("a log-normal's far tail is kept within a year") {
  // p99 a year past a 1 s median: the bits closest to 1 give a draw far beyond a year.
  CHECK(core::DrawLatency(LogNormal(seconds(1), core::kMaxLatency), ~uint64_t{0}) ==
        core::kMaxLatency);
  CHECK(core::DrawLatency(LogNormal(seconds(1), seconds(2)), 0) > Duration(0));
}
