// Harness: the emulator-only operations of /emulator/v1 (clock, attempts, stats, reset,
// waitIdle), run on the store's thread like the API; api/rest_emulator.cc carries them over REST.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/emulator.h"
#include "api/service.h"
#include "core/clock.h"
#include "core/task_store.h"
#include "dispatch/dispatcher.h"
#include "harness/attempt_feed.h"

namespace cte::harness {

struct HarnessOptions {
  std::string clock_mode = "system";  // "system", "manual" or "scaled".
  double time_scale = 1;
  std::vector<core::Queue> config_queues;  // Restored by reset.
  // The store's counters, for GetStats: owned by the store's thread, and must outlive the
  // harness. Null: reported as zeros.
  const core::StoreCounters* store_counters = nullptr;
};

// Not thread-safe: every method runs on the store's thread, inside a store transaction.
class Harness final : public api::EmulatorControl {
 public:
  // `manual_clock` is the clock when the mode is manual, else null. All references must outlive
  // the harness.
  Harness(core::TaskStore& store, api::Service& service, dispatch::Dispatcher& dispatcher,
          const core::Clock& clock, core::ManualClock* manual_clock, HarnessOptions options);

  // EmulatorControl.
  core::Result<api::ClockState> GetClock() override;
  core::Result<api::ClockState> AdvanceClock(core::Duration step) override;
  core::Result<api::ClockState> SetClock(core::TimePoint time) override;
  core::Result<api::ListAttemptsResponse> ListAttempts(
      const api::ListAttemptsRequest& request) override;
  core::Result<api::Stats> GetStats() override;
  core::Result<core::TaskStatePage> ListTaskStates(
      const api::ListTaskStatesRequest& request) override;
  core::Result<api::Events> ListEvents(int64_t after) override;
  core::Status Reset(const std::string& queue) override;
  void WaitIdle(const api::WaitIdleRequest& request,
                std::function<void(const core::Status&)> done) override;

  // Keeps an attempt that ended (its outcome committed) for ListEvents.
  void RecordAttempt(core::AttemptLogEntry entry) { feed_.Add(std::move(entry)); }

  // Answers the waiters whose queues are idle (once the open transaction commits) or whose
  // deadline passed; with includeScheduled under the manual clock, moves the clock to the next
  // due time when nothing else can happen.
  // Returns true when the clock moved (the dispatcher should step again at once).
  bool CheckWaiters();
  // Answers DEADLINE_EXCEEDED, naming `cause`, to the waiters whose deadline passed: for when the
  // dispatcher's step failed (`cause`) and CheckWaiters could not run. Needs no transaction.
  void ExpireWaiters(const core::Status& cause);
  // The earliest waiter deadline, if any.
  std::optional<std::chrono::steady_clock::time_point> NextWaiterDeadline() const;

 private:
  // INVALID_ARGUMENT for a name that is not a full queue name, NOT_FOUND for a missing queue.
  core::Status CheckQueue(const std::string& name);

  // A pending waitIdle.
  struct Waiter {
    api::WaitIdleRequest request;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(const core::Status&)> done;
  };
  // What keeps a waiter's queues from being idle.
  struct Busy {
    std::string description;  // E.g. "projects/.../queues/q: 2 in flight"; empty when idle.
    bool in_flight = false;
    std::optional<core::TimePoint> next_due;  // Earliest time one of its queues can send.
  };
  Busy BusyFor(const Waiter& w, const std::vector<dispatch::QueueActivity>& activity) const;
  // Answers `waiter` OK once the open transaction commits; a rollback puts it back.
  void AnswerIdle(Waiter waiter);
  core::Status ResetAll();
  core::Status ResetQueue(const std::string& queue);

  core::TaskStore& store_;
  api::Service& service_;
  dispatch::Dispatcher& dispatcher_;
  const core::Clock& clock_;
  core::ManualClock* manual_;
  HarnessOptions options_;
  std::vector<Waiter> waiters_;
  AttemptFeed feed_{200};
};

}  // namespace cte::harness
