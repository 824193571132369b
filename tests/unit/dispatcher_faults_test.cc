// The dispatcher under storage and push failures: a Step, a commit or an outcome's record that
// fails must neither lose a task, nor send it twice, nor leave it in flight (dispatcher.h).
#include <algorithm>
#include <deque>

#include <doctest/doctest.h>

#include "core/messages.h"
#include "harness/harness.h"
#include "store/sqlite_store.h"
#include "support/dispatch_rig.h"
#include "support/failing_pusher.h"
#include "support/failing_store.h"
#include "support/fake_pusher.h"

using namespace cte;
using namespace std::chrono;
using core::Code;
using core::TimePoint;
using Op = testing::FailingStore::Op;
using PushOutcome = core::PushResult::Outcome;
using LogOutcome = core::AttemptLogEntry::Outcome;

namespace {

using testing::Header;
const TimePoint kStart = testing::kRigStart;
const std::string kParent = "projects/p/locations/l";
const std::string kQ = kParent + "/queues/q";
// The documented vector (spec 4.5): retries after 10, 20, 40, 80, 160, 240, 300, 300 s.
const core::RetryConfig kRetry{0, {}, seconds(10), seconds(300), 3};

struct Parts {
  std::unique_ptr<store::SqliteStore> inner =
      std::move(store::SqliteStore::Open(":memory:").value());
  testing::FailingStore store{*inner};
  testing::FakePusher fake;
  testing::FailingPusher pusher{fake};
};

// The dispatcher (and the service and harness) over a FailingStore around SQLite :memory:, on a
// manual clock, pushing through a FailingPusher to a FakePusher. Outcomes the pushers report are
// posted as jobs and run by Drain() in one executor batch, as the store's thread would.
struct Fixture : Parts, testing::DispatchRig {
  Fixture() : DispatchRig(store, pusher) {}

  harness::Harness harness{store, service, dispatcher, clock, &clock, {"manual", 1, {}}};

  // Runs `f` on the store behind the failures, in a transaction that is rolled back: for looking.
  template <typename F>
  auto Peek(F&& f) {
    REQUIRE(inner->Begin().ok());
    auto r = f();
    inner->Rollback();
    return r;
  }

  void Step() { REQUIRE(TryStep().ok()); }
  void Drain() { DrainBatch(); }

  void CreateQueue(double rate = 500, core::RetryConfig retry = kRetry) {
    core::Queue q;
    q.name = kQ;
    q.rate_limits.max_dispatches_per_second = rate;
    q.retry_config = retry;
    DispatchRig::CreateQueue(q);
  }
  void CreateTask(const std::string& id) { REQUIRE(DispatchRig::CreateTask(kQ, id).ok()); }

  // The task as stored (nullopt when gone).
  std::optional<core::Task> Task(const std::string& id) {
    auto t = Peek([&] { return inner->tasks().Find(kQ + "/tasks/" + id); });
    REQUIRE(t.ok());
    return *t;
  }
  // Whether the stored task waits to be sent (it exists and is not in flight).
  bool Waiting(const std::string& id) {
    auto due = Peek([&] { return inner->tasks().Due(kQ, kStart + hours(1000), 1000); });
    REQUIRE(due.ok());
    return std::any_of(due->begin(), due->end(),
                       [&](const core::Task& t) { return t.name == kQ + "/tasks/" + id; });
  }
  std::vector<core::AttemptLogEntry> Attempts() {
    auto a = Peek([&] { return inner->attempts().List("", "", 0, 100); });
    REQUIRE(a.ok());
    return *a;
  }
  dispatch::QueueActivity Activity() {
    auto all = Peek([&] { return dispatcher.Activity(); });
    for (const auto& a : all) {
      if (a.name == kQ) return a;
    }
    return {};
  }
  std::string SentHeader(size_t i, const std::string& name) {
    REQUIRE(fake.sent.size() > i);
    return Header(fake.sent[i].request, name);
  }
};

const core::Status kDiskError = core::Internal("disk I/O error");

}  // namespace

