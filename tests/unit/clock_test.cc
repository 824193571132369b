#include "core/clock.h"

#include <chrono>

#include <doctest/doctest.h>

using namespace cte::core;
using namespace std::chrono;
using std::chrono::steady_clock;

namespace {

// Spins (no sleep) until `d` has passed on the steady clock since `from`.
void SpinUntil(steady_clock::time_point from, steady_clock::duration d) {
  while (steady_clock::now() - from < d) {
  }
}

}  // namespace

TEST_CASE("a manual clock moves only when advanced, and has no real-time delay") {
  TimePoint start = sys_days(year(2026) / 1 / 2) + hours(3);
  ManualClock clock(start);
  CHECK(clock.Now() == start);
  CHECK(clock.Now() == start);
  clock.Advance(seconds(90));
  CHECK(clock.Now() == start + seconds(90));
  clock.Advance(nanoseconds(1));
  clock.Advance(Duration(0));
  CHECK(clock.Now() == start + seconds(90) + nanoseconds(1));
  for (Duration d : {Duration(0), Duration(seconds(1)), Duration(hours(24))}) {
    CHECK_FALSE(clock.RealDelay(d).has_value());
  }
}

TEST_CASE("the system clock waits in real time exactly what passes on it") {
  SystemClock clock;
  CHECK(clock.RealDelay(milliseconds(1500)) == milliseconds(1500));
  TimePoint before = system_clock::now();
  TimePoint now = clock.Now();
  CHECK(now >= before);
  CHECK(now - before < seconds(5));
}

TEST_CASE("a scaled clock's real delay is the emulated time divided by the scale") {
  struct Case {
    double scale;
    Duration emulated;
    Duration real;
  };
  const Case cases[] = {
      {1, seconds(10), seconds(10)},
      {4, seconds(1), milliseconds(250)},
      {60, minutes(1), seconds(1)},
      {3600, hours(1), seconds(1)},
      {0.5, seconds(2), seconds(4)},
      {10, Duration(0), Duration(0)},
      {1000, milliseconds(1), microseconds(1)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.scale);
    CAPTURE(c.emulated.count());
    ScaledClock clock(c.scale);
    REQUIRE(clock.RealDelay(c.emulated).has_value());
    CHECK(*clock.RealDelay(c.emulated) == c.real);
  }
  // 1 s / 3 is 333'333'333.3 ns; allow the last nanosecond either way.
  Duration third = *ScaledClock(3).RealDelay(seconds(1));
  CHECK(third >= nanoseconds(333'333'332));
  CHECK(third <= nanoseconds(333'333'334));
}

TEST_CASE("a scaled clock starts at the wall-clock time and runs `scale` times faster") {
  for (double scale : {1.0, 10.0, 100.0}) {
    CAPTURE(scale);
    TimePoint wall_before = system_clock::now();
    ScaledClock clock(scale);
    steady_clock::time_point outer_start = steady_clock::now();
    TimePoint a = clock.Now();
    steady_clock::time_point inner_start = steady_clock::now();
    SpinUntil(inner_start, milliseconds(5));
    TimePoint b = clock.Now();
    steady_clock::duration outer = steady_clock::now() - outer_start;
    // Generous bounds: a loaded machine only makes the outer interval longer.
    CHECK(a >= wall_before - seconds(1));
    CHECK(a <= system_clock::now() + seconds(1));
    auto emulated = duration<double>(b - a).count();
    CHECK(emulated >= scale * 0.005 * 0.99);
    CHECK(emulated <= scale * duration<double>(outer).count() * 1.01 + 1e-3);
  }
}
