// The simulated mode against figures computed by hand from the spec (sections 4.3 to 4.6), not
// against itself.
#include "experiment/simulation.h"

#include <cmath>
#include <map>

#include <doctest/doctest.h>

#include "experiment/analysis.h"

namespace cte::experiment {
namespace {

using core::Duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

QueueScenario Queue(const std::string& id, double rate, int cap) {
  QueueScenario q;
  q.queue.name = "projects/emulator/locations/us-central1/queues/" + id;
  q.queue.rate_limits.max_dispatches_per_second = rate;
  q.queue.rate_limits.max_concurrent_dispatches = cap;
  return q;
}

ArrivalPhase Burst(int64_t count, Duration at = Duration(0), Duration over = Duration(0)) {
  return {at, ArrivalPhase::Count{count, over}};
}

Answer Status(int status) { return {Answer::Kind::kStatus, status, std::nullopt}; }

Scenario Of(std::vector<QueueScenario> queues) {
  Scenario s;
  s.name = "test";
  s.queues = std::move(queues);
  return s;
}

// Seconds, as a double, for approximate checks.
double S(Duration d) { return std::chrono::duration<double>(d).count(); }

TEST_CASE("a burst of N at rate R with burst B and a fast worker drains in (N - B) / R") {
  // Rate 100/s gives a burst of 100 (spec 4.3): 100 go at once, then one every 10 ms.
  QueueScenario q = Queue("burst", 100, 5000);
  q.arrivals = {Burst(2000)};
  auto run = Simulate(Of({q}));
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  CHECK(a.total.succeeded == 2000);
  REQUIRE(a.total.drain_time);
  CHECK(S(*a.total.drain_time) == doctest::Approx((2000.0 - 100) / 100).epsilon(0.01));
  CHECK(a.total.attempts == 2000);
}

TEST_CASE("in flight settles at min(cap, R x latency) and never passes the cap") {
  // Little's law: 200/s for 60 s, each answered after 2 s: 400 in flight.
  QueueScenario q = Queue("little", 200, 1000);
  q.arrivals = {{Duration(0), ArrivalPhase::Rate{200, seconds(60)}}};
  q.worker.latency.shape = Latency::Fixed{seconds(2)};
  QueueScenario capped = Queue("capped", 200, 1000);
  capped.arrivals = q.arrivals;
  capped.worker.latency.shape = Latency::Fixed{seconds(10)};  // 2,000 wanted, 1,000 allowed.
  auto run = Simulate(Of({q, capped}));
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  size_t per_queue = a.series.size() / 2;
  for (int64_t s = 10; s < 50; ++s) {
    CAPTURE(s);
    CHECK(a.series[s].in_flight == doctest::Approx(400).epsilon(0.02));
    CHECK(a.series[per_queue + s].in_flight == 1000);
  }
  CHECK(a.queues[0].peak_in_flight <= 402);
  CHECK(a.queues[1].peak_in_flight == 1000);
  CHECK(a.total.succeeded == 24000);
}

TEST_CASE("a worker that always fails gets exactly the attempts of the retry formula") {
  // m = 1 s, M = 10 s, d = 2, A = 6 (spec 4.5): delays 1, 2, 4, then linear 8, 12 -> 10.
  // Attempts at 0, 1, 3, 7, 15, 25 s; given up after the 6th, at 25 s.
  QueueScenario q = Queue("fail", 500, 1000);
  q.queue.retry_config.min_backoff = seconds(1);
  q.queue.retry_config.max_backoff = seconds(10);
  q.queue.retry_config.max_doublings = 2;
  q.queue.retry_config.max_attempts = 6;
  q.arrivals = {Burst(3)};
  q.worker.failures = {{Status(500), 1.0}};
  auto run = Simulate(Of({q}));
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  CHECK(a.total.given_up == 3);
  CHECK(a.total.attempts == 18);
  std::vector<double> sent;
  for (const AttemptRecord& r : run->attempts) {
    if (r.task == 0) sent.push_back(S(r.dispatched));
  }
  CHECK(sent == std::vector<double>{0, 1, 3, 7, 15, 25});
  CHECK(a.fates[0].finished == seconds(25));
  REQUIRE(a.total.drain_time);
  CHECK(*a.total.drain_time == seconds(25));
}

TEST_CASE("an outage: with both limits set, a task is dropped only once both are met") {
  // m = M = 10 s, A = 3, D = 60 s; the worker answers 503 during [0, 100 s).
  // Task 0 (at 0 s): attempts at 0, 10, ..., 60; after the 7th, 3 attempts and 60 s are both
  // met: given up at 60 s. Task 1 (at 50 s): attempts at 50 ... 100; 100 s is past the outage:
  // success, 50 s after its first attempt, under D.
  QueueScenario both = Queue("both", 500, 1000);
  both.queue.retry_config.min_backoff = seconds(10);
  both.queue.retry_config.max_backoff = seconds(10);
  both.queue.retry_config.max_attempts = 3;
  both.queue.retry_config.max_retry_duration = seconds(60);
  both.arrivals = {Burst(1), Burst(1, seconds(50))};
  both.worker.outages = {{Duration(0), seconds(100), Status(503)}};
  // The same queue with maxAttempts 5 and no duration: given up after 5 attempts, at 40 s.
  QueueScenario attempts_only = both;
  attempts_only.queue.name += "-attempts";
  attempts_only.queue.retry_config.max_attempts = 5;
  attempts_only.queue.retry_config.max_retry_duration = Duration(0);
  auto run = Simulate(Of({both, attempts_only}));
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  auto task_of = [&](uint32_t q, int k) {  // The k-th task of queue q.
    for (uint32_t i = 0; i < run->tasks.size(); ++i) {
      if (run->tasks[i].queue == q && k-- == 0) return i;
    }
    FAIL("no such task");
    return 0u;
  };
  CHECK(a.fates[task_of(0, 0)].result == TaskResult::kGivenUp);
  CHECK(a.fates[task_of(0, 0)].finished == seconds(60));
  CHECK(a.fates[task_of(0, 0)].attempts == 7);
  CHECK(a.fates[task_of(0, 1)].result == TaskResult::kSucceeded);
  CHECK(a.fates[task_of(0, 1)].finished == seconds(100));
  CHECK(a.fates[task_of(1, 0)].finished == seconds(40));
  CHECK(a.fates[task_of(1, 0)].attempts == 5);
  CHECK(a.fates[task_of(1, 1)].result == TaskResult::kGivenUp);  // 50..90 s, all in the outage.
  CHECK(a.fates[task_of(1, 1)].finished == seconds(90));
  CHECK(a.queues[0].given_up == 1);
  CHECK(a.queues[1].given_up == 2);
}

TEST_CASE("the dispatch deadline ends an attempt the worker never answers") {
  QueueScenario q = Queue("deadline", 500, 1000);
  q.queue.retry_config.max_attempts = 2;
  q.queue.retry_config.min_backoff = seconds(1);
  q.task.dispatch_deadline = seconds(15);
  q.arrivals = {Burst(1)};
  q.worker.failures = {{{Answer::Kind::kTimeout, 0, std::nullopt}, 1.0}};
  auto run = Simulate(Of({q}));
  REQUIRE(run.ok());
  REQUIRE(run->attempts.size() == 2);
  CHECK(run->attempts[0].outcome == AttemptOutcome::kTimeout);
  CHECK(run->attempts[0].answered == seconds(15));
  CHECK(run->attempts[1].dispatched == seconds(16));
  CHECK(run->attempts[1].answered == seconds(31));
}

TEST_CASE("the same scenario and seed give the same run, another seed another") {
  QueueScenario q = Queue("random", 50, 100);
  q.arrivals = {Burst(500, Duration(0), seconds(5))};
  q.worker.latency.shape = Latency::LogNormal{milliseconds(500), seconds(3)};
  q.worker.failures = {{Status(500), 0.2}, {Status(429), 0.1}};
  Scenario s = Of({q});
  auto a = Simulate(s), b = Simulate(s);
  s.seed = 2;
  auto c = Simulate(s);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  auto same = [](const RunData& x, const RunData& y) {
    if (x.attempts.size() != y.attempts.size()) return false;
    for (size_t i = 0; i < x.attempts.size(); ++i) {
      const AttemptRecord &p = x.attempts[i], &r = y.attempts[i];
      if (p.task != r.task || p.dispatched != r.dispatched || p.answered != r.answered ||
          p.status != r.status) {
        return false;
      }
    }
    return true;
  };
  CHECK(same(*a, *b));
  CHECK_FALSE(same(*a, *c));
}

TEST_CASE("duplicateRate 0.1 over 5,000 tasks: within 3 sigma, each counted once, none retried") {
  QueueScenario q = Queue("dup", 500, 1000);
  q.arrivals = {Burst(5000, Duration(0), seconds(10))};
  q.worker.latency.shape = Latency::Fixed{milliseconds(200)};
  Scenario s = Of({q});
  s.cloud_tasks.duplicate_rate = 0.1;
  auto run = Simulate(s);
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  int64_t marked = 0;
  std::map<std::pair<uint32_t, int32_t>, Duration> first;  // (task, attempt): dispatched.
  for (const AttemptRecord& r : run->attempts) {
    if (!r.duplicate) first.emplace(std::pair{r.task, r.attempt}, r.dispatched);
  }
  for (const AttemptRecord& r : run->attempts) {
    if (!r.duplicate) continue;
    ++marked;
    // The second delivery of an attempt that went out, at the same moment.
    auto of = first.find({r.task, r.attempt});
    REQUIRE(of != first.end());
    CHECK(of->second == r.dispatched);
  }
  // Binomial(5000, 0.1): 500 +- 3 * sqrt(5000 * 0.1 * 0.9) = 500 +- 63.6.
  INFO("duplicates " << marked);
  CHECK(std::abs(static_cast<double>(marked) - 500) <= 3 * std::sqrt(5000 * 0.1 * 0.9));
  CHECK(a.total.duplicates == marked);
  CHECK(a.queues[0].duplicates == marked);
  CHECK(a.total.attempts == 5000);  // A duplicate is no attempt of the task's, and no retry.
  CHECK(a.total.succeeded == 5000);
  CHECK(a.queues[0].peak_in_flight <= 101);  // 500/s x 0.2 s: duplicates take no place.

  auto again = Simulate(s);  // The same seed: the same tasks duplicated.
  REQUIRE(again.ok());
  REQUIRE(again->attempts.size() == run->attempts.size());
  for (size_t i = 0; i < run->attempts.size(); ++i) {
    REQUIRE(again->attempts[i].task == run->attempts[i].task);
    REQUIRE(again->attempts[i].duplicate == run->attempts[i].duplicate);
  }
}

TEST_CASE("the extra delay comes before the worker: its outage is looked up at the receipt") {
  // Every request is held 1 s: one sent at 0 s reaches the worker at 1 s, after its outage
  // [0, 1 s), and is answered 2 s later, at 3 s. Without the delay it would hit the outage.
  QueueScenario q = Queue("delayed", 500, 1000);
  q.arrivals = {Burst(10)};
  q.worker.latency.shape = Latency::Fixed{seconds(2)};
  q.worker.outages = {{Duration(0), seconds(1), Status(503)}};
  Scenario s = Of({q});
  s.cloud_tasks.extra_delay = Latency{Latency::Fixed{seconds(1)}};
  auto run = Simulate(s);
  REQUIRE(run.ok());
  Analysis a = Analyze(*run);
  CHECK(a.total.attempts == 10);
  CHECK(a.total.succeeded == 10);
  for (const AttemptRecord& r : run->attempts) {
    CHECK(r.dispatched == Duration(0));  // When the queue let it go.
    CHECK(r.answered == seconds(3));
    CHECK(r.status == 200);
  }
  REQUIRE(a.total.latency);
  CHECK(a.total.latency->p50 == seconds(3));
}

TEST_CASE("a queue CreateQueue refuses is an error naming it") {
  QueueScenario q = Queue("bad", 501, 10);
  q.arrivals = {Burst(1)};
  auto run = Simulate(Of({q}));
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().message() ==
        "queues[0].queue: RateLimits.maxDispatchesPerSecond must be less than or equal to 500.");
}

}  // namespace
}  // namespace cte::experiment