TEST_CASE("dispatcher faults: a Step whose write fails sends nothing, and the next Step sends") {
  struct Row {
    std::string failing;
    int nth_write;  // 1: UpdateState marking the task in flight; 2: the attempt's Insert.
    bool ends_transaction;
  };
  const Row rows[] = {{"UpdateState", 1, false},
                      {"UpdateState, ending the transaction", 1, true},
                      {"the attempt's Insert", 2, false},
                      {"the attempt's Insert, ending the transaction", 2, true}};
  for (const Row& row : rows) {
    CAPTURE(row.failing);
    Fixture f;
    f.CreateQueue();
    f.CreateTask("t");
    f.store.FailNth(Op::kWrite, row.nth_write, kDiskError, row.ends_transaction);
    core::Status s = f.TryStep();
    CHECK(s.code() == Code::kInternal);
    CHECK(s.message() == "disk I/O error");
    CHECK(f.fake.sent.empty());
    CHECK(f.dispatcher.InFlight() == 0);
    CHECK(f.Waiting("t"));
    CHECK(f.Task("t")->dispatch_count == 0);
    CHECK(f.Attempts().empty());
    CHECK(f.Activity().counters.dispatched == 0);
    CHECK(f.Activity().in_flight == 0);

    f.Step();
    REQUIRE(f.fake.sent.size() == 1);
    CHECK(f.SentHeader(0, "X-CloudTasks-TaskRetryCount") == "0");
    CHECK(f.dispatcher.InFlight() == 1);
    CHECK_FALSE(f.Waiting("t"));
    CHECK(f.Task("t")->dispatch_count == 1);
    CHECK(f.Attempts().size() == 1);
    f.Step();
    CHECK(f.fake.sent.size() == 1);  // Exactly once.
    f.fake.Answer(200);
    f.Drain();
    f.Step();
    CHECK(f.fake.sent.size() == 1);
    CHECK_FALSE(f.Task("t").has_value());
    CHECK(f.Activity().counters.dispatched == 1);
  }
}

// With a rate of 1/s the bucket holds one token: the task sent by the failed step must give it
// back, or the next step could not send it.
TEST_CASE("dispatcher faults: a commit that fails undoes what the Step sent") {
  for (double rate : {500.0, 1.0}) {
    CAPTURE(rate);
    Fixture f;
    f.CreateQueue(rate);
    f.CreateTask("a");
    f.Step();
    REQUIRE(f.fake.sent.size() == 1);
    f.clock.Advance(seconds(1));  // A token for the next one.
    f.CreateTask("b");
    f.store.FailNth(Op::kCommit, 1, kDiskError);
    CHECK(f.TryStep().code() == Code::kInternal);
    CHECK(f.fake.sent.size() == 1);
    CHECK(f.dispatcher.InFlight() == 1);
    CHECK(f.Waiting("b"));
    CHECK(f.Task("b")->dispatch_count == 0);
    CHECK(f.Attempts().size() == 1);
    auto before = f.Activity();
    CHECK(before.in_flight == 1);
    CHECK(before.counters.dispatched == 1);
    CHECK(before.dispatch_rate == doctest::Approx(0.1));  // a alone in the last 10 s.

    f.Step();  // Same time: b goes now.
    REQUIRE(f.fake.sent.size() == 2);
    CHECK(f.SentHeader(1, "X-CloudTasks-TaskName") == "b");
    CHECK(f.SentHeader(1, "X-CloudTasks-TaskRetryCount") == "0");
    CHECK(f.dispatcher.InFlight() == 2);
    CHECK_FALSE(f.Waiting("b"));
    CHECK(f.Attempts().size() == 2);
    CHECK(f.Activity().counters.dispatched == 2);
    CHECK(f.Activity().dispatch_rate == doctest::Approx(0.2));
    f.Step();
    CHECK(f.fake.sent.size() == 2);
  }
}

