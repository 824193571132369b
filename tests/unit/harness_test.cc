#include "harness/harness.h"

#include <memory>

#include <doctest/doctest.h>

#include "core/messages.h"
#include "store/memory_store.h"
#include "support/dispatch_rig.h"
#include "support/fake_pusher.h"

using namespace cte;
using namespace std::chrono;
using core::Code;
using core::TimePoint;

namespace {

const TimePoint kStart = testing::kRigStart;
const std::string kParent = "projects/p/locations/l";
const std::string kConfigured = kParent + "/queues/configured";  // In --config.
const std::string kOther = kParent + "/queues/other";

core::Queue ConfiguredQueue() {
  core::Queue q;
  q.name = kConfigured;
  q.rate_limits.max_dispatches_per_second = 5;
  q.rate_limits.max_concurrent_dispatches = 3;
  q.retry_config.max_attempts = 5;
  return q;
}

struct Parts {
  std::unique_ptr<store::MemoryStore> store = store::MemoryStore::Create();
  testing::FakePusher pusher;
};

// The harness over a MemoryStore, with a real dispatcher on a manual clock pushing to a
// FakePusher. Outcomes the pusher reports are queued and recorded by Drain(), each in its own
// transaction, as the executor would.
struct Fixture : Parts, testing::DispatchRig {
  Fixture() : DispatchRig(*store, pusher, {}, api::ServiceOptions{hours(1), hours(1), false}) {
    REQUIRE(Run([&] { return service.ApplyQueueConfig(ConfiguredQueue()); }).ok());
  }

  harness::Harness harness{*store, service, dispatcher,
                           clock,  &clock,  {"manual", 1, {ConfiguredQueue()}}};

  void Drain() { DrainEach(); }
  void Answer(int status) {
    pusher.Answer(status);
    Drain();
  }

  void CreateQueue(const std::string& name, core::RetryConfig retry = {}) {
    core::Queue q;
    q.name = name;
    q.retry_config = retry;
    DispatchRig::CreateQueue(q);
  }
  core::Result<core::Queue> GetQueue(const std::string& name) {
    return Tx([&] { return service.GetQueue(name); });
  }
  core::Status SetQueue(const std::string& name, double rate, bool pause) {
    api::UpdateQueueRequest u;
    u.queue.name = name;
    u.queue.rate_limits.max_dispatches_per_second = rate;
    u.update_mask = {"rate_limits.max_dispatches_per_second"};
    return Run([&]() -> core::Status {
      CTE_RETURN_IF_ERROR(service.UpdateQueue(u).status());
      return pause ? service.PauseQueue(name).status() : core::Status::Ok();
    });
  }
  size_t TaskCount(const std::string& queue) {
    auto page = Tx([&] { return service.ListTasks({queue, core::TaskView::kBasic, {1000, ""}}); });
    REQUIRE(page.ok());
    return page->tasks.size();
  }
  api::ListAttemptsResponse Attempts(const std::string& queue, const std::string& task,
                                     int page_size = 100, int64_t after_id = 0) {
    auto r = Tx([&] { return harness.ListAttempts({queue, task, page_size, after_id}); });
    REQUIRE(r.ok());
    return *r;
  }
  api::QueueStats Stats(const std::string& queue) {
    auto s = Tx([&] { return harness.GetStats(); });
    REQUIRE(s.ok());
    CHECK(s->time == clock.Now());
    for (const api::QueueStats& q : s->queues) {
      if (q.name == queue) return q;
    }
    FAIL("no stats for " << queue);
    return {};
  }
  core::Status Reset(const std::string& queue) {
    return Run([&] { return harness.Reset(queue); });
  }

