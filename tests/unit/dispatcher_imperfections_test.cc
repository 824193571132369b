// The Dispatcher with Cloud Tasks' imperfections turned on (DispatcherOptions::imperfections):
// duplicates and extra delay. With them off, dispatcher_test.cc runs unchanged.
#include <set>

#include <doctest/doctest.h>

#include "dispatch/dispatcher.h"
#include "store/sqlite_store.h"
#include "support/dispatch_rig.h"
#include "support/fake_pusher.h"

using namespace cte;
using namespace std::chrono;
using core::AttemptLogEntry;
using core::TimePoint;

namespace {

using testing::Header;
const TimePoint kStart = testing::kRigStart;
const std::string kQ = "projects/p/locations/l/queues/q";

dispatch::DispatcherOptions Imperfect(double duplicate_rate,
                                      std::optional<core::Latency> extra_delay = std::nullopt,
                                      uint64_t seed = 1) {
  dispatch::DispatcherOptions o;
  o.imperfections = core::Imperfections{duplicate_rate, std::move(extra_delay)};
  o.imperfection_seed = seed;
  return o;
}

core::Latency Fixed(core::Duration d) { return core::Latency{core::Latency::Fixed{d}}; }

struct Parts {
  std::unique_ptr<store::SqliteStore> store =
      std::move(store::SqliteStore::Open(":memory:").value());
  testing::FakePusher pusher;
  std::vector<AttemptLogEntry> reported;  // By on_attempt.
};

struct Fixture : Parts, testing::DispatchRig {
  explicit Fixture(dispatch::DispatcherOptions options = Imperfect(1))
      : DispatchRig(*store, pusher, Reporting(std::move(options))) {}

  dispatch::DispatcherOptions Reporting(dispatch::DispatcherOptions o) {
    o.on_attempt = [this](const AttemptLogEntry& e) { reported.push_back(e); };
    return o;
  }
  void CreateQueue(int concurrent = 1000) {
    core::Queue q;
    q.name = kQ;
    q.rate_limits.max_dispatches_per_second = 500;
    q.rate_limits.max_concurrent_dispatches = concurrent;
    q.retry_config = core::RetryConfig{0, {}, seconds(1), seconds(1), 0};
    DispatchRig::CreateQueue(q);
  }
  void CreateTask(const std::string& id) {
    REQUIRE(DispatchRig::CreateTask(kQ, id, core::Duration(0), testing::kRigWorkUrl, "{}").ok());
  }
  core::Result<core::Task> Get(const std::string& id) {
    return Tx([&] { return service.GetTask(kQ + "/tasks/" + id, core::TaskView::kBasic); });
  }
  // Ends push `i` (in the order sent) with an HTTP status, and records it.
  void Answer(size_t i, int status) {
    core::PushResult r;
    r.outcome = core::PushResult::Outcome::kResponse;
    r.http_status = status;
    pusher.sent[i].done(r);
    DrainEach();
  }
  std::vector<AttemptLogEntry> Attempts() {
    return Tx([&] { return store->attempts().List("", "", 0, 100).value(); });
  }
  std::string TaskOf(size_t i) { return Header(pusher.sent[i].request, "X-CloudTasks-TaskName"); }
};

void CheckSameRequest(const core::PushRequest& a, const core::PushRequest& b) {
  CHECK(a.method == b.method);
  CHECK(a.url == b.url);
  CHECK(a.headers == b.headers);
  CHECK(a.body == b.body);
  CHECK(a.deadline == b.deadline);
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "duplicate rate 1: every attempt goes out twice, the same request") {
  CreateQueue();
  CreateTask("t");
  Step();
  REQUIRE(pusher.sent.size() == 2);
  CheckSameRequest(pusher.sent[0].request, pusher.sent[1].request);
  CHECK(Header(pusher.sent[1].request, "X-CloudTasks-TaskRetryCount") == "0");
  CHECK(pusher.sent[1].request.delay == core::Duration(0));
  Answer(0, 503);  // The first delivery's outcome counts: the task is retried.
  Answer(1, 200);  // The duplicate's does not.
  auto t = Get("t");
  REQUIRE(t.ok());
  CHECK(t->dispatch_count == 1);
  CHECK(t->schedule_time == kStart + seconds(1));
  clock.Advance(seconds(1));
  Step();
  REQUIRE(pusher.sent.size() == 4);  // Attempt 2, twice.
  CheckSameRequest(pusher.sent[2].request, pusher.sent[3].request);
  CHECK(Header(pusher.sent[3].request, "X-CloudTasks-TaskRetryCount") == "1");
  CHECK(Header(pusher.sent[3].request, "X-CloudTasks-TaskPreviousResponse") == "503");
  Answer(2, 200);
  CHECK(Get("t").status().code() == core::Code::kNotFound);

  auto log = Attempts();
  REQUIRE(log.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(log[i].attempt == static_cast<int>(1 + i / 2));
    CHECK(log[i].duplicate == (i % 2 == 1));
    CHECK(log[i].dispatch_time == log[i - i % 2].dispatch_time);
  }
  CHECK(log[0].http_status == 503);
  CHECK(log[1].http_status == 200);
  CHECK(log[1].outcome == AttemptLogEntry::Outcome::kResponse);
  CHECK(log[2].http_status == 200);
  CHECK(log[3].outcome == AttemptLogEntry::Outcome::kInFlight);  // Still out.
  CHECK(dispatcher.InFlight() == 1);
  Answer(3, 200);
  CHECK(Attempts()[3].http_status == 200);
  CHECK(dispatcher.InFlight() == 0);
  // on_attempt heard of every delivery, in the order they ended, the duplicates marked.
  REQUIRE(reported.size() == 4);
  CHECK(reported[0].attempt == 1);
  CHECK_FALSE(reported[0].duplicate);
  CHECK(reported[1].duplicate);
  CHECK_FALSE(reported[2].duplicate);
  CHECK(reported[3].duplicate);
}

TEST_CASE_FIXTURE(Fixture, "a duplicate's 500 does not retry a task whose first delivery got 200") {
  CreateQueue();
  CreateTask("t");
  Step();
  REQUIRE(pusher.sent.size() == 2);
  Answer(1, 500);  // The duplicate answers first.
  REQUIRE(Get("t").ok());
  CHECK(Get("t")->dispatch_count == 1);
  Answer(0, 200);
  CHECK(Get("t").status().code() == core::Code::kNotFound);
  clock.Advance(hours(1));
  CHECK_FALSE(Step().has_value());
  CHECK(pusher.sent.size() == 2);
  auto stats = dispatcher.Activity();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].counters.dispatched == 1);
  CHECK(stats[0].counters.succeeded == 1);
  CHECK(stats[0].counters.retried == 0);
}

