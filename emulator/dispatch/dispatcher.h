// Dispatcher: decides which tasks go out when (rate, concurrency, schedule, retries) and records
// what came of each attempt. Runs on the thread that owns the store.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/app_engine_target.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/dispatch_control.h"
#include "core/imperfections.h"
#include "core/push_request.h"
#include "core/pusher.h"
#include "core/task_store.h"
#include "core/token_bucket.h"

namespace cte::dispatch {

// What the dispatcher knows about one queue, for stats and waitIdle.
struct QueueActivity {
  std::string name;
  core::QueueState state = core::QueueState::kUnspecified;
  int in_flight = 0;             // Sent, and their outcome not recorded yet.
  int duplicates_in_flight = 0;  // Second deliveries sent, not recorded yet (not in in_flight).
  std::optional<core::TimePoint> next_due;  // Earliest not in flight; nullopt: none (or unasked).
  double bucket_level = 0;
  core::QueueCounters counters;  // Since start (or reset).
  double dispatch_rate = 0;      // Attempts per second over the last 10 s (emulator time).
  core::TimePoint next_token;    // When the bucket next holds a whole token (now when it does).
  core::RateLimits limits;       // As configured.
};

struct DispatcherOptions {
  std::vector<core::UrlRewrite> rewrites;
  core::Duration task_tombstone = std::chrono::hours(1);
  // Whether attempts go to the store's attempt log (what /emulator/v1 serves). A simulation
  // that keeps them itself (on_attempt) leaves them out: a third of its time and most of its
  // memory.
  bool store_attempts = true;
  // Called when an attempt's outcome is recorded (or discarded), a second delivery's too
  // (AttemptLogEntry::duplicate); the entry is the callee's to keep. Optional.
  std::function<void(core::AttemptLogEntry)> on_attempt;
  // Cloud Tasks' imperfections to reproduce (core/imperfections.h), drawn per attempt with
  // `imperfection_seed`; off by default, and then nothing is drawn and dispatch is unchanged.
  // An attempt's extra delay is waited before its request goes out (PushRequest::delay): its
  // dispatch time stays when the queue let it go, its place in max_concurrent_dispatches is held
  // meanwhile, and its dispatch deadline counts from when it goes out. A duplicate is the same
  // request (headers, body, attempt number) pushed again right after the first, with an extra
  // delay of its own; only the first delivery's outcome counts for the task, the duplicate's is
  // logged as an entry of its own (AttemptLogEntry::duplicate). Duplicates take no place in
  // max_concurrent_dispatches and count in no counter of QueueActivity but
  // duplicates_in_flight.
  core::Imperfections imperfections;
  uint64_t imperfection_seed = 1;
  // Where App Engine tasks go (core/app_engine_target.h).
  core::AppEngineRoutes app_engine;
  // Requests in flight over all queues at most (duplicates included), 0 for no bound: the
  // pusher's connections. A task beyond waits in its queue, as at its queue's own cap, and goes
  // out once a request ends. Sent anyway, it would only wait inside the pusher for a connection,
  // counted in flight, its dispatch time running (issue 17: in a backlog drain 90,000 waited
  // there, and that cost a sixth of the emulator's CPU).
  int max_in_flight = 0;
};

// Runs `work` later on the store's thread inside a transaction (its writes undone when it fails),
// then calls `done` there with its outcome, or with why it did not run.
using PostWork = std::function<void(std::function<core::Status()> work,
                                    std::function<void(const core::Status&)> done)>;

// Every write the dispatcher makes goes through the store's transaction, and what it keeps in
// memory follows the transaction: a request is sent only once the transaction that marked its
// task in flight has committed, and an outcome whose record did not commit is kept and recorded
// again at the next Step, so that a storage failure neither loses a task nor leaves it in flight.
//
// Not thread-safe: every method runs on the store's thread, inside a store transaction.
class Dispatcher final : public core::DispatchControl {
 public:
  // All references must outlive the dispatcher.
  Dispatcher(core::TaskStore& store, const core::Clock& clock, core::Pusher& pusher,
             PostWork post_result, DispatcherOptions options);
  ~Dispatcher() override;

  // Forgets in-flight marks left by a crash (their tasks go out again) and ends their attempts
  // in the log; call once at start, in a transaction.
  core::Status Recover();

