#include "experiment/arrivals.h"

#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

using namespace cte;
using namespace cte::experiment;
using namespace std::chrono;
using core::Duration;

namespace {

ArrivalPhase Phase(Duration at, decltype(ArrivalPhase::shape) shape) {
  ArrivalPhase p;
  p.at = at;
  p.shape = std::move(shape);
  return p;
}

// How many offsets fall in [from, to).
int64_t CountIn(const std::vector<Duration>& offsets, Duration from, Duration to) {
  return std::count_if(offsets.begin(), offsets.end(),
                       [&](Duration d) { return d >= from && d < to; });
}

}  // namespace

TEST_CASE("a burst of 10,000 over 60 s puts task i at exactly i * 6 ms") {
  auto offsets = ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Count{10000, seconds(60)})});
  REQUIRE(offsets.size() == 10000);
  for (int64_t i = 0; i < 10000; ++i) {
    INFO("task " << i);
    REQUIRE(offsets[i] == milliseconds(6) * i);
  }
  CHECK(offsets.back() == milliseconds(59994));
}

TEST_CASE("count: over 0 s puts every task at `at`, an uneven split rounds down") {
  auto at_once = ArrivalOffsets({Phase(seconds(7), ArrivalPhase::Count{5, seconds(0)})});
  CHECK(at_once == std::vector<Duration>(5, seconds(7)));
  // 1 s / 3: 333,333,333.3 ns and 666,666,666.7 ns, in whole nanoseconds.
  auto thirds = ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Count{3, seconds(1)})});
  CHECK(thirds ==
        std::vector<Duration>{nanoseconds(0), nanoseconds(333333333), nanoseconds(666666666)});
}

TEST_CASE("rate 50 for 600 s from 120 s: 30,000 tasks 20 ms apart, the last at 719.98 s") {
  auto offsets = ArrivalOffsets({Phase(seconds(120), ArrivalPhase::Rate{50, seconds(600)})});
  REQUIRE(offsets.size() == 30000);
  CHECK(offsets.front() == seconds(120));
  for (size_t i = 1; i < offsets.size(); ++i) {
    INFO("task " << i);
    REQUIRE(offsets[i] - offsets[i - 1] == milliseconds(20));
  }
  CHECK(offsets.back() == seconds(120) + milliseconds(599980));
}

TEST_CASE("rate: whole rates round to the nearest nanosecond, fractional rates and counts") {
  // 3/s: 333,333,333.3 ns rounds down, 666,666,666.7 ns up.
  CHECK(ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Rate{3, seconds(1)})}) ==
        std::vector<Duration>{nanoseconds(0), nanoseconds(333333333), nanoseconds(666666667)});
  // 2.5/s for 2 s: 5 tasks, 400 ms apart.
  CHECK(ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Rate{2.5, seconds(2)})}) ==
        std::vector<Duration>{milliseconds(0), milliseconds(400), milliseconds(800),
                              milliseconds(1200), milliseconds(1600)});
  // 0.5/s for 5 s is 2.5 tasks, rounded to 3: at 0, 2 and 4 s.
  CHECK(ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Rate{0.5, seconds(5)})}) ==
        std::vector<Duration>{seconds(0), seconds(2), seconds(4)});
  // 0.1/s for 1 s is 0.1 tasks: none.
  CHECK(ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Rate{0.1, seconds(1)})}).empty());
}

TEST_CASE("a ramp from 0 to 100 over 10 s gives 500 tasks, denser as it goes") {
  auto offsets = ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Ramp{0, 100, seconds(10)})});
  // The integral of the rate is 5 t^2: 500 at 10 s.
  REQUIRE(offsets.size() == 500);
  // Task i where 5 t^2 = i + 0.5: the first at sqrt(0.1) s = 316,227,766.0 ns, the last at
  // sqrt(99.9) s = 9,994,998,749.4 ns.
  CHECK(std::abs((offsets.front() - nanoseconds(316227766)).count()) <= 1);
  CHECK(std::abs((offsets.back() - nanoseconds(9994998749)).count()) <= 1);
  for (size_t i = 2; i < offsets.size(); ++i) {
    INFO("task " << i);
    REQUIRE(offsets[i] - offsets[i - 1] < offsets[i - 1] - offsets[i - 2]);
  }
  // 5 t^2 gives 5 tasks in the first second and 500 - 405 = 95 in the last.
  CHECK(CountIn(offsets, seconds(0), seconds(1)) == 5);
  CHECK(CountIn(offsets, seconds(9), seconds(10)) == 95);
}

TEST_CASE("a falling ramp and a flat one") {
  // 100 -> 0 over 10 s: F(t) = 100 t - 5 t^2; 95 tasks in the first second, 5 in the last.
  auto falling = ArrivalOffsets({Phase(seconds(0), ArrivalPhase::Ramp{100, 0, seconds(10)})});
  REQUIRE(falling.size() == 500);
  CHECK(CountIn(falling, seconds(0), seconds(1)) == 95);
  CHECK(CountIn(falling, seconds(9), seconds(10)) == 5);
  // The first where 100 t - 5 t^2 = 0.5: t = (100 - sqrt(9990)) / 10 = 5,001,250.6 ns.
  CHECK(std::abs((falling.front() - nanoseconds(5001251)).count()) <= 1);
  CHECK(falling.back() <= seconds(10));
  // 10/s flat for 2 s: 20 tasks at (i + 0.5) / 10 s.
  auto flat = ArrivalOffsets({Phase(seconds(1), ArrivalPhase::Ramp{10, 10, seconds(2)})});
  REQUIRE(flat.size() == 20);
  CHECK(flat.front() == milliseconds(1050));
  CHECK(flat.back() == milliseconds(2950));
}

TEST_CASE("CSV offsets are added to `at`, phases are merged in order") {
  ArrivalPhase::Csv csv{"day.csv", {milliseconds(0), milliseconds(1500), seconds(4)}};
  auto offsets = ArrivalOffsets(
      {Phase(seconds(10), csv), Phase(seconds(0), ArrivalPhase::Count{3, seconds(15)})});
  CHECK(offsets == std::vector<Duration>{seconds(0), seconds(5), seconds(10), seconds(10),
                                         milliseconds(11500), seconds(14)});
}

TEST_CASE("ScenarioArrivals: every queue's arrivals in time order, ties in queue order") {
  // Task i is the i-th arrival in both modes, so that the keyed worker draws see the same names.
  Scenario scenario;
  scenario.queues.resize(2);
  scenario.queues[0].arrivals = {Phase(seconds(1), ArrivalPhase::Count{2, seconds(2)})};
  scenario.queues[1].arrivals = {Phase(seconds(0), ArrivalPhase::Count{3, seconds(3)})};
  std::vector<std::pair<Duration, uint32_t>> got;
  for (const Arrival& a : ScenarioArrivals(scenario)) got.emplace_back(a.at, a.queue);
  std::vector<std::pair<Duration, uint32_t>> want = {
      {seconds(0), 1}, {seconds(1), 0}, {seconds(1), 1}, {seconds(2), 0}, {seconds(2), 1}};
  CHECK(got == want);
}