TEST_CASE_FIXTURE(Fixture, "duplicates take no place in max_concurrent_dispatches") {
  CreateQueue(1);
  CreateTask("a");
  CreateTask("b");
  Step();
  REQUIRE(pusher.sent.size() == 2);  // a and its duplicate: one place taken.
  auto activity = dispatcher.Activity();
  CHECK(activity[0].in_flight == 1);
  CHECK(activity[0].duplicates_in_flight == 1);
  Answer(0, 200);
  Step();
  REQUIRE(pusher.sent.size() == 4);  // b goes while a's duplicate is still out.
  CHECK(TaskOf(2) == "b");
  CHECK(TaskOf(3) == "b");
  CHECK(dispatcher.Activity()[0].duplicates_in_flight == 2);
}

TEST_CASE_FIXTURE(Fixture,
                  "a duplicate never answered ends at its deadline, a timeout in the log") {
  CreateQueue();
  CreateTask("t");
  CHECK(Step() == kStart + minutes(10));
  Answer(0, 200);
  CHECK(Step() == kStart + minutes(10));  // The duplicate's deadline.
  clock.Advance(minutes(10));
  CHECK_FALSE(Step().has_value());
  CHECK(pusher.cancelled == std::vector<uint64_t>{1});
  auto log = Attempts();
  REQUIRE(log.size() == 2);
  CHECK(log[1].duplicate);
  CHECK(log[1].outcome == AttemptLogEntry::Outcome::kDeadlineExceeded);
  CHECK(dispatcher.InFlight() == 0);
  Answer(1, 200);  // The cancelled duplicate's late result is dropped.
  CHECK(Attempts()[1].outcome == AttemptLogEntry::Outcome::kDeadlineExceeded);
}