// The task goes out at T; the worker answers at T + 30 ms, and that answer's record fails. The
// store heals at T + 5.03 s. The answer counts from when it came (spec 4.5: a 503 is retried
// 10 s after the failure, at T + 10.03 s).
TEST_CASE("dispatcher faults: an outcome whose record fails is recorded once the store heals") {
  enum class Way { kFirstWrite, kLastWrite, kEndingWrite, kCommit, kRelease, kBegin, kNeverRun };
  struct Row {
    std::string how;
    Way way;
  };
  const Row rows[] = {{"the job's first write fails", Way::kFirstWrite},
                      {"the job's last write fails", Way::kLastWrite},
                      {"a write fails and ends the transaction", Way::kEndingWrite},
                      {"the batch's commit fails", Way::kCommit},
                      {"the job's savepoint cannot be released", Way::kRelease},
                      {"the batch cannot begin", Way::kBegin},
                      {"the job never runs", Way::kNeverRun}};
  for (int status : {200, 503}) {
    for (const Row& row : rows) {
      CAPTURE(status);
      CAPTURE(row.how);
      Fixture f;
      f.CreateQueue();
      f.CreateTask("t");
      f.Step();
      REQUIRE(f.fake.sent.size() == 1);
      f.clock.Advance(milliseconds(30));
      f.fake.Answer(status);
      REQUIRE(f.posted.size() == 1);
      switch (row.way) {
        case Way::kFirstWrite:
          f.store.FailAll(Op::kWrite, kDiskError);
          break;
        case Way::kLastWrite:  // 200: Delete (the tombstone is third); 503: UpdateState.
          f.store.FailNth(Op::kWrite, 2, kDiskError);
          break;
        case Way::kEndingWrite:
          f.store.FailAll(Op::kWrite, kDiskError, true);
          break;
        case Way::kCommit:
          f.store.FailNth(Op::kCommit, 1, kDiskError);
          break;
        case Way::kRelease:
          f.store.FailNth(Op::kRelease, 1, kDiskError);
          break;
        case Way::kBegin:
          f.store.FailNth(Op::kBegin, 1, kDiskError);
          break;
        case Way::kNeverRun:
          break;
      }
      if (row.way == Way::kNeverRun) {
        f.Drop();
      } else {
        f.Drain();
      }
      CHECK(f.posted.empty());
      // Still in flight, in memory and in the store, its attempt too.
      CHECK(f.dispatcher.InFlight() == 1);
      CHECK(f.Activity().in_flight == 1);
      REQUIRE(f.Task("t").has_value());
      CHECK(f.Task("t")->dispatch_count == 1);
      CHECK_FALSE(f.Task("t")->last_attempt->response_time.has_value());
      CHECK_FALSE(f.Waiting("t"));
      REQUIRE(f.Attempts().size() == 1);
      CHECK(f.Attempts()[0].outcome == LogOutcome::kInFlight);

      // Meanwhile the store keeps failing: the step fails, and nothing is sent again.
      f.clock.Advance(seconds(5));
      f.store.FailAll(Op::kWrite, kDiskError);
      CHECK(f.TryStep().code() == Code::kInternal);
      CHECK(f.fake.sent.size() == 1);
      CHECK(f.dispatcher.InFlight() == 1);
      CHECK_FALSE(f.Waiting("t"));

      f.store.Heal();
      f.Step();
      CHECK(f.dispatcher.InFlight() == 0);
      CHECK(f.fake.sent.size() == 1);
      auto attempts = f.Attempts();
      REQUIRE(attempts.size() == 1);
      CHECK(attempts[0].outcome == LogOutcome::kResponse);
      CHECK(attempts[0].http_status == status);
      CHECK(attempts[0].response_time == kStart + milliseconds(30));
      auto activity = f.Activity();
      CHECK(activity.in_flight == 0);
      CHECK(activity.counters.dispatched == 1);
      if (status == 200) {
        auto gone =
            f.Tx([&] { return f.service.GetTask(kQ + "/tasks/t", core::TaskView::kBasic); });
        CHECK(gone.status().code() == Code::kNotFound);
        CHECK(gone.status().message() == core::kTaskRecentlyGone);
        CHECK(activity.counters.succeeded == 1);
        CHECK(activity.counters.retried == 0);
        continue;
      }
      auto t = f.Task("t");
      REQUIRE(t.has_value());
      CHECK(t->dispatch_count == 1);
      CHECK(t->response_count == 1);
      CHECK(t->schedule_time == kStart + milliseconds(30) + seconds(10));
      CHECK(t->last_attempt->response_time == kStart + milliseconds(30));
      CHECK(t->last_attempt->response_status->code == 14);
      CHECK(f.Waiting("t"));
      CHECK(activity.counters.retried == 1);
      CHECK(activity.counters.succeeded == 0);

      f.clock.Advance(seconds(5) - milliseconds(1));
      f.Step();
      CHECK(f.fake.sent.size() == 1);
      f.clock.Advance(milliseconds(1));
      f.Step();
      REQUIRE(f.fake.sent.size() == 2);
      CHECK(f.SentHeader(1, "X-CloudTasks-TaskRetryCount") == "1");
      CHECK(f.SentHeader(1, "X-CloudTasks-TaskPreviousResponse") == "503");
      CHECK(f.Task("t")->dispatch_count == 2);
      CHECK(f.Attempts().size() == 2);
    }
  }
}