  // Records the outcomes left unrecorded, then sends every task that is due and allowed now.
  // Returns when it next needs to run (nullopt when only a change can give it work: a new task,
  // an outcome, a queue change), or the store's error (the caller rolls the transaction back,
  // and with it whatever this step did).
  core::Result<std::optional<core::TimePoint>> Step();

  // DispatchControl.
  void QueueChanged(std::string_view queue_name) override;
  void TaskCreated(std::string_view queue_name, core::TimePoint schedule_time) override;
  void TaskRemoved(std::string_view queue_name) override;
  core::Result<core::Task> RunNow(core::Task task) override;

  // Requests sent whose outcome is not recorded yet, over all queues, duplicates included.
  int InFlight() const;
  // How many more max_in_flight allows (INT_MAX without a bound).
  int FreeFlights() const;

  // How many times a Step has looked at a queue, since start: a Step looks only at the queues
  // whose wake-up time has come (or a change woke), not at every queue. For tests.
  uint64_t QueueLooks() const { return queue_looks_; }

  // Per-queue activity, refreshed from the store where needed. Queues in name order. Without
  // `with_next_due`, a queue's next_due is what the dispatcher knows, nullopt when it does not:
  // finding it is a query a queue, which the stats do not need (the first /metrics scrape after
  // a load of 1,000 queues spent 40-60 ms on them).
  std::vector<QueueActivity> Activity(bool with_next_due = true);

  // Once the open transaction commits: forgets the requests in flight (cancelled; their outcomes
  // will be discarded) and the counters of one queue or of all (empty name), and reloads the
  // queues' settings from the store. Used by the harness's reset.
  void Reset(std::string_view queue_name);

 private:
  struct QueueState;
  struct Flight {
    std::string queue;
    uint64_t id = 0;           // This request's own: a task's attempt number can come again.
    int attempt = 0;           // The task's dispatch_count for this attempt.
    core::TimePoint deadline;  // Emulator time.
    std::chrono::steady_clock::time_point sent;
    std::optional<uint64_t> push_id;  // Once the request went out (after the commit).
    core::AttemptLogEntry log;
    core::Duration push_delay{0};  // Its request's PushRequest::delay.
  };
  struct Outcome {
    std::string task;
    uint64_t flight;  // The Flight::id of the request it ends.
    int attempt;
    core::PushResult result;
    // When the store's thread first had it: its record uses this time, however late a storage
    // failure makes the record.
    std::optional<core::TimePoint> at;
    bool expired = false;    // The deadline passed: the request is still out, to be cancelled.
    bool duplicate = false;  // It ends a second delivery (a Flight of duplicates_).
  };
  using Flights = std::unordered_map<std::string, Flight>;

  QueueState* Find(std::string_view queue_name);
  core::Result<QueueState*> Load(const std::string& queue_name);
  core::Status Reload(const std::string& queue_name);
  core::Status LoadAll();
  // Sends at most `budget` tasks of `q`, and takes those it read from `budget`. Requires:
  // FreeFlights() > 0.
  core::Result<std::optional<core::TimePoint>> StepQueue(QueueState& q, core::TimePoint now,
                                                         int& budget);
  core::Status RefreshNextDue(QueueState& q);
  // The wake-up index: a Step looks only at the queues whose wake time has come, so that ten
  // thousand idle queues cost nothing. Wakes `q` at `at` when that is earlier than its wake.
  void WakeAt(QueueState& q, core::TimePoint at);
  // Leaves `q` until a request in flight ends (all of max_in_flight is taken); returns no wake.
  std::optional<core::TimePoint> Block(QueueState& q);
  // Wakes the queues Block left.
  void WakeBlocked();
  // Replaces `q`'s wake time (nullopt: none).
  void SetWake(QueueState& q, std::optional<core::TimePoint> at);
  void DropQueue(const std::string& queue_name);  // Its wake too.
  // The queues whose wake time has come, their wake cleared, in name order, starting after
  // next_first_ when it is set.
  std::vector<QueueState*> TakeWoken(core::TimePoint now);

