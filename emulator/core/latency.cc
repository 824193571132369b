#include "core/latency.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"

namespace cte::core {

namespace {

using std::chrono::microseconds;

// The 99th percentile of N(0, 1).
constexpr double kZ99 = 2.3263478740408408;

// The quantile function of N(0, 1): P. J. Acklam's rational approximation (relative error below
// 1.15e-9, far below the microsecond a latency is rounded to). One uniform in, one normal out.
double InverseNormalCdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < kLow) return tail(std::sqrt(-2 * std::log(p)));
  if (p > 1 - kLow) return -tail(std::sqrt(-2 * std::log(1 - p)));
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double Seconds(Duration d) { return static_cast<double>(d.count()) / 1e9; }

// Seconds to whole microseconds, kept within [0, kMaxLatency].
Duration Micros(double seconds) {
  const double max_us = static_cast<double>(kMaxLatency.count() / 1000);
  return microseconds(std::llround(std::clamp(seconds * 1e6, 0.0, max_us)));
}

Duration DrawUniform(const Latency::Uniform& u, uint64_t x) {
  const int64_t min_us = std::chrono::round<microseconds>(u.min).count();
  const int64_t span = std::chrono::round<microseconds>(u.max).count() - min_us + 1;
  // UnitDouble(x) * span < span, but a product near span may round up to it.
  const auto step = static_cast<int64_t>(std::floor(UnitDouble(x) * static_cast<double>(span)));
  return microseconds(min_us + std::min(step, span - 1));
}

Duration DrawLogNormal(const Latency::LogNormal& l, uint64_t x) {
  const double mu = std::log(Seconds(l.p50));
  const double sigma = (std::log(Seconds(l.p99)) - mu) / kZ99;
  return Micros(std::exp(mu + sigma * InverseNormalCdf(OpenUnitDouble(x))));
}

}  // namespace

Duration DrawLatency(const Latency& latency, uint64_t x) {
  if (const auto* fixed = std::get_if<Latency::Fixed>(&latency.shape)) {
    return std::chrono::round<microseconds>(fixed->value);
  }
  if (const auto* uniform = std::get_if<Latency::Uniform>(&latency.shape)) {
    return DrawUniform(*uniform, x);
  }
  return DrawLogNormal(std::get<Latency::LogNormal>(latency.shape), x);
}

}  // namespace cte::core