  // A waitIdle's answers.
  struct Answers {
    int calls = 0;
    core::Status status;
  };
  std::shared_ptr<Answers> WaitIdle(std::vector<std::string> queues, core::Duration timeout,
                                    bool include_scheduled = false) {
    auto answers = std::make_shared<Answers>();
    api::WaitIdleRequest r{std::move(queues), include_scheduled, timeout};
    Tx([&] {
      harness.WaitIdle(r, [answers](const core::Status& s) {
        ++answers->calls;
        answers->status = s;
      });
      return 0;
    });
    return answers;
  }
  bool CheckWaiters() {
    return Tx([&] { return harness.CheckWaiters(); });
  }
  // Calls check(harness, mode, scale) with a harness of its own over each clock that is not
  // manual: the system clock, and one `scale` times faster.
  template <typename F>
  void ForEachRealClock(double scale, F&& check) {
    core::SystemClock system;
    core::ScaledClock scaled(scale);
    struct Row {
      const core::Clock* clock;
      std::string mode;
      double scale;
    };
    for (const Row& row : {Row{&system, "system", 1}, Row{&scaled, "scaled", scale}}) {
      CAPTURE(row.mode);
      harness::Harness h(*store, service, dispatcher, *row.clock, nullptr,
                         {row.mode, row.scale, {}});
      check(h, row.mode, row.scale);
    }
  }
};

}  // namespace

TEST_CASE("harness: GetClock reports the clock's time and mode") {
  Fixture f;
  auto manual = f.Tx([&] { return f.harness.GetClock(); });
  REQUIRE(manual.ok());
  CHECK(manual->time == kStart);
  CHECK(manual->mode == "manual");
  CHECK(manual->time_scale == 1);

  f.ForEachRealClock(60, [&](harness::Harness& h, const std::string& mode, double scale) {
    auto before = system_clock::now();
    auto c = f.Tx([&] { return h.GetClock(); });
    REQUIRE(c.ok());
    CHECK(c->mode == mode);
    CHECK(c->time_scale == scale);
    CHECK(c->time >= before - seconds(1));
    // Scaled time runs 60 times faster, but a few milliseconds of it cannot make a minute.
    CHECK(c->time <= system_clock::now() + minutes(1));
  });
}

TEST_CASE("harness: the clock moves by request only when manual, and only forward") {
  Fixture f;
  auto Advance = [&](core::Duration d) { return f.Tx([&] { return f.harness.AdvanceClock(d); }); };
  auto Set = [&](TimePoint t) { return f.Tx([&] { return f.harness.SetClock(t); }); };

  auto moved = Advance(seconds(1800));
  REQUIRE(moved.ok());
  CHECK(moved->time == kStart + seconds(1800));
  CHECK(moved->mode == "manual");
  CHECK(f.clock.Now() == kStart + seconds(1800));
  CHECK(Advance(core::Duration(0))->time == kStart + seconds(1800));

  auto set = Set(kStart + hours(1));
  REQUIRE(set.ok());
  CHECK(set->time == kStart + hours(1));
  CHECK(Set(kStart + hours(1))->time == kStart + hours(1));  // Standing still is not backwards.
  auto past = Set(kStart + hours(1) - microseconds(1));
  CHECK(past.status().code() == Code::kInvalidArgument);
  CHECK(f.clock.Now() == kStart + hours(1));
  CHECK(Advance(milliseconds(1))->time == kStart + hours(1) + milliseconds(1));

  f.ForEachRealClock(10, [&](harness::Harness& h, const std::string&, double) {
    auto a = f.Tx([&] { return h.AdvanceClock(seconds(1)); });
    CHECK(a.status().code() == Code::kFailedPrecondition);
    auto s = f.Tx([&] { return h.SetClock(system_clock::now() + hours(24)); });
    CHECK(s.status().code() == Code::kFailedPrecondition);
  });
  CHECK(f.clock.Now() == kStart + hours(1) + milliseconds(1));
}

