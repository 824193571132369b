// Analysis: figures and series of small runs computed by hand.
#include "experiment/analysis.h"

#include <doctest/doctest.h>

namespace cte::experiment {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

AttemptRecord Attempt(uint32_t task, int n, milliseconds sent, milliseconds answered,
                      AttemptOutcome outcome, bool duplicate = false) {
  return {task,     n, sent, answered, outcome, outcome == AttemptOutcome::kSuccess ? 200 : 500,
          duplicate};
}

RunData OneQueue() {
  RunData run;
  run.queues.push_back({"projects/p/locations/l/queues/q", "q", 100, 100, 10, {}});
  return run;
}

TEST_CASE("a retried task and a slow one: fates, peaks, latency and the series by hand") {
  RunData run = OneQueue();
  run.tasks = {{0, milliseconds(0), false}, {0, milliseconds(500), false}};
  run.attempts = {Attempt(0, 1, milliseconds(0), milliseconds(1000), AttemptOutcome::kServerError),
                  Attempt(1, 1, milliseconds(500), milliseconds(3000), AttemptOutcome::kSuccess),
                  Attempt(0, 2, milliseconds(1100), milliseconds(2100), AttemptOutcome::kSuccess)};
  run.stopped = seconds(3);
  Analysis a = Analyze(run);
  REQUIRE(a.fates.size() == 2);
  CHECK(a.fates[0].result == TaskResult::kSucceeded);
  CHECK(a.fates[0].finished == milliseconds(2100));
  CHECK(a.fates[0].attempts == 2);
  CHECK(a.fates[1].finished == milliseconds(3000));
  const Figures& f = a.queues[0];
  CHECK(f.tasks == 2);
  CHECK(f.succeeded == 2);
  CHECK(f.attempts == 3);
  CHECK(f.attempts_mean == doctest::Approx(1.5));
  CHECK(f.attempts_max == 2);
  REQUIRE(f.drain_time);
  CHECK(*f.drain_time == seconds(3));
  // In flight: 1 at 0, 2 at 0.5, 1 at 1.0, 2 at 1.1. Waiting: task 0 between 1.0 and 1.1 only
  // (at 0 it arrives and leaves at the same moment).
  CHECK(f.peak_in_flight == 2);
  CHECK(f.peak_backlog == 1);
  REQUIRE(f.latency);
  CHECK(f.latency->p50 == milliseconds(2100));  // Nearest rank: the 1st of 2.
  CHECK(f.latency->p90 == milliseconds(2500));
  CHECK(f.latency->max == milliseconds(2500));
  REQUIRE(a.series.size() == 4);  // Seconds 0 to 3.
  CHECK(a.series[0].arrivals == 2);
  CHECK(a.series[0].dispatches == 2);
  CHECK(a.series[0].in_flight == 2);
  CHECK(a.series[1].dispatches == 1);
  CHECK(a.series[1].server_error == 1);
  CHECK(a.series[1].in_flight == 2);
  CHECK(a.series[1].backlog == 0);
  CHECK(a.series[2].success == 1);
  CHECK(a.series[3].success == 1);
  CHECK(a.series[3].in_flight == 1);
  CHECK(a.total.peak_in_flight == 2);
  CHECK(a.total.tasks == 2);
}

TEST_CASE("a task gone after failures is given up, one still queued is unfinished") {
  RunData run = OneQueue();
  run.tasks = {{0, milliseconds(0), false}, {0, milliseconds(0), true}};
  run.attempts = {Attempt(0, 1, milliseconds(0), milliseconds(1500), AttemptOutcome::kTimeout),
                  Attempt(1, 1, milliseconds(0), milliseconds(200), AttemptOutcome::kClientError)};
  run.stopped = seconds(2);
  Analysis a = Analyze(run);
  CHECK(a.fates[0].result == TaskResult::kGivenUp);
  CHECK(a.fates[0].finished == milliseconds(1500));
  CHECK(a.fates[1].result == TaskResult::kUnfinished);
  CHECK(a.queues[0].given_up == 1);
  CHECK(a.queues[0].unfinished == 1);
  CHECK_FALSE(a.queues[0].drain_time);
  CHECK_FALSE(a.queues[0].latency);
  CHECK(a.series[1].given_up == 1);
  CHECK(a.series[1].timeout == 1);
  CHECK(a.series[0].client_error == 1);
  CHECK(a.series[1].backlog == 1);  // The unfinished task waits for its retry.
}

TEST_CASE("duplicates are counted apart, not as attempts, and take no place in flight") {
  RunData run = OneQueue();
  run.queues.push_back({"projects/p/locations/l/queues/r", "r", 100, 100, 10, {}});
  run.tasks = {{0, milliseconds(0), false}, {1, milliseconds(0), false}};
  run.attempts = {Attempt(0, 1, milliseconds(0), milliseconds(100), AttemptOutcome::kSuccess),
                  Attempt(0, 1, milliseconds(0), milliseconds(100), AttemptOutcome::kSuccess, true),
                  Attempt(1, 1, milliseconds(0), milliseconds(100), AttemptOutcome::kSuccess)};
  run.stopped = milliseconds(100);
  Analysis a = Analyze(run);
  CHECK(a.queues[0].attempts == 1);
  CHECK(a.queues[0].duplicates == 1);
  CHECK(a.queues[0].peak_in_flight == 1);
  CHECK(a.total.peak_in_flight == 2);  // One of each queue at once.
  CHECK(a.total.duplicates == 1);
  CHECK(a.series.size() == 2);  // One second, two queues.
  CHECK(a.series[0].duplicates == 1);
  CHECK(a.series[1].queue == 1);
}

TEST_CASE("processedTwice: tasks answered 2xx more than once, whichever delivery") {
  RunData run = OneQueue();
  for (int i = 0; i < 4; ++i) run.tasks.push_back({0, milliseconds(0), false});
  using O = AttemptOutcome;
  auto at = [](int ms) { return milliseconds(ms); };
  run.attempts = {
      // Task 0: its first delivery and the duplicate both 200: processed twice.
      Attempt(0, 1, at(0), at(100), O::kSuccess), Attempt(0, 1, at(0), at(100), O::kSuccess, true),
      // Task 1: attempt 1 failed but its duplicate got 200, then attempt 2 got 200: twice.
      Attempt(1, 1, at(0), at(100), O::kServerError),
      Attempt(1, 1, at(0), at(150), O::kSuccess, true),
      Attempt(1, 2, at(200), at(300), O::kSuccess),
      // Task 2: a duplicate that failed: once.
      Attempt(2, 1, at(0), at(100), O::kSuccess),
      Attempt(2, 1, at(0), at(100), O::kServerError, true),
      // Task 3: three 200s count as one task.
      Attempt(3, 1, at(0), at(100), O::kSuccess), Attempt(3, 1, at(0), at(100), O::kSuccess, true),
      Attempt(3, 1, at(0), at(120), O::kSuccess, true)};
  run.stopped = milliseconds(300);
  Analysis a = Analyze(run);
  CHECK(a.queues[0].processed_twice == 3);
  CHECK(a.total.processed_twice == 3);
  CHECK(a.queues[0].duplicates == 5);
  CHECK(a.queues[0].attempts == 5);
}

}  // namespace
}  // namespace cte::experiment
