#include "dispatch/dispatcher.h"

#include <map>

#include <doctest/doctest.h>

#include "store/sqlite_store.h"
#include "support/dispatch_rig.h"
#include "support/fake_pusher.h"

using namespace cte;
using namespace std::chrono;
using core::TimePoint;

namespace {

using testing::Header;
const TimePoint kStart = testing::kRigStart;
const std::string kQ = "projects/p/locations/l/queues/q";

struct Parts {
  std::unique_ptr<store::SqliteStore> store =
      std::move(store::SqliteStore::Open(":memory:").value());
  testing::FakePusher pusher;
};

// A dispatcher on a manual clock and an in-memory store, pushing to a FakePusher. Results the
// pusher reports are queued and run by Drain(), each in its own transaction, as the executor
// would.
struct Fixture : Parts, testing::DispatchRig {
  Fixture() : DispatchRig(*store, pusher, Options()) {}

  static dispatch::DispatcherOptions Options() {
    dispatch::DispatcherOptions o;
    o.rewrites = {{"https://prod.example/", "http://127.0.0.1:9/"}};
    return o;
  }

  void Drain() { DrainEach(); }
  void Answer(int status, std::optional<core::Duration> retry_after = std::nullopt) {
    pusher.Answer(status, retry_after);
    Drain();
  }
  void CreateQueue(double rate = 500, int concurrent = 1000, core::RetryConfig retry = {}) {
    core::Queue q;
    q.name = kQ;
    q.rate_limits.max_dispatches_per_second = rate;
    q.rate_limits.max_concurrent_dispatches = concurrent;
    q.retry_config = retry;
    DispatchRig::CreateQueue(q);
  }
  void CreateTask(const std::string& id, core::Duration delay = core::Duration(0)) {
    REQUIRE(
        DispatchRig::CreateTask(kQ, id, delay, "https://prod.example/api/v1/images/worker", "{}")
            .ok());
  }
  core::Result<core::Task> Get(const std::string& id) {
    return Tx([&] { return service.GetTask(kQ + "/tasks/" + id, core::TaskView::kFull); });
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "503, 404, 200: the headers the real service sends (spec 6.1)") {
  CreateQueue(500, 1000, core::RetryConfig{0, {}, seconds(10), seconds(300), 3});
  CreateTask("t1");
  Step();
  REQUIRE(pusher.sent.size() == 1);
  const core::PushRequest& first = pusher.sent[0].request;
  CHECK(first.url == "http://127.0.0.1:9/api/v1/images/worker");  // --rewrite
  CHECK(first.method == "POST");
  CHECK(first.body == "{}");
  CHECK(Header(first, "User-Agent") == "Google-Cloud-Tasks");
  CHECK(Header(first, "X-CloudTasks-QueueName") == "q");
  CHECK(Header(first, "X-CloudTasks-TaskName") == "t1");
  CHECK(Header(first, "X-CloudTasks-TaskRetryCount") == "0");
  CHECK(Header(first, "X-CloudTasks-TaskExecutionCount") == "0");
  CHECK(Header(first, "X-CloudTasks-TaskETA") == "1795982400.000000");
  CHECK(Header(first, "X-CloudTasks-TaskPreviousResponse") == "<absent>");
  CHECK(Header(first, "Content-Type") == "<absent>");
  auto running = Get("t1");
  CHECK(running->dispatch_count == 1);
  CHECK(running->last_attempt->dispatch_time == kStart);
  CHECK_FALSE(running->last_attempt->response_time.has_value());
  CHECK(running->http_request->url == "https://prod.example/api/v1/images/worker");

  clock.Advance(milliseconds(30));
  Answer(503);
  auto failed = Get("t1");
  CHECK(failed->schedule_time == kStart + milliseconds(30) + seconds(10));
  CHECK(failed->response_count == 1);
  CHECK(failed->last_attempt->response_status->code == 14);
  CHECK(Step() == kStart + milliseconds(30) + seconds(10));
  CHECK(pusher.sent.size() == 1);
  clock.Advance(seconds(10));
  Step();
  REQUIRE(pusher.sent.size() == 2);
  const core::PushRequest& second = pusher.sent[1].request;
  CHECK(Header(second, "X-CloudTasks-TaskRetryCount") == "1");
  CHECK(Header(second, "X-CloudTasks-TaskExecutionCount") == "0");
  CHECK(Header(second, "X-CloudTasks-TaskPreviousResponse") == "503");
  CHECK(Header(second, "X-CloudTasks-TaskRetryReason") == "");
  Answer(404);
  clock.Advance(seconds(20));
  Step();
  REQUIRE(pusher.sent.size() == 3);
  const core::PushRequest& third = pusher.sent[2].request;
  CHECK(Header(third, "X-CloudTasks-TaskRetryCount") == "2");
  CHECK(Header(third, "X-CloudTasks-TaskExecutionCount") == "1");
  CHECK(Header(third, "X-CloudTasks-TaskPreviousResponse") == "404");
  Answer(200);
  auto gone = Get("t1");
  CHECK(gone.status().code() == core::Code::kNotFound);
  CHECK(gone.status().message().rfind("The task no longer exists", 0) == 0);
}

// Ten thousand queues with nothing due must cost nothing: a Step looks at the queues a change
// woke (a new task, an outcome) or whose time has come, never at all of them.
TEST_CASE_FIXTURE(Fixture, "a step looks only at the queues whose time has come") {
  constexpr int kQueues = 1000;
  auto name = [](int i) { return "projects/p/locations/l/queues/many" + std::to_string(i); };
  for (int i = 0; i < kQueues; ++i) {
    core::Queue q;
    q.name = name(i);
    DispatchRig::CreateQueue(q);
    REQUIRE(DispatchRig::CreateTask(q.name, "later", hours(1) + seconds(i), "http://w/", "").ok());
  }
  CHECK(Step() == kStart + hours(1));
  uint64_t looks = dispatcher.QueueLooks();
  CHECK(Step() == kStart + hours(1));  // Nothing due, nothing changed: no queue looked at.
  CHECK(dispatcher.QueueLooks() == looks);
  REQUIRE(DispatchRig::CreateTask(name(7), "now", seconds(0), "http://w/", "").ok());
  CHECK(Step() == kStart + minutes(10));  // The deadline of the request it sent.
  CHECK(pusher.sent.size() == 1);
  CHECK(dispatcher.QueueLooks() == looks + 1);
  Answer(200);  // The outcome wakes its queue only.
  CHECK(Step() == kStart + hours(1));
  CHECK(dispatcher.QueueLooks() == looks + 2);
  clock.Advance(hours(1) + seconds(2));  // Three queues' tasks are due now.
  Step();
  CHECK(pusher.sent.size() == 4);
  CHECK(dispatcher.QueueLooks() == looks + 5);
  clock.Advance(seconds(kQueues));
  // 997 queues' tasks are due: a step sends at most 256, then asks to run again at once.
  CHECK(Step() == clock.Now());
  CHECK(pusher.sent.size() == 4 + 256);
  for (int i = 0; i < 3; ++i) Step();
  CHECK(pusher.sent.size() == kQueues + 1);
}

namespace {

// Queues named by `ids` in `rig` (500/s: bursts of 100), each with `n` tasks due now.
void FillQueues(testing::DispatchRig& rig, const std::string& ids, int n) {
  for (char id : ids) {
    core::Queue q;
    q.name = std::string("projects/p/locations/l/queues/") + id;
    rig.CreateQueue(q);
    for (int i = 0; i < n; ++i) {
      REQUIRE(rig.CreateTask(q.name, "t" + std::to_string(i), seconds(0), "http://w/", "").ok());
    }
  }
}

// How many requests of `pusher` went to each of the queues `ids`: "a=90 b=90 c=76 d=0".
std::string PerQueue(const testing::FakePusher& pusher, const std::string& ids) {
  std::map<std::string, int> n;
  for (const auto& s : pusher.sent) ++n[Header(s.request, "X-CloudTasks-QueueName")];
  std::string out;
  for (char id : ids) {
    out += (out.empty() ? "" : " ") + std::string(1, id) + "=" + std::to_string(n[{id}]);
  }
  return out;
}

}  // namespace

// Issue 17: a step of 100 queues at 500/s sent 10,000 tasks, and no API call was answered
// meanwhile. Now 256 at most; the next step starts with the queues the last one did not reach.
TEST_CASE_FIXTURE(Fixture, "a step sends at most 256 tasks, and the next one goes on from there") {
  FillQueues(*this, "abcd", 90);
  CHECK(Step() == kStart);
  CHECK(PerQueue(pusher, "abcd") == "a=90 b=90 c=76 d=0");
  Step();
  CHECK(PerQueue(pusher, "abcd") == "a=90 b=90 c=90 d=90");
  CHECK(Header(pusher.sent[256].request, "X-CloudTasks-QueueName") == "d");  // Missed last time.
}

namespace {

// A Fixture whose dispatcher keeps at most 3 requests in flight over all queues.
struct Bounded : Parts, testing::DispatchRig {
  Bounded() : DispatchRig(*store, pusher, Options()) {}
  static dispatch::DispatcherOptions Options() {
    dispatch::DispatcherOptions o;
    o.max_in_flight = 3;
    return o;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Bounded, "max_in_flight bounds the requests in flight over all queues") {
  FillQueues(*this, "abc", 2);
  Step();
  CHECK(PerQueue(pusher, "abc") == "a=2 b=1 c=0");
  CHECK(dispatcher.InFlight() == 3);
  CHECK(Step() == kStart + minutes(10));  // No room: only an outcome (or a deadline) makes some.
  CHECK(pusher.sent.size() == 3);
  // Answered requests leave the fake pusher's list empty-handed: look at the new ones only.
  auto queue_of = [&](size_t i) {
    return Header(pusher.sent[i].request, "X-CloudTasks-QueueName");
  };
  pusher.Answer(200);  // Ends a request of "a": the queues left waiting may go on.
  DrainEach();
  Step();
  REQUIRE(pusher.sent.size() == 4);
  CHECK(queue_of(3) == "c");  // "c" first: the last step did not reach it.
  CHECK(dispatcher.InFlight() == 3);
  for (int i = 0; i < 3; ++i) pusher.Answer(200);
  DrainEach();
  Step();
  REQUIRE(pusher.sent.size() == 6);
  CHECK(queue_of(4) == "b");
  CHECK(queue_of(5) == "c");
  for (int i = 0; i < 2; ++i) pusher.Answer(200);
  DrainEach();
  CHECK(Step() == std::nullopt);
  CHECK(dispatcher.InFlight() == 0);
}

TEST_CASE_FIXTURE(Fixture, "the token bucket: a burst, then the rate") {
  CreateQueue(10, 1000);
  for (int i = 0; i < 30; ++i) CreateTask("t" + std::to_string(i));
  auto wake = Step();
  CHECK(pusher.sent.size() == 10);  // max_burst_size = ceil(10).
  REQUIRE(wake.has_value());
  CHECK(*wake > kStart);
  CHECK(*wake <= kStart + milliseconds(101));
  clock.Advance(milliseconds(100));
  Step();
  CHECK(pusher.sent.size() == 11);
  clock.Advance(seconds(1));
  Step();
  CHECK(pusher.sent.size() == 21);
  // Oldest schedule time first.
  CHECK(Header(pusher.sent[0].request, "X-CloudTasks-TaskName") == "t0");
}

TEST_CASE_FIXTURE(Fixture, "at most max_concurrent_dispatches requests in flight") {
  CreateQueue(500, 2);
  for (int i = 0; i < 5; ++i) CreateTask("t" + std::to_string(i));
  // Only a result can make room, or the deadline of the requests in flight (10 min).
  CHECK(Step() == kStart + minutes(10));
  CHECK(pusher.Open() == 2);
  Answer(200);
  Step();
  CHECK(pusher.Open() == 2);
  CHECK(pusher.sent.size() == 3);
}

TEST_CASE_FIXTURE(Fixture, "max_attempts: the task is deleted after its last failed attempt") {
  CreateQueue(500, 1000, core::RetryConfig{2, {}, seconds(1), seconds(1), 0});
  CreateTask("t");
  Step();
  Answer(500);
  clock.Advance(seconds(1));
  Step();
  REQUIRE(pusher.sent.size() == 2);
  pusher.Fail(core::PushResult::Outcome::kDeadlineExceeded);
  Drain();
  CHECK(Get("t").status().code() == core::Code::kNotFound);
  clock.Advance(hours(1));
  CHECK_FALSE(Step().has_value());
  // The counters: a 5xx and a timeout; one retry, then given up.
  auto counters = dispatcher.Activity().at(0).counters;
  CHECK(counters.ended[static_cast<size_t>(core::AttemptEnd::k5xx)] == 1);
  CHECK(counters.ended[static_cast<size_t>(core::AttemptEnd::kDeadlineExceeded)] == 1);
  CHECK(counters.retried == 1);
  CHECK(counters.given_up == 1);
  CHECK(counters.succeeded == 0);
}

TEST_CASE_FIXTURE(Fixture, "a timeout counts no response and reports 504 next time") {
  CreateQueue(500, 1000, core::RetryConfig{0, {}, seconds(1), seconds(1), 0});
  CreateTask("t");
  Step();
  pusher.Fail(core::PushResult::Outcome::kDeadlineExceeded);
  Drain();
  auto t = Get("t");
  CHECK(t->response_count == 0);
  CHECK(t->last_attempt->response_status->code == 4);
  clock.Advance(seconds(1));
  Step();
  REQUIRE(pusher.sent.size() == 2);
  CHECK(Header(pusher.sent[1].request, "X-CloudTasks-TaskPreviousResponse") == "504");
}

TEST_CASE_FIXTURE(Fixture, "pause stops dispatch, RunTask goes past it, resume restarts") {
  CreateQueue();
  REQUIRE(Tx([&] { return service.PauseQueue(kQ).ok(); }));
  CreateTask("a");
  CreateTask("b");
  Step();
  CHECK(pusher.sent.empty());
  auto run = Tx([&] { return service.RunTask(kQ + "/tasks/a", core::TaskView::kBasic); });
  REQUIRE(run.ok());
  CHECK(run->dispatch_count == 1);
  CHECK(run->last_attempt->dispatch_time == kStart);
  CHECK_FALSE(run->last_attempt->response_time.has_value());
  CHECK(pusher.sent.size() == 1);
  REQUIRE(Tx([&] { return service.ResumeQueue(kQ).ok(); }));
  Step();
  CHECK(pusher.sent.size() == 2);  // Only b: a is in flight.
}

TEST_CASE_FIXTURE(Fixture, "a task deleted or purged while in flight is never retried") {
  CreateQueue();
  CreateTask("a");
  CreateTask("b");
  Step();
  REQUIRE(pusher.Open() == 2);
  REQUIRE(Tx([&] { return service.DeleteTask(kQ + "/tasks/a").ok(); }));
  REQUIRE(Tx([&] { return service.PurgeQueue(kQ).ok(); }));
  Answer(500);
  Answer(500);
  clock.Advance(hours(2));
  CHECK_FALSE(Step().has_value());
  CHECK(pusher.sent.size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "429 with Retry-After slows the whole queue down") {
  CreateQueue(500, 1000, core::RetryConfig{0, {}, seconds(1), seconds(1), 0});
  CreateTask("a");
  Step();
  Answer(429, seconds(30));
  CreateTask("b");
  Step();
  CHECK(pusher.sent.size() == 1);
  clock.Advance(seconds(29));
  Step();
  CHECK(pusher.sent.size() == 1);
  clock.Advance(seconds(2));
  Step();
  CHECK(pusher.sent.size() == 3);
}

TEST_CASE_FIXTURE(Fixture, "future tasks wait for their schedule time") {
  CreateQueue();
  CreateTask("later", seconds(90));
  CHECK(Step() == kStart + seconds(90));
  clock.Advance(seconds(89));
  Step();
  CHECK(pusher.sent.empty());
  clock.Advance(seconds(1));
  Step();
  CHECK(pusher.sent.size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "after a crash, in-flight tasks are sent again") {
  CreateQueue();
  CreateTask("a");
  Step();
  REQUIRE(pusher.Open() == 1);
  testing::FakePusher after_restart;
  dispatch::Dispatcher restarted(*store, clock, after_restart, [](auto, auto) {}, {});
  Tx([&] { return restarted.Recover().ok(); });
  StepOf(restarted);
  REQUIRE(after_restart.sent.size() == 1);
  CHECK(Header(after_restart.sent[0].request, "X-CloudTasks-TaskRetryCount") == "1");
}

TEST_CASE_FIXTURE(Fixture, "the dispatch deadline runs on the emulator's clock") {
  CreateQueue(500, 1000, core::RetryConfig{0, {}, seconds(1), seconds(1), 0});
  CreateTask("slow");
  // The step that sends asks to run again by the request's deadline (10 min by default): a
  // caller that sleeps until the wake-up it is given still times the request out.
  CHECK(Step() == kStart + minutes(10));
  REQUIRE(pusher.Open() == 1);
  CHECK(pusher.sent[0].request.deadline ==
        core::Duration(hours(24)));  // Manual clock: no real limit.
  clock.Advance(minutes(10) - milliseconds(1));
  Step();
  CHECK(pusher.cancelled.empty());
  clock.Advance(milliseconds(1));
  Step();
  REQUIRE(pusher.cancelled == std::vector<uint64_t>{0});
  auto t = Get("slow");
  CHECK(t->last_attempt->response_status->code == 4);
  CHECK(t->previous_response == 504);
  CHECK(t->schedule_time == kStart + minutes(10) + seconds(1));
  pusher.Answer(200);  // The cancelled request's late result is discarded.
  Drain();
  CHECK(Get("slow").ok());
}

// ---------------------------------------------------------------------------------------------
// The counters of /emulator/v1/stats and /metrics, against figures worked out by hand.

namespace {

core::QueueCounters CountersOf(dispatch::Dispatcher& d) {
  auto activity = d.Activity();
  REQUIRE(activity.size() == 1);
  return activity[0].counters;
}

int64_t Ended(const core::QueueCounters& c, core::AttemptEnd end) {
  return c.ended[static_cast<size_t>(end)];
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "the counters of 503, 404, 200: one task, three attempts") {
  using core::AttemptEnd;
  CreateQueue(500, 1000, core::RetryConfig{0, {}, seconds(10), seconds(300), 3});
  CreateTask("t1");
  Step();
  clock.Advance(milliseconds(30));
  Answer(503);
  clock.Advance(seconds(12));  // Due 10 s after the answer: sent 2 s late.
  Step();
  Answer(404);
  clock.Advance(seconds(20));  // Due 20 s after: sent on time.
  Step();
  Answer(200);
  core::QueueCounters c = CountersOf(dispatcher);
  CHECK(c.created == 1);
  CHECK(c.dispatched == 3);
  CHECK(Ended(c, AttemptEnd::k5xx) == 1);
  CHECK(Ended(c, AttemptEnd::k4xx) == 1);
  CHECK(Ended(c, AttemptEnd::k2xx) == 1);
  CHECK(Ended(c, AttemptEnd::kDeadlineExceeded) == 0);
  CHECK(c.retried == 2);
  CHECK(c.succeeded == 1);
  CHECK(c.given_up == 0);
  CHECK(c.dispatch_latency.Count() == 3);
  // Schedule lags 0, 2 s and 0: two in the first bucket (1 ms), one in the 5 s one.
  CHECK(c.schedule_lag.Count() == 3);
  CHECK(c.schedule_lag.counts[0] == 2);
  CHECK(c.schedule_lag.counts[7] == 1);
  CHECK(core::kScheduleLagBoundsUs[7] == 5'000'000);
  CHECK(c.schedule_lag.sum == 2'000'000);
}

TEST_CASE_FIXTURE(Fixture, "the counters of a discarded attempt, and of a rollback") {
  using core::AttemptEnd;
  CreateQueue();
  CreateTask("t");
  Step();
  Answer(200);
  // Deleted while in flight: its answer is discarded, and counts in no latency.
  CreateTask("d");
  Step();
  REQUIRE(Tx([&] { return service.DeleteTask(kQ + "/tasks/d").ok(); }));
  Answer(200);
  core::QueueCounters c = CountersOf(dispatcher);
  CHECK(c.created == 2);
  CHECK(c.dispatched == 2);
  CHECK(Ended(c, AttemptEnd::kDiscarded) == 1);
  CHECK(Ended(c, AttemptEnd::k2xx) == 1);
  CHECK(c.succeeded == 1);
  CHECK(c.dispatch_latency.Count() == 1);

  // A step, and a CreateTask, whose transaction is rolled back count nothing.
  core::Task undone;
  undone.http_request.emplace();
  undone.http_request->url = testing::kRigWorkUrl;
  CHECK_FALSE(Run([&] {
                REQUIRE(service.CreateTask(kQ, undone, core::TaskView::kBasic).ok());
                REQUIRE(dispatcher.Step().ok());
                CHECK(CountersOf(dispatcher).dispatched == 3);
                return core::Internal("undone");
              }).ok());
  c = CountersOf(dispatcher);
  CHECK(c.created == 2);
  CHECK(c.dispatched == 2);
  CHECK(c.schedule_lag.Count() == 2);
}