TEST_CASE("harness: ListAttempts filters by queue and task and pages by ID") {
  Fixture f;
  f.CreateQueue(kOther);
  REQUIRE(f.CreateTask(kConfigured, "t1").ok());
  REQUIRE(f.CreateTask(kOther, "t1").ok());
  REQUIRE(f.CreateTask(kOther, "t2").ok());
  f.Step();  // Queues in name order: configured/t1, other/t1, other/t2.
  REQUIRE(f.pusher.sent.size() == 3);
  for (int i = 0; i < 3; ++i) f.Answer(503);
  f.clock.Advance(milliseconds(100));  // The default min_backoff.
  f.Step();
  REQUIRE(f.pusher.sent.size() == 6);

  auto all = f.Attempts("", "");
  REQUIRE(all.attempts.size() == 6);
  CHECK_FALSE(all.more);
  for (size_t i = 1; i < all.attempts.size(); ++i) {
    CHECK(all.attempts[i].id > all.attempts[i - 1].id);
  }
  const core::AttemptLogEntry& first = all.attempts[0];
  CHECK(first.task == kConfigured + "/tasks/t1");
  CHECK(first.attempt == 1);
  CHECK(first.outcome == core::AttemptLogEntry::Outcome::kResponse);
  CHECK(first.http_status == 503);
  CHECK(first.dispatch_time == kStart);
  CHECK(first.response_time == kStart);
  CHECK(all.attempts[3].attempt == 2);
  CHECK(all.attempts[3].outcome == core::AttemptLogEntry::Outcome::kInFlight);

  struct Row {
    std::string queue, task;
    std::vector<std::pair<std::string, int>> want;  // Task ID and attempt, in order.
  };
  const std::string t1 = kOther + "/tasks/t1", t2 = kOther + "/tasks/t2";
  const Row rows[] = {
      {kOther, "", {{"t1", 1}, {"t2", 1}, {"t1", 2}, {"t2", 2}}},
      {kConfigured, "", {{"t1", 1}, {"t1", 2}}},
      {"", t1, {{"t1", 1}, {"t1", 2}}},
      {kOther, t2, {{"t2", 1}, {"t2", 2}}},
      {kConfigured, t1, {}},
      {kParent + "/queues/nope", "", {}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.queue);
    CAPTURE(row.task);
    auto got = f.Attempts(row.queue, row.task);
    REQUIRE(got.attempts.size() == row.want.size());
    for (size_t i = 0; i < got.attempts.size(); ++i) {
      CHECK(got.attempts[i].task.substr(got.attempts[i].task.rfind('/') + 1) == row.want[i].first);
      CHECK(got.attempts[i].attempt == row.want[i].second);
    }
  }

  // `more` is set exactly when a page is full: 4 attempts of kOther in pages of 1 to 5.
  struct Paging {
    int page_size;
    std::vector<size_t> pages;  // Sizes, the last one not full (possibly empty).
  };
  for (const Paging& p : {Paging{1, {1, 1, 1, 1, 0}}, Paging{2, {2, 2, 0}}, Paging{3, {3, 1}},
                          Paging{4, {4, 0}}, Paging{5, {4}}}) {
    CAPTURE(p.page_size);
    int64_t after = 0;
    std::vector<int64_t> ids;
    for (size_t i = 0; i < p.pages.size(); ++i) {
      auto page = f.Attempts(kOther, "", p.page_size, after);
      CHECK(page.attempts.size() == p.pages[i]);
      CHECK(page.more == (i + 1 < p.pages.size()));
      for (const auto& a : page.attempts) ids.push_back(a.id);
      if (!page.attempts.empty()) after = page.attempts.back().id;
    }
    REQUIRE(ids.size() == 4);
    for (size_t i = 0; i < 4; ++i) CHECK(ids[i] == f.Attempts(kOther, "").attempts[i].id);
  }
}

