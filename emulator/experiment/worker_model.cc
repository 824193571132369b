#include "experiment/worker_model.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <variant>

namespace cte::experiment {

namespace {

using core::Duration;
using std::chrono::microseconds;

// The 99th percentile of N(0, 1).
constexpr double kZ99 = 2.3263478740408408;

// The standard fixes mt19937_64's output, but not how the <random> distributions use it, so the
// doubles are made here: 53 random bits, in [0, 1).
double Unit(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

// The same bits centred in their cell, in (0, 1): never 0 or 1, which the normal quantile needs.
double OpenUnit(uint64_t x) { return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53; }

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

// Seconds to whole microseconds, kept within [0, kMaxScenarioDuration] (a log-normal tail could
// otherwise overflow 64-bit nanoseconds).
Duration Micros(double seconds) {
  const double max_us = static_cast<double>(kMaxScenarioDuration.count() / 1000);
  return microseconds(std::llround(std::clamp(seconds * 1e6, 0.0, max_us)));
}

Duration DrawUniform(const Latency::Uniform& u, uint64_t x) {
  const int64_t min_us = std::chrono::round<microseconds>(u.min).count();
  const int64_t span = std::chrono::round<microseconds>(u.max).count() - min_us + 1;
  // Unit(x) * span < span, but a product near span may round up to it.
  const auto step = static_cast<int64_t>(std::floor(Unit(x) * static_cast<double>(span)));
  return microseconds(min_us + std::min(step, span - 1));
}

Duration DrawLogNormal(const Latency::LogNormal& l, uint64_t x) {
  const double mu = std::log(Seconds(l.p50));
  const double sigma = (std::log(Seconds(l.p99)) - mu) / kZ99;
  return Micros(std::exp(mu + sigma * InverseNormalCdf(OpenUnit(x))));
}

}  // namespace

WorkerDraw::WorkerDraw(const WorkerModel& model, uint64_t seed)
    : model_(model), seed_(seed), random_(seed) {
  assert(std::is_sorted(model_.outages.begin(), model_.outages.end(),
                        [](const Outage& a, const Outage& b) { return a.from < b.from; }));
}

Duration WorkerDraw::Draw(const Latency& latency, std::mt19937_64& random) {
  // One number for every shape, so that the draws after it do not depend on the shape.
  const uint64_t x = random();
  if (const auto* fixed = std::get_if<Latency::Fixed>(&latency.shape)) {
    return std::chrono::round<microseconds>(fixed->value);
  }
  if (const auto* uniform = std::get_if<Latency::Uniform>(&latency.shape)) {
    return DrawUniform(*uniform, x);
  }
  return DrawLogNormal(std::get<Latency::LogNormal>(latency.shape), x);
}

namespace {

// SplitMix64's finaliser: spreads the bits of `x` over the whole word.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Reply WorkerDraw::Next(Duration since_start) { return Draw(since_start, random_); }

Reply WorkerDraw::Next(Duration since_start, std::string_view task, int attempt) {
  uint64_t key = Mix(seed_);
  for (char c : task) key = Mix(key ^ static_cast<unsigned char>(c));
  std::mt19937_64 random(Mix(key ^ static_cast<uint64_t>(attempt)));
  return Draw(since_start, random);
}

Reply WorkerDraw::Draw(Duration since_start, std::mt19937_64& random) const {
  // The first outage that has not ended yet; outages are sorted and do not overlap.
  auto outage = std::partition_point(model_.outages.begin(), model_.outages.end(),
                                     [&](const Outage& o) { return o.to <= since_start; });
  if (outage != model_.outages.end() && outage->from <= since_start) {
    return Reply{outage->answer, Duration(0)};
  }
  const Duration latency = Draw(model_.latency, random);
  const double u = Unit(random());
  double cumulative = 0;
  for (const Failure& failure : model_.failures) {
    cumulative += failure.probability;
    if (u < cumulative) {
      bool never = failure.answer.kind == Answer::Kind::kTimeout;
      return Reply{failure.answer, never ? Duration::max() : latency};
    }
  }
  return Reply{Answer{}, latency};
}

}  // namespace cte::experiment