// The request goes out at T with the default 10-minute dispatch deadline; min_backoff 1 s. The
// deadline passes while the store fails, which heals 0.5 s later. The worker's late 200 comes
// at one of three moments; it never counts.
TEST_CASE("dispatcher faults: a deadline that passes while the store fails") {
  enum class Late { kWhileFailing, kAfterHealing, kAfterRecord };
  for (Late late : {Late::kWhileFailing, Late::kAfterHealing, Late::kAfterRecord}) {
    CAPTURE(static_cast<int>(late));
    Fixture f;
    f.CreateQueue(500, core::RetryConfig{0, {}, seconds(1), seconds(1), 0});
    f.CreateTask("t");
    f.Step();
    REQUIRE(f.fake.sent.size() == 1);
    f.clock.Advance(minutes(10));
    f.store.FailAll(Op::kWrite, kDiskError);
    CHECK(f.TryStep().code() == Code::kInternal);
    CHECK(f.fake.cancelled.empty());  // Only once the timeout is recorded.
    CHECK(f.dispatcher.InFlight() == 1);
    CHECK_FALSE(f.Waiting("t"));
    if (late == Late::kWhileFailing) {
      f.fake.Answer(200);
      f.Drain();
      CHECK(f.dispatcher.InFlight() == 1);
    }
    f.clock.Advance(milliseconds(500));
    f.store.Heal();
    if (late == Late::kAfterHealing) {
      f.fake.Answer(200);
      f.Drain();
    }
    f.Step();
    if (late == Late::kAfterRecord) {
      f.fake.Answer(200);
      f.Drain();
    }
    CHECK(f.fake.cancelled == std::vector<uint64_t>{0});
    CHECK(f.dispatcher.InFlight() == 0);
    auto t = f.Task("t");
    REQUIRE(t.has_value());
    CHECK(t->dispatch_count == 1);
    CHECK(t->response_count == 0);
    CHECK(t->last_attempt->response_status->code == 4);
    CHECK(t->previous_response == 504);
    CHECK(t->schedule_time == kStart + minutes(10) + seconds(1));
    auto attempts = f.Attempts();
    REQUIRE(attempts.size() == 1);
    CHECK(attempts[0].outcome == LogOutcome::kDeadlineExceeded);
    CHECK(f.Activity().counters.retried == 1);
    CHECK(f.Activity().counters.succeeded == 0);

    f.clock.Advance(milliseconds(500));
    f.Step();
    REQUIRE(f.fake.sent.size() == 2);
    CHECK(f.SentHeader(1, "X-CloudTasks-TaskRetryCount") == "1");
    CHECK(f.SentHeader(1, "X-CloudTasks-TaskPreviousResponse") == "504");
  }
}

// Every push fails until healed: attempts at T, T + 10 s and T + 30 s (retries after 10 and 20 s).
TEST_CASE("dispatcher faults: a push that fails is a failed attempt, retried") {
  struct Row {
    PushOutcome outcome;
    LogOutcome logged;
    int rpc_code;
  };
  for (const Row& row : {Row{PushOutcome::kConnectionError, LogOutcome::kConnectionError, 14},
                         Row{PushOutcome::kDeadlineExceeded, LogOutcome::kDeadlineExceeded, 4}}) {
    CAPTURE(row.rpc_code);
    Fixture f;
    f.CreateQueue();
    f.CreateTask("t");
    f.pusher.FailAll(row.outcome);
    f.Step();
    CHECK(f.fake.sent.empty());
    CHECK(f.pusher.Pending() == 1);
    CHECK(f.posted.empty());  // `done` never runs inside Push.
    CHECK(f.dispatcher.InFlight() == 1);
    CHECK(f.pusher.Flush() == 1);
    f.Drain();
    auto t = f.Task("t");
    CHECK(t->dispatch_count == 1);
    CHECK(t->response_count == 0);
    CHECK(t->last_attempt->response_status->code == row.rpc_code);
    CHECK(t->previous_response == 504);
    CHECK(t->schedule_time == kStart + seconds(10));
    auto attempts = f.Attempts();
    REQUIRE(attempts.size() == 1);
    CHECK(attempts[0].outcome == row.logged);
    CHECK(attempts[0].error == testing::FailingPusher::DefaultError(row.outcome));

    f.clock.Advance(seconds(10));
    f.Step();
    CHECK(f.pusher.Flush() == 1);
    f.Drain();
    CHECK(f.Task("t")->dispatch_count == 2);
    CHECK(f.Task("t")->schedule_time == kStart + seconds(30));

    f.pusher.Heal();
    f.clock.Advance(seconds(20));
    f.Step();
    REQUIRE(f.fake.sent.size() == 1);
    CHECK(f.SentHeader(0, "X-CloudTasks-TaskRetryCount") == "2");
    CHECK(f.SentHeader(0, "X-CloudTasks-TaskExecutionCount") == "0");
    CHECK(f.SentHeader(0, "X-CloudTasks-TaskPreviousResponse") == "504");
    CHECK(f.pusher.Failed() == 2);
    attempts = f.Attempts();
    REQUIRE(attempts.size() == 3);
    CHECK(attempts[1].outcome == row.logged);
    CHECK(attempts[2].outcome == LogOutcome::kInFlight);
    auto activity = f.Activity();
    CHECK(activity.counters.dispatched == 3);
    CHECK(activity.counters.retried == 2);
    CHECK(activity.in_flight == 1);
  }
}