// kOther: max_attempts 2, backoff 10 s. At T: a, b, c go out; a answers 200, b and c 503 (both
// retried at T + 10 s); e is created for T + 1 h. At T + 10 s: b and c go again; b answers 503
// (its second failed attempt: given up), c 200.
TEST_CASE("harness: GetStats counts what the dispatcher did") {
  Fixture f;
  f.CreateQueue(kOther, core::RetryConfig{2, {}, seconds(10), seconds(300), 3});
  for (const char* id : {"a", "b", "c"}) REQUIRE(f.CreateTask(kOther, id).ok());
  auto s = f.Stats(kOther);
  CHECK(s.tasks_waiting == 3);
  CHECK(s.in_flight == 0);
  CHECK(s.counters.dispatched == 0);
  CHECK(s.token_bucket_level == 100);  // max_burst_size for 500/s.

  f.Step();
  s = f.Stats(kOther);
  CHECK(s.tasks_waiting == 0);
  CHECK(s.in_flight == 3);
  CHECK(s.counters.dispatched == 3);
  CHECK(s.token_bucket_level == 97);

  f.Answer(200);
  f.Answer(503);
  f.Answer(503);
  REQUIRE(f.CreateTask(kOther, "e", hours(1)).ok());
  s = f.Stats(kOther);
  CHECK(s.tasks_waiting == 3);  // b, c and e.
  CHECK(s.in_flight == 0);
  CHECK(s.counters.succeeded == 1);
  CHECK(s.counters.retried == 2);
  CHECK(s.counters.given_up == 0);

  f.clock.Advance(seconds(10));
  f.Step();
  REQUIRE(f.pusher.sent.size() == 5);
  f.Answer(503);  // b.
  s = f.Stats(kOther);
  CHECK(s.tasks_waiting == 1);  // e; c is in flight.
  CHECK(s.in_flight == 1);
  CHECK(s.counters.given_up == 1);
  f.Answer(200);  // c.

  s = f.Stats(kOther);
  CHECK(s.tasks_waiting == 1);
  CHECK(s.in_flight == 0);
  CHECK(s.counters.dispatched == 5);
  CHECK(s.counters.succeeded == 2);
  CHECK(s.counters.retried == 2);
  CHECK(s.counters.given_up == 1);
  CHECK(s.token_bucket_level == 98);                   // Full again after 10 s, then 2 taken.
  CHECK(s.dispatch_rate_10s == doctest::Approx(0.5));  // 5 within [T, T + 10 s].
  f.clock.Advance(milliseconds(1));
  s = f.Stats(kOther);
  CHECK(s.dispatch_rate_10s == doctest::Approx(0.2));  // Those of T are out of the window.
  CHECK(s.token_bucket_level == doctest::Approx(98.5));

  auto idle = f.Stats(kConfigured);
  CHECK(idle.tasks_waiting == 0);
  CHECK(idle.counters.dispatched == 0);
  CHECK(idle.token_bucket_level == 5);
}

TEST_CASE("harness: Reset of everything") {
  Fixture f;
  f.CreateQueue(kOther);
  const std::string gone = kParent + "/queues/gone";
  f.CreateQueue(gone);
  REQUIRE(f.Run([&] { return f.service.DeleteQueue(gone); }).ok());
  REQUIRE(f.CreateTask(kOther, "done").ok());
  f.Step();
  f.Answer(200);
  REQUIRE(f.CreateTask(kConfigured, "busy").ok());
  f.Step();
  REQUIRE(f.pusher.Open() == 1);  // configured/busy, push 1.
  REQUIRE(f.SetQueue(kConfigured, 50, true).ok());
  REQUIRE(f.CreateTask(kConfigured, "waiting").ok());
  // Before: the used name is blocked, and so is the deleted queue's.
  CHECK(f.CreateTask(kOther, "done").code() == Code::kAlreadyExists);
  core::Queue again;
  again.name = gone;
  CHECK(f.Tx([&] { return f.service.CreateQueue(kParent, again).status(); }).code() ==
        Code::kFailedPrecondition);
  REQUIRE(f.Attempts("", "").attempts.size() == 2);
  REQUIRE(f.dispatcher.InFlight() == 1);

  REQUIRE(f.Reset("").ok());
  auto configured = f.GetQueue(kConfigured);
  REQUIRE(configured.ok());
  CHECK(configured->state == core::QueueState::kRunning);
  CHECK(configured->rate_limits.max_dispatches_per_second == 5);
  CHECK(configured->rate_limits.max_concurrent_dispatches == 3);
  CHECK(configured->retry_config.max_attempts == 5);
  CHECK(f.TaskCount(kConfigured) == 0);
  CHECK(f.GetQueue(kOther).status().code() == Code::kNotFound);
  CHECK(f.Attempts("", "").attempts.empty());
  CHECK(f.dispatcher.InFlight() == 0);
  CHECK(f.pusher.cancelled == std::vector<uint64_t>{1});
  // Tombstones went too: the queue name and the task name are free.
  CHECK(f.Tx([&] { return f.service.CreateQueue(kParent, again).status(); }).ok());
  f.CreateQueue(kOther);
  CHECK(f.CreateTask(kOther, "done").ok());

  // The cancelled request's late answer is dropped; the counters start again from zero.
  f.Answer(200);
  f.Step();
  CHECK(f.pusher.sent.size() == 3);  // other/done, once more.
  CHECK(f.Attempts("", "").attempts.size() == 1);
  auto stats = f.Tx([&] { return f.harness.GetStats(); });
  REQUIRE(stats.ok());
  REQUIRE(stats->queues.size() == 3);  // configured, gone, other.
  CHECK(stats->queues[0].name == kConfigured);
  CHECK(stats->queues[0].counters.dispatched == 0);
  CHECK(stats->queues[0].counters.succeeded == 0);
  CHECK(stats->queues[0].in_flight == 0);
  CHECK(stats->queues[0].token_bucket_level == 5);
  CHECK(stats->queues[2].counters.dispatched == 1);
  CHECK(stats->queues[2].counters.succeeded == 0);
}

