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

#include "core/clock.h"
#include "core/dispatch_control.h"
#include "core/push_request.h"
#include "core/pusher.h"
#include "core/task_store.h"
#include "core/token_bucket.h"

namespace cte::dispatch {

// What the dispatcher knows about one queue, for stats and waitIdle.
struct QueueActivity {
  std::string name;
  core::QueueState state = core::QueueState::kUnspecified;
  int in_flight = 0;
  std::optional<core::TimePoint> next_due;  // Earliest task not in flight; nullopt: none.
  double bucket_level = 0;
  int64_t dispatched = 0;  // Attempts sent since start (or reset).
  int64_t succeeded = 0;
  int64_t retried = 0;       // Failed attempts that were rescheduled.
  int64_t given_up = 0;      // Tasks deleted after their last failed attempt.
  double dispatch_rate = 0;  // Attempts per second over the last 10 s (emulator time).
};

struct DispatcherOptions {
  std::vector<core::UrlRewrite> rewrites;
  core::Duration task_tombstone = std::chrono::hours(1);
  // Makes the bearer token for an OIDC or OAuth task; empty string when none. Optional.
  std::function<std::string(const core::HttpRequest&, const std::string& url)> token_for;
  // Called when an attempt ends (or is discarded), after it was written to the attempt log.
  std::function<void(const core::AttemptLogEntry&)> on_attempt;  // Optional.
};

// Not thread-safe: every method runs on the store's thread, inside a store transaction.
class Dispatcher final : public core::DispatchControl {
 public:
  // `post_result` must run the given function later on the store's thread inside a
  // transaction (the BatchRunner does). All references must outlive the dispatcher.
  Dispatcher(core::TaskStore& store, const core::Clock& clock, core::Pusher& pusher,
             std::function<void(std::function<void()>)> post_result, DispatcherOptions options);
  ~Dispatcher() override;

  // Forgets in-flight marks left by a crash; call once at start, in a transaction.
  core::Status Recover();

  // Sends every task that is due and allowed now. Returns when it next needs to run, or
  // nullopt when only a change (new task, result, queue change) can give it work.
  std::optional<core::TimePoint> Step();

  // DispatchControl.
  void QueueChanged(std::string_view queue_name) override;
  void TaskScheduled(std::string_view queue_name, core::TimePoint schedule_time) override;
  core::Result<core::Task> RunNow(core::Task task) override;

  // Requests sent and not answered yet, over all queues.
  int InFlight() const;

  // Per-queue activity, refreshed from the store where needed. Queues in name order.
  std::vector<QueueActivity> Activity();

  // Forgets in-flight requests (their results are discarded; their attempts logged as
  // discarded) and counters, of one queue or all (empty name), and reloads queue settings.
  // Used by the harness's reset.
  void Reset(std::string_view queue_name);

 private:
  struct QueueState;
  struct Flight {
    std::string queue;
    int attempt;               // The task's dispatch_count for this attempt.
    core::TimePoint deadline;  // Emulator time.
    std::chrono::steady_clock::time_point sent;
    uint64_t push_id = 0;
    core::AttemptLogEntry log;
  };

  QueueState* Load(const std::string& queue_name);
  std::optional<core::TimePoint> StepQueue(QueueState& q, core::TimePoint now);
  void Send(QueueState& q, core::Task task, core::TimePoint now);
  void OnResult(const std::string& task_name, int attempt, const core::PushResult& result);
  void LogOutcome(Flight& flight, const core::PushResult& result, core::TimePoint now,
                  bool discarded);
  void ExpireDeadlines(core::TimePoint now);
  void Forget(std::unordered_map<std::string, Flight>::iterator it);
  void Finish(const core::Task& task, core::TimePoint now);

  core::TaskStore& store_;
  const core::Clock& clock_;
  core::Pusher& pusher_;
  std::function<void(std::function<void()>)> post_result_;
  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<QueueState>, std::less<>> queues_;
  std::unordered_map<std::string, Flight> flights_;
  std::set<std::pair<core::TimePoint, std::string>> deadlines_;  // Of the flights.
  bool all_loaded_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cte::dispatch
