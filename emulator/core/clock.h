// Clock: the one source of "now" for every decision that involves time.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>

namespace cte::core {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Cloud Tasks times are wall-clock timestamps, so Now() is a system_clock time point.
class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual TimePoint Now() const = 0;
  // How long to wait in real time for `emulated` time to pass on this clock; nullopt when the
  // clock only moves when told to (a manual clock). Thread-safe.
  virtual std::optional<Duration> RealDelay(Duration emulated) const { return emulated; }
};

// Reads the machine's wall clock. The only code that calls system_clock::now().
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Safe to read and advance from any thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_ns_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(now_ns_.load())); }
  std::optional<Duration> RealDelay(Duration) const override { return std::nullopt; }
  // Requires: d >= 0.
  void Advance(Duration d) {
    now_ns_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  }

 private:
  std::atomic<TimePoint::rep> now_ns_;
};

// Wall-clock time that runs `scale` times faster than real time, from the moment it is made.
class ScaledClock final : public Clock {
 public:
  // Requires: scale > 0.
  explicit ScaledClock(double scale)
      : scale_(scale),
        origin_(std::chrono::system_clock::now()),
        steady_origin_(std::chrono::steady_clock::now()) {}
  TimePoint Now() const override {
    auto real = std::chrono::steady_clock::now() - steady_origin_;
    return origin_ + std::chrono::duration_cast<TimePoint::duration>(
                         std::chrono::duration<double, std::nano>(real) * scale_);
  }
  std::optional<Duration> RealDelay(Duration emulated) const override {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::nano>(emulated) /
                                                scale_);
  }

 private:
  double scale_;
  TimePoint origin_;
  std::chrono::steady_clock::time_point steady_origin_;
};

}  // namespace cte::core