TEST_CASE_FIXTURE(Fixture, "a duplicate's outcome whose record did not run is recorded later") {
  CreateQueue();
  CreateTask("t");
  Step();
  core::PushResult r;
  r.outcome = core::PushResult::Outcome::kResponse;
  r.http_status = 500;
  pusher.sent[1].done(r);
  Drop();  // Its job never ran (the executor stopped): the outcome is kept.
  CHECK(Attempts()[1].outcome == AttemptLogEntry::Outcome::kInFlight);
  CHECK(dispatcher.InFlight() == 2);
  Step();
  auto log = Attempts();
  CHECK(log[1].outcome == AttemptLogEntry::Outcome::kResponse);
  CHECK(log[1].http_status == 500);
  CHECK(dispatcher.InFlight() == 1);
  REQUIRE(Get("t").ok());  // The task still waits for its first delivery.
  CHECK(Get("t")->dispatch_count == 1);
}

TEST_CASE_FIXTURE(Fixture, "a reset forgets the duplicates in flight") {
  CreateQueue();
  CreateTask("t");
  Step();
  Tx([&] {
    dispatcher.Reset("");
    return true;
  });
  CHECK(dispatcher.InFlight() == 0);
  CHECK(pusher.cancelled.size() == 2);
  Answer(1, 200);  // Late: nothing to record.
  CHECK(dispatcher.InFlight() == 0);
}

TEST_CASE("the extra delay is in the PushRequest, and the deadline counts from after it") {
  Fixture f(Imperfect(0, Fixed(milliseconds(1500))));
  f.CreateQueue();
  f.CreateTask("t");
  CHECK(f.Step() == kStart + milliseconds(1500) + minutes(10));
  REQUIRE(f.pusher.sent.size() == 1);  // No duplicate at rate 0.
  // Manual clock: the delay stays in emulator time (what SimPusher reads).
  CHECK(f.pusher.sent[0].request.delay == milliseconds(1500));
  CHECK(f.pusher.sent[0].request.deadline == core::Duration(hours(24)));
  auto t = f.Get("t");
  CHECK(t->last_attempt->dispatch_time == kStart);  // When the queue let it go.
  CHECK(f.Attempts()[0].dispatch_time == kStart);
  f.clock.Advance(minutes(10) + milliseconds(1499));
  f.Step();
  CHECK(f.pusher.cancelled.empty());
  f.clock.Advance(milliseconds(1));
  f.Step();
  CHECK(f.pusher.cancelled.size() == 1);
}

TEST_CASE("a duplicate draws its own delay; the draws are DrawImperfection's") {
  core::Latency uniform{core::Latency::Uniform{seconds(0), seconds(2)}};
  Fixture f(Imperfect(1, uniform, 9));
  f.CreateQueue();
  f.CreateTask("t");
  f.Step();
  REQUIRE(f.pusher.sent.size() == 2);
  core::AttemptImperfection drawn =
      core::DrawImperfection(core::Imperfections{1, uniform}, 9, kQ + "/tasks/t", 1);
  CHECK(f.pusher.sent[0].request.delay == drawn.delay);
  CHECK(f.pusher.sent[1].request.delay == drawn.duplicate_delay);
  CHECK(drawn.delay != drawn.duplicate_delay);
}

TEST_CASE("the same seed gives the same duplicates, another seed others") {
  auto duplicated = [](uint64_t seed) {
    Fixture f(Imperfect(0.5, std::nullopt, seed));
    f.CreateQueue();
    for (int i = 0; i < 40; ++i) f.CreateTask("t" + std::to_string(i));
    f.Step();
    std::multiset<std::string> sent;
    for (size_t i = 0; i < f.pusher.sent.size(); ++i) sent.insert(f.TaskOf(i));
    std::set<std::string> twice;
    for (const std::string& t : sent) {
      if (sent.count(t) == 2) twice.insert(t);
    }
    CHECK(sent.size() == 40 + twice.size());
    return twice;
  };
  std::set<std::string> a = duplicated(3);
  CHECK(a == duplicated(3));
  CHECK(a != duplicated(4));
  CHECK(a.size() > 5);  // About 20 of 40.
  CHECK(a.size() < 35);
  for (int i = 0; i < 40; ++i) {
    std::string id = "t" + std::to_string(i);
    CHECK(a.count(id) ==
          core::DrawImperfection(core::Imperfections{0.5, std::nullopt}, 3, kQ + "/tasks/" + id, 1)
              .duplicate);
  }
}