TEST_CASE("harness: Reset of one queue") {
  Fixture f;
  f.CreateQueue(kOther);
  for (const std::string& q : {kConfigured, kOther}) REQUIRE(f.CreateTask(q, "done").ok());
  f.Step();
  f.Answer(200);
  f.Answer(200);
  for (const std::string& q : {kConfigured, kOther}) REQUIRE(f.CreateTask(q, "busy").ok());
  f.Step();  // configured/busy (push 2), other/busy (push 3).
  REQUIRE(f.pusher.Open() == 2);
  REQUIRE(f.SetQueue(kConfigured, 50, true).ok());
  REQUIRE(f.SetQueue(kOther, 7, true).ok());
  REQUIRE(f.CreateTask(kConfigured, "waiting").ok());
  REQUIRE(f.CreateTask(kOther, "waiting").ok());
  REQUIRE(f.Stats(kConfigured).counters.dispatched == 2);

  REQUIRE(f.Reset(kConfigured).ok());
  auto configured = f.GetQueue(kConfigured);
  REQUIRE(configured.ok());
  CHECK(configured->state == core::QueueState::kRunning);
  CHECK(configured->rate_limits.max_dispatches_per_second == 5);
  CHECK(f.TaskCount(kConfigured) == 0);
  CHECK(f.Attempts(kConfigured, "").attempts.empty());
  CHECK(f.dispatcher.InFlight() == 1);  // other/busy.
  CHECK(f.pusher.cancelled == std::vector<uint64_t>{2});
  // The other queue is untouched: settings, state, tasks, attempts, tombstones.
  auto other = f.GetQueue(kOther);
  REQUIRE(other.ok());
  CHECK(other->state == core::QueueState::kPaused);
  CHECK(other->rate_limits.max_dispatches_per_second == 7);
  CHECK(f.TaskCount(kOther) == 2);
  CHECK(f.Attempts(kOther, "").attempts.size() == 2);
  CHECK(f.CreateTask(kOther, "done").code() == Code::kAlreadyExists);
  // The configured queue's counters start again, and it runs: a used name is free again.
  f.Step();
  auto s = f.Stats(kConfigured);
  CHECK(s.counters.dispatched == 0);
  CHECK(s.in_flight == 0);
  CHECK(f.Stats(kOther).counters.dispatched == 2);
  REQUIRE(f.CreateTask(kConfigured, "done").ok());
  f.Step();
  CHECK(f.pusher.sent.size() == 5);
  CHECK(f.Stats(kConfigured).counters.dispatched == 1);

  // Another queue keeps its settings, and stays paused.
  REQUIRE(f.Reset(kOther).ok());
  other = f.GetQueue(kOther);
  REQUIRE(other.ok());
  CHECK(other->state == core::QueueState::kPaused);
  CHECK(other->rate_limits.max_dispatches_per_second == 7);
  CHECK(f.TaskCount(kOther) == 0);
  CHECK(f.Attempts(kOther, "").attempts.empty());
  CHECK(f.Attempts(kConfigured, "").attempts.size() == 1);
  CHECK(f.CreateTask(kOther, "done").ok());
  CHECK(f.dispatcher.InFlight() == 1);  // configured/done.

  // A configured queue that was deleted comes back; an unknown queue is not found.
  REQUIRE(f.Run([&] { return f.service.DeleteQueue(kConfigured); }).ok());
  REQUIRE(f.Reset(kConfigured).ok());
  CHECK(f.GetQueue(kConfigured).ok());
  core::Status unknown = f.Reset(kParent + "/queues/nope");
  CHECK(unknown.code() == Code::kNotFound);
  CHECK(unknown.message() == core::kQueueNotFound);
}

