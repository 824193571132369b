// EmulatorControl: the test harness's operations (/emulator/v1) over core values, the port the
// REST adapter calls and harness::Harness implements.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/attempt_log.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/model.h"
#include "core/status.h"
#include "core/task_table.h"

namespace cte::api {

struct ClockState {
  core::TimePoint time;
  std::string mode;  // "system", "manual" or "scaled".
  double time_scale = 1;
};

struct ListAttemptsRequest {
  std::string queue;  // Full names; empty: any.
  std::string task;
  int page_size = 0;     // 1 to 10,000.
  int64_t after_id = 0;  // From the page token.
};
struct ListAttemptsResponse {
  std::vector<core::AttemptLogEntry> attempts;
  bool more = false;  // A full page: there may be more after its last ID.
};

struct QueueStats {
  std::string name;
  int64_t tasks_waiting = 0;
  int in_flight = 0;
  core::QueueCounters counters;  // Since start or reset.
  double token_bucket_level = 0;
  double dispatch_rate_10s = 0;
  core::RateLimits limits;  // As configured.
};
// What /emulator/v1/stats and /metrics show.
struct Stats {
  core::TimePoint time;
  std::vector<QueueStats> queues;
  core::StoreCounters store;  // Since start.
};

struct WaitIdleRequest {
  std::vector<std::string> queues;  // Full names; empty: every queue.
  bool include_scheduled = false;
  core::Duration timeout = std::chrono::seconds(30);
};

// A page of one queue's tasks by state (/emulator/v1/tasks).
struct ListTaskStatesRequest {
  std::string queue;                     // Full name.
  std::optional<core::TaskState> state;  // Unset: every state.
  int page_size = 0;                     // 1 to 1,000.
  int64_t after_position = 0;            // From the page token.
};

// What one tick of /emulator/v1/events sends: the stats, and the attempts that ended since.
struct Events {
  Stats stats;
  std::vector<core::AttemptLogEntry> attempts;  // Ended after `after` (ListEvents), oldest first.
  int64_t last = 0;                             // Pass as `after` next time.
};

// Every method runs on the store's thread, inside a store transaction (those that change
// something roll back with it).
class EmulatorControl {
 public:
  virtual ~EmulatorControl() = default;
  virtual core::Result<ClockState> GetClock() = 0;
  // FAILED_PRECONDITION unless the clock is manual; INVALID_ARGUMENT for a time in the past.
  virtual core::Result<ClockState> AdvanceClock(core::Duration step) = 0;
  virtual core::Result<ClockState> SetClock(core::TimePoint time) = 0;
  virtual core::Result<ListAttemptsResponse> ListAttempts(const ListAttemptsRequest& request) = 0;
  virtual core::Result<Stats> GetStats() = 0;
  // NOT_FOUND when the queue does not exist. Each call scans at most a fixed number of tasks
  // (core::TaskTable::ListByState), so its cost does not grow with the queue.
  virtual core::Result<core::TaskStatePage> ListTaskStates(
      const ListTaskStatesRequest& request) = 0;
  // The stats, and the attempts that ended after number `after` (0: the most recent ones kept).
  virtual core::Result<Events> ListEvents(int64_t after) = 0;
  // Empties one queue (a configured one gets its settings back) or everything (empty name).
  virtual core::Status Reset(const std::string& queue) = 0;
  // Calls `done` once, later, on the store's thread: OK when the queues are idle,
  // DEADLINE_EXCEEDED saying what keeps them busy when `request.timeout` passes first.
  virtual void WaitIdle(const WaitIdleRequest& request,
                        std::function<void(const core::Status&)> done) = 0;
};

}  // namespace cte::api
