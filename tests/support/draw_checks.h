// Shapes of core::Latency in one call each, and a binomial check, for the tests of seeded draws
// (latencies, the worker model, Cloud Tasks' imperfections).
#pragma once

#include <cmath>
#include <cstdint>

#include <doctest/doctest.h>

#include "core/latency.h"

namespace cte::testing {

inline core::Latency Fixed(core::Duration d) { return core::Latency{core::Latency::Fixed{d}}; }
inline core::Latency Uniform(core::Duration min, core::Duration max) {
  return core::Latency{core::Latency::Uniform{min, max}};
}
inline core::Latency LogNormal(core::Duration p50, core::Duration p99) {
  return core::Latency{core::Latency::LogNormal{p50, p99}};
}

// |observed - n p| within 3 standard deviations of a binomial count.
inline void CheckWithin3Sigma(int64_t observed, int n, double p) {
  double sigma = std::sqrt(n * p * (1 - p));
  INFO("observed " << observed << ", expected " << n * p << " +- " << 3 * sigma);
  CHECK(std::abs(static_cast<double>(observed) - n * p) <= 3 * sigma);
}

}  // namespace cte::testing
