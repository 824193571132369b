// TaskTable: the store port's tasks, their dispatch state and task-name tombstones.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "core/task_state.h"

namespace cte::core {

// One page of tasks, in creation order.
struct TaskPage {
  std::vector<Task> tasks;
  int64_t last_position = 0;  // Pass as `after_position` to continue; meaningful when non-empty.
};

// A page of tasks with their states, in creation order (TaskTable::ListByState).
struct TaskStatePage {
  std::vector<Task> tasks;        // Bodies left out.
  std::vector<TaskState> states;  // One for each task.
  int64_t last_position = 0;      // Of the last task scanned: pass as `after_position` to continue.
  bool more = false;              // The scan stopped before the queue's last task.
};

// Failures and threading as in QueueTable (core/queue_table.h).
class TaskTable {
 public:
  virtual ~TaskTable() = default;

  // Inserts the task; false (and nothing written) when a task of that name exists.
  // Requires: the task's queue exists.
  virtual Result<bool> Insert(const Task& task) = 0;
  virtual Result<std::optional<Task>> Find(std::string_view name) = 0;
  // Returns whether a task was deleted.
  virtual Result<bool> Delete(std::string_view name) = 0;
  // Deletes the task only if its dispatch count is still `dispatch_count` (no later attempt
  // started), reading nothing back; returns whether it did. For a 2xx outcome.
  virtual Result<bool> DeleteAttempted(std::string_view name, int dispatch_count) = 0;
  // Tasks of `queue` after `after_position` (0 for the first page), bodies left out unless
  // `with_body`.
  virtual Result<TaskPage> List(std::string_view queue, int64_t after_position, int limit,
                                bool with_body) = 0;
  // The tasks of `queue` after `after_position` in state `state` at `now` (any state when unset),
  // in creation order. The scan stops at `limit` matches or after `max_scan` tasks, whichever
  // comes first, so a call costs at most that much however many tasks the queue holds: a page
  // may hold fewer than `limit` tasks and still have `more`.
  virtual Result<TaskStatePage> ListByState(std::string_view queue, std::optional<TaskState> state,
                                            TimePoint now, int64_t after_position, int limit,
                                            int max_scan) = 0;
  // Deletes every task of the queue; when `tombstone_until` is set, their names stay blocked
  // until then. Returns how many were deleted.
  virtual Result<int64_t> Purge(std::string_view queue,
                                std::optional<TimePoint> tombstone_until) = 0;
  // A queue's tasks, waiting or in flight.
  virtual Result<int64_t> Count(std::string_view queue) = 0;

  // Dispatch. A task is "in flight" from UpdateState(task, true) until its outcome is recorded;
  // in-flight tasks are never due. ClearInFlight runs when the emulator starts, so that a
  // request cut off by a crash is sent again (at least once).
  //
  // Up to `limit` tasks of the queue (HTTP and App Engine alike) that are due at `now` and not in
  // flight, earliest first, then in creation order.
  virtual Result<std::vector<Task>> Due(std::string_view queue, TimePoint now, int limit) = 0;
  // The earliest schedule time of the queue's tasks that are not in flight.
  virtual Result<std::optional<TimePoint>> NextScheduleTime(std::string_view queue) = 0;
  // Writes the task's schedule time, counters, attempts, bookkeeping and in-flight flag.
  // Returns false when the task no longer exists.
  virtual Result<bool> UpdateState(const Task& task, bool in_flight) = 0;
  virtual Status ClearInFlight() = 0;

  // Tombstones keep a used task name blocked until `until`; expired ones read as absent.
  virtual Status PutTombstone(std::string_view name, TimePoint until) = 0;
  virtual Result<bool> HasTombstone(std::string_view name, TimePoint now) = 0;
  // Forgets the task tombstones of one queue, or of every queue when `queue` is empty.
  virtual Status DeleteTombstones(std::string_view queue) = 0;
  virtual Status DeleteExpiredTombstones(TimePoint now) = 0;
};

}  // namespace cte::core
