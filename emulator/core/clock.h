// Clock: the one source of "now" for every decision that involves time.
#pragma once

#include <atomic>
#include <chrono>

namespace cte::core {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Cloud Tasks times are wall-clock timestamps, so Now() is a system_clock time point.
class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual TimePoint Now() const = 0;
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
  // Requires: d >= 0.
  void Advance(Duration d) {
    now_ns_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  }

 private:
  std::atomic<TimePoint::rep> now_ns_;
};

}  // namespace cte::core