  // dispatcher_send.cc
  core::Status Send(QueueState& q, core::Task task, core::TimePoint now);
  // A new request of `task`'s current attempt, its entry logged (when the store keeps them).
  core::Result<Flight> NewFlight(const QueueState& q, const core::Task& task,
                                 const core::PushRequest& request, core::TimePoint now,
                                 core::Duration delay, bool duplicate);
  void ForgetOnRollback(const std::string& name, uint64_t flight_id,
                        std::optional<uint64_t> duplicate_id, core::TimePoint now);
  // Sends the request; or when `refused` says why it cannot be sent, fails the attempt at once.
  void StartPush(const std::string& task_name, uint64_t flight_id, core::PushRequest request,
                 const std::string& refused);
  // The request of `task`'s next attempt, or why it cannot be sent.
  core::Result<core::PushRequest> RequestFor(const QueueState& q, const core::Task& task) const;
  void Track(const std::string& task_name, Flight flight);
  Flight Untrack(Flights::iterator it);
  void Forget(Flights::iterator it);
  void CancelOnCommit(const Flight& flight);

  // dispatcher_duplicates.cc: second deliveries, tracked by their Flight::id.
  void TrackDuplicate(Flight flight);
  Flight UntrackDuplicate(uint64_t id);
  void StartDuplicate(uint64_t flight_id, core::PushRequest request);
  core::Status RecordDuplicate(Outcome outcome);
  core::Status ExpireDuplicates(core::TimePoint now);
  void ResetDuplicates(const std::string& queue);

  // dispatcher_results.cc
  // Hands an outcome to the store's thread to be recorded. Thread-safe: touches nothing of
  // `self`'s until it runs there, and then only while `alive`.
  static void PostOutcome(Dispatcher* self, const std::shared_ptr<bool>& alive,
                          const PostWork& post, Outcome outcome);
  core::Status Record(Outcome outcome);
  // Records a 2xx answer to the flight `it` of attempt `attempt` of a task of queue `q`.
  core::Status RecordSuccess(QueueState& q, Flights::iterator it, int attempt,
                             const core::PushResult& result, core::TimePoint now);
  core::Status RecordLeftOver();
  // Whether an earlier outcome of request `flight_id` waits to be recorded.
  bool Unrecorded(uint64_t flight_id) const;
  // Whatever undoes the open transaction keeps `outcome`, to be recorded at the next Step.
  void KeepOnRollback(const Outcome& outcome);
  // Counts `ended` (the attempt's end, its verdict added here) in the queue's counters.
  core::Status Retry(QueueState& q, core::Task task, const core::PushResult& result,
                     core::TimePoint now, core::QueueEvent ended);
  // Ends the flight's attempt log entry; returns the event of its end for the queue's counters
  // (without a verdict), or the store's error.
  core::Result<core::QueueEvent> LogOutcome(Flight& flight, const core::PushResult& result,
                                            core::TimePoint now, bool discarded);
  core::Status ExpireDeadlines(core::TimePoint now);
  // Deletes a task that succeeded or was given up, and keeps its name blocked (Tombstone).
  core::Status Finish(const core::Task& task, core::TimePoint now);
  core::Status Tombstone(const std::string& task_name, core::TimePoint now);
  // Counts `event` in the queue's counters (when the queue is loaded); undone with the
  // transaction.
  void Count(const std::string& queue, const core::QueueEvent& event);

  core::TaskStore& store_;
  const core::Clock& clock_;
  core::Pusher& pusher_;
  PostWork post_result_;
  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<QueueState>, std::less<>> queues_;
  Flights flights_;
  std::set<std::pair<core::TimePoint, std::string>> deadlines_;  // Of the flights.
  std::unordered_map<uint64_t, Flight> duplicates_;              // Second deliveries by ID.
  std::set<std::pair<core::TimePoint, uint64_t>> duplicate_deadlines_;
  std::deque<Outcome> unrecorded_;  // Outcomes whose record did not commit.
  std::set<std::string> stale_;     // Queues whose settings must be read again.
  std::set<std::pair<core::TimePoint, std::string>> wakes_;  // Each queue's QueueState::wake.
  bool wake_all_ = false;  // A step was rolled back: every queue is looked at again.
  // The last queue the last step sent from, when it ran out of room: the next step starts with
  // the queues after it, so that none waits behind the others for long.
  std::string next_first_;
  std::set<std::string> blocked_;  // Queues waiting for room in max_in_flight (Block).
  bool all_loaded_ = false;
  uint64_t last_flight_id_ = 0;
  uint64_t queue_looks_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cte::dispatch