TEST_CASE("harness: WaitIdle answers when the queues are idle, or names the busy one") {
  Fixture f;
  f.CreateQueue(kOther);

  // Idle: answered at the next check, and only once.
  auto idle = f.WaitIdle({}, seconds(30));
  CHECK(idle->calls == 0);  // Never inside WaitIdle.
  CHECK_FALSE(f.CheckWaiters());
  CHECK(idle->calls == 1);
  CHECK(idle->status.ok());
  f.CheckWaiters();
  CHECK(idle->calls == 1);

  // A task in flight keeps the waiter waiting until its outcome is recorded.
  REQUIRE(f.CreateTask(kOther, "t").ok());
  auto due = f.WaitIdle({}, seconds(30));
  f.CheckWaiters();
  CHECK(due->calls == 0);  // Due, not sent yet.
  f.Step();
  auto busy = f.WaitIdle({kOther}, seconds(30));
  auto elsewhere = f.WaitIdle({kConfigured}, seconds(30));
  f.CheckWaiters();
  CHECK(busy->calls == 0);
  CHECK(elsewhere->calls == 1);
  CHECK(elsewhere->status.ok());

  // No time left: DEADLINE_EXCEEDED, saying which queue is busy and why.
  auto late = f.WaitIdle({}, seconds(0));
  f.CheckWaiters();
  REQUIRE(late->calls == 1);
  CHECK(late->status.code() == Code::kDeadlineExceeded);
  CHECK(late->status.message() ==
        "The queues did not become idle in time: " + kOther + ": 1 in flight");

  f.Answer(200);
  f.CheckWaiters();
  CHECK(due->calls == 1);
  CHECK(due->status.ok());
  CHECK(busy->calls == 1);
  CHECK(busy->status.ok());
  CHECK_FALSE(f.harness.NextWaiterDeadline().has_value());
}

TEST_CASE("harness: WaitIdle ignores paused queues") {
  Fixture f;
  f.CreateQueue(kOther);
  REQUIRE(f.Run([&] { return f.service.PauseQueue(kOther).status(); }).ok());
  REQUIRE(f.CreateTask(kOther, "due").ok());
  REQUIRE(f.CreateTask(kOther, "later", minutes(5)).ok());
  for (bool include_scheduled : {false, true}) {
    CAPTURE(include_scheduled);
    auto w = f.WaitIdle({}, seconds(0), include_scheduled);
    CHECK_FALSE(f.CheckWaiters());
    REQUIRE(w->calls == 1);
    CHECK(w->status.ok());
  }
  CHECK(f.clock.Now() == kStart);
}

TEST_CASE("harness: WaitIdle with includeScheduled moves the manual clock to each due time") {
  Fixture f;
  f.CreateQueue(kOther);
  REQUIRE(f.CreateTask(kOther, "t", seconds(90)).ok());
  auto now_only = f.WaitIdle({}, seconds(30));
  auto all = f.WaitIdle({}, seconds(30), true);

  CHECK(f.CheckWaiters());  // Nothing in flight: on to the next due time.
  CHECK(f.clock.Now() == kStart + seconds(90));
  CHECK(now_only->calls == 1);  // A future task does not count without includeScheduled.
  CHECK(all->calls == 0);
  f.Step();
  REQUIRE(f.pusher.sent.size() == 1);
  CHECK_FALSE(f.CheckWaiters());  // In flight: time stands still.
  CHECK(f.clock.Now() == kStart + seconds(90));

  f.Answer(503);  // Retried after the default min_backoff, 0.1 s.
  CHECK(f.CheckWaiters());
  CHECK(f.clock.Now() == kStart + seconds(90) + milliseconds(100));
  CHECK(all->calls == 0);
  f.Step();
  REQUIRE(f.pusher.sent.size() == 2);
  f.Answer(200);
  CHECK_FALSE(f.CheckWaiters());
  REQUIRE(all->calls == 1);
  CHECK(all->status.ok());
  CHECK(f.clock.Now() == kStart + seconds(90) + milliseconds(100));
}

