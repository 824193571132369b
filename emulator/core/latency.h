// Latency: a distribution of durations (fixed, uniform or log-normal) and its seeded draw. The
// experiments' modelled worker answers after one; Cloud Tasks' extra dispatch delay is one.
#pragma once

#include <chrono>
#include <cstdint>
#include <variant>

#include "core/clock.h"

namespace cte::core {

struct Latency {
  struct Fixed {
    Duration value{0};
  };
  // Every whole microsecond of [min, max] equally likely.
  struct Uniform {
    Duration min{0}, max{0};
  };
  // Log-normal with the given median and 99th percentile.
  struct LogNormal {
    Duration p50{0}, p99{0};
  };
  // Initialised here: a nested struct with default member initializers is not yet
  // default-constructible inside its enclosing class (CWG 1397), and the variant's default
  // constructor would then be deleted.
  std::variant<Fixed, Uniform, LogNormal> shape = Fixed{};
};

// What a drawn latency is kept within (a log-normal tail could otherwise overflow 64-bit
// nanoseconds): a year.
inline constexpr Duration kMaxLatency = std::chrono::hours(24 * 365);

// A latency drawn from `latency` with the 64 random bits `x`, in whole microseconds. Fixed: the
// value; Uniform: uniform over the microseconds of [min, max]; LogNormal: exp(N(mu, sigma)) with
// mu = ln(p50), sigma = (ln(p99) - ln(p50)) / 2.3263478740408408 (the 99th percentile of
// N(0, 1)), at most kMaxLatency. Requires: min <= max, 0 < p50 <= p99, no value below 0.
Duration DrawLatency(const Latency& latency, uint64_t x);

}  // namespace cte::core
