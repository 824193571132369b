#include "experiment/arrivals.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <variant>

namespace cte::experiment {

namespace {

using core::Duration;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

double Seconds(Duration d) { return static_cast<double>(d.count()) / kNanosPerSecond; }

Duration FromSeconds(double s) { return Duration(std::llround(s * kNanosPerSecond)); }

// Task i at i * over / count, in integers: q * i + r * i / count, where over = q * count + r,
// which cannot overflow while count <= kMaxTasksPerPhase (r * i < count^2).
void Append(Duration at, const ArrivalPhase::Count& c, std::vector<Duration>& out) {
  assert(c.count >= 0 && c.count <= kMaxTasksPerPhase && c.over.count() >= 0);
  const int64_t q = c.over.count() / std::max<int64_t>(c.count, 1);
  const int64_t r = c.over.count() % std::max<int64_t>(c.count, 1);
  for (int64_t i = 0; i < c.count; ++i) out.push_back(at + Duration(q * i + r * i / c.count));
}

// Task i at i / rate. A whole rate is divided in integers (rounding to the nearest nanosecond), so
// that 50/s puts every task on an exact 20 ms step however long the phase.
void Append(Duration at, const ArrivalPhase::Rate& r, std::vector<Duration>& out) {
  assert(r.rate > 0 && r.duration.count() >= 0);
  const int64_t n = std::llround(r.rate * Seconds(r.duration));
  assert(n <= kMaxTasksPerPhase);
  const bool whole = r.rate == std::floor(r.rate) && r.rate <= kNanosPerSecond;
  const int64_t rate = whole ? static_cast<int64_t>(r.rate) : 0;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(at + (whole ? Duration((i * kNanosPerSecond + rate / 2) / rate)
                              : FromSeconds(static_cast<double>(i) / r.rate)));
  }
}

// With a = (to - from) / (2T), the integral of the rate is F(t) = from * t + a * t^2, and task i
// goes where F(t) = i + 0.5. The root is written 2y / (b + sqrt(b^2 + 4ay)), which holds for a
// rising, falling or flat ramp and loses no precision when a is small.
void Append(Duration at, const ArrivalPhase::Ramp& p, std::vector<Duration>& out) {
  assert(p.from >= 0 && p.to >= 0 && p.duration.count() > 0);
  const double span = Seconds(p.duration);
  const double a = (p.to - p.from) / (2 * span);
  const double b = p.from;
  const double total = (p.from + p.to) / 2 * span;
  const int64_t n = static_cast<int64_t>(std::floor(total + 0.5));
  assert(n <= kMaxTasksPerPhase);
  for (int64_t i = 0; i < n; ++i) {
    const double y = static_cast<double>(i) + 0.5;
    // A falling ramp's last root sits at the top of the parabola, where rounding may dip below 0.
    const double root = std::sqrt(std::max(0.0, b * b + 4 * a * y));
    out.push_back(at + std::min(FromSeconds(2 * y / (b + root)), p.duration));
  }
}

void Append(Duration at, const ArrivalPhase::Csv& c, std::vector<Duration>& out) {
  for (Duration offset : c.offsets) out.push_back(at + offset);
}

}  // namespace

std::vector<Duration> ArrivalOffsets(const std::vector<ArrivalPhase>& phases) {
  std::vector<Duration> out;
  for (const ArrivalPhase& phase : phases) {
    std::visit([&](const auto& shape) { Append(phase.at, shape, out); }, phase.shape);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Arrival> ScenarioArrivals(const Scenario& scenario) {
  std::vector<Arrival> out;
  for (uint32_t q = 0; q < scenario.queues.size(); ++q) {
    for (Duration at : ArrivalOffsets(scenario.queues[q].arrivals)) out.push_back({at, q});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
  return out;
}

}  // namespace cte::experiment