TEST_CASE("harness: WaitIdle does not move the clock while any request is in flight") {
  Fixture f;
  f.CreateQueue(kOther);
  REQUIRE(f.CreateTask(kOther, "now").ok());
  f.Step();
  REQUIRE(f.CreateTask(kConfigured, "later", minutes(1)).ok());
  auto w = f.WaitIdle({kConfigured}, seconds(30), true);
  CHECK_FALSE(f.CheckWaiters());  // other/now could still change the picture.
  CHECK(f.clock.Now() == kStart);
  f.Answer(200);
  CHECK(f.CheckWaiters());
  CHECK(f.clock.Now() == kStart + minutes(1));
  CHECK(w->calls == 0);
}

// At 1/s the bucket holds one token: a goes at T, b must wait for the next token at T + 1 s.
TEST_CASE("harness: WaitIdle with includeScheduled moves the manual clock to the next token") {
  Fixture f;
  core::Queue slow;
  slow.name = kOther;
  slow.rate_limits.max_dispatches_per_second = 1;
  REQUIRE(f.Tx([&] { return f.service.CreateQueue(kParent, slow).status(); }).ok());
  REQUIRE(f.CreateTask(kOther, "a").ok());
  REQUIRE(f.CreateTask(kOther, "b").ok());
  auto w = f.WaitIdle({}, seconds(30), true);
  f.Step();
  REQUIRE(f.pusher.sent.size() == 1);
  f.Answer(200);
  CHECK(f.CheckWaiters());  // b is due, but no token before T + 1 s.
  CHECK(f.clock.Now() > kStart);
  CHECK(f.clock.Now() <= kStart + seconds(1) + microseconds(1));
  f.Step();
  REQUIRE(f.pusher.sent.size() == 2);
  f.Answer(200);
  CHECK_FALSE(f.CheckWaiters());
  REQUIRE(w->calls == 1);
  CHECK(w->status.ok());
}

TEST_CASE("harness: ListTaskStates gives a queue's tasks with their states, NOT_FOUND without it") {
  Fixture f;
  REQUIRE(f.CreateTask(kConfigured, "fails").ok());
  f.Step();
  f.Answer(503);  // Retried after the minimum backoff: retrying meanwhile.
  REQUIRE(f.CreateTask(kConfigured, "flies").ok());
  f.Step();  // In flight: the pusher has not answered.
  REQUIRE(f.CreateTask(kConfigured, "waits", seconds(60)).ok());
  auto page = f.Tx([&] { return f.harness.ListTaskStates({kConfigured, std::nullopt, 10, 0}); });
  REQUIRE(page.ok());
  REQUIRE(page->tasks.size() == 3);
  CHECK(page->states == std::vector<core::TaskState>{core::TaskState::kRetrying,
                                                     core::TaskState::kInFlight,
                                                     core::TaskState::kScheduled});
  auto scheduled = f.Tx([&] {
    return f.harness.ListTaskStates({kConfigured, core::TaskState::kScheduled, 10, 0});
  });
  REQUIRE(scheduled.ok());
  REQUIRE(scheduled->tasks.size() == 1);
  CHECK(scheduled->tasks[0].name == kConfigured + "/tasks/waits");
  auto missing = f.Tx([&] { return f.harness.ListTaskStates({kOther, std::nullopt, 10, 0}); });
  CHECK(missing.status().code() == Code::kNotFound);
}

TEST_CASE("harness: ListEvents gives the stats and the attempts that ended since a number") {
  Fixture f;
  auto empty = f.Tx([&] { return f.harness.ListEvents(0); });
  REQUIRE(empty.ok());
  CHECK(empty->attempts.empty());
  CHECK(empty->last == 0);
  CHECK(empty->stats.queues.size() == 1);
  core::AttemptLogEntry a;
  a.task = kConfigured + "/tasks/a";
  for (int i = 0; i < 205; ++i) {
    a.attempt = i + 1;
    f.harness.RecordAttempt(a);
  }
  auto all = f.Tx([&] { return f.harness.ListEvents(0); });
  REQUIRE(all.ok());
  REQUIRE(all->attempts.size() == 200);  // The most recent kept.
  CHECK(all->attempts.front().attempt == 6);
  CHECK(all->last == 205);
  auto since = f.Tx([&] { return f.harness.ListEvents(203); });
  REQUIRE(since->attempts.size() == 2);
  CHECK(since->attempts[0].attempt == 204);
  REQUIRE(f.Reset("").ok());  // A reset forgets them.
  CHECK(f.Tx([&] { return f.harness.ListEvents(0); })->attempts.empty());
}