TEST_CASE("dispatcher faults: only the chosen push fails") {
  Fixture f;
  f.CreateQueue();
  f.CreateTask("a");
  f.CreateTask("b");
  f.pusher.FailNth(2, PushOutcome::kConnectionError, "Connection reset by peer");
  f.Step();
  REQUIRE(f.fake.sent.size() == 1);
  CHECK(f.SentHeader(0, "X-CloudTasks-TaskName") == "a");
  CHECK(f.pusher.Flush() == 1);
  f.Drain();
  CHECK(f.Task("b")->schedule_time == kStart + seconds(10));
  CHECK(f.Attempts()[1].error == "Connection reset by peer");
  CHECK(f.dispatcher.InFlight() == 1);  // a.
  f.clock.Advance(seconds(10));
  f.Step();
  REQUIRE(f.fake.sent.size() == 2);
  CHECK(f.SentHeader(1, "X-CloudTasks-TaskName") == "b");
  CHECK(f.SentHeader(1, "X-CloudTasks-TaskRetryCount") == "1");
}

TEST_CASE("dispatcher faults: a reset drops the outcomes left unrecorded") {
  for (bool everything : {false, true}) {
    CAPTURE(everything);
    Fixture f;
    f.CreateQueue();
    f.CreateTask("a");
    f.CreateTask("b");
    f.Step();
    REQUIRE(f.fake.sent.size() == 2);
    f.store.FailAll(Op::kWrite, kDiskError);
    f.fake.Answer(200);
    f.fake.Answer(503);
    f.Drain();
    REQUIRE(f.dispatcher.InFlight() == 2);
    f.store.Heal();

    REQUIRE(
        core::InTransaction(f.store, [&] { return f.harness.Reset(everything ? "" : kQ); }).ok());
    CHECK(f.dispatcher.InFlight() == 0);
    std::sort(f.fake.cancelled.begin(), f.fake.cancelled.end());
    CHECK(f.fake.cancelled == std::vector<uint64_t>{0, 1});
    if (everything) f.CreateQueue();
    f.Step();
    CHECK(f.Attempts().empty());
    CHECK_FALSE(f.Task("a").has_value());
    CHECK_FALSE(f.Task("b").has_value());
    auto activity = f.Activity();
    CHECK(activity.name == kQ);
    CHECK(activity.counters.dispatched == 0);
    CHECK(activity.counters.succeeded == 0);
    CHECK(activity.counters.retried == 0);
    CHECK(activity.in_flight == 0);

    f.CreateTask("a");  // No tombstone: its 200 was never recorded.
    f.Step();
    REQUIRE(f.fake.sent.size() == 3);
    CHECK(f.SentHeader(2, "X-CloudTasks-TaskRetryCount") == "0");
    CHECK(f.Activity().counters.dispatched == 1);
  }
}

// Reset cancels a's request (push 0); a is made again and sent (push 1, attempt 1 again). The
// cancelled request then ends: that must not count as the new attempt's outcome.
TEST_CASE("dispatcher faults: a request cancelled by a reset cannot end the next attempt") {
  Fixture f;
  f.CreateQueue();
  f.CreateTask("a");
  f.Step();
  REQUIRE(core::InTransaction(f.store, [&] { return f.harness.Reset(kQ); }).ok());
  CHECK(f.fake.cancelled == std::vector<uint64_t>{0});
  f.CreateTask("a");
  f.Step();
  REQUIRE(f.fake.sent.size() == 2);
  f.fake.Fail(PushOutcome::kConnectionError);  // Push 0, cancelled.
  f.Drain();
  auto a = f.Task("a");
  REQUIRE(a.has_value());
  CHECK(a->dispatch_count == 1);
  CHECK_FALSE(a->last_attempt->response_time.has_value());
  CHECK(f.dispatcher.InFlight() == 1);
  CHECK(f.Activity().counters.retried == 0);

  f.fake.Answer(200);  // Push 1.
  f.Drain();
  CHECK_FALSE(f.Task("a").has_value());
  CHECK(f.Activity().counters.succeeded == 1);
  f.clock.Advance(hours(1));
  f.Step();
  CHECK(f.fake.sent.size() == 2);
  auto attempts = f.Attempts();
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].outcome == LogOutcome::kResponse);
  CHECK(attempts[0].http_status == 200);
}
