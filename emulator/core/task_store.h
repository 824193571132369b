// TaskStore: the port through which the service reads and writes queues, tasks and tombstones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attempt_log.h"
#include "core/model.h"
#include "core/status.h"

namespace cte::core {

// A queue as stored: the resource plus what the API keeps beside it.
struct StoredQueue {
  Queue queue;
  std::string iam_policy;  // Serialized by the caller; empty when no policy was set.
};

// One page of tasks, in creation order.
struct TaskPage {
  std::vector<Task> tasks;
  int64_t last_position = 0;  // Pass as `after_position` to continue; meaningful when non-empty.
};

// Storage for queues and tasks. Implementations return INTERNAL (or UNAVAILABLE when busy) for
// failures of the storage itself; absence is reported through std::optional, not as an error,
// so the caller can choose the message that Cloud Tasks uses for the method at hand.
//
// Every call except Begin must happen between Begin() and Commit() or Rollback(). Not
// thread-safe: one thread owns a store.
class TaskStore {
 public:
  virtual ~TaskStore() = default;

  virtual Status Begin() = 0;
  // Makes the writes since Begin() durable. On failure they are rolled back.
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Savepoints inside a transaction, so that one failed call in a batch leaves nothing behind.
  virtual Status BeginSavepoint() = 0;
  virtual Status ReleaseSavepoint() = 0;
  virtual Status RollbackSavepoint() = 0;

  virtual Result<std::optional<StoredQueue>> FindQueue(std::string_view name) = 0;
  // Queues whose names start with `prefix` and sort after `after`, in name order.
  virtual Result<std::vector<StoredQueue>> ListQueues(std::string_view prefix,
                                                      std::string_view after, int limit) = 0;
  // Inserts or replaces the queue of that name.
  virtual Status PutQueue(const StoredQueue& queue) = 0;
  // Deletes the queue, its tasks and its task tombstones. Deleting a missing queue is a no-op.
  virtual Status DeleteQueue(std::string_view name) = 0;
  // The distinct location names ("projects/p/locations/l") that hold queues of a project.
  virtual Result<std::vector<std::string>> ListQueueLocations(std::string_view project) = 0;

  // Requires: the task's queue exists. ALREADY_EXISTS when a task of that name exists.
  virtual Status InsertTask(const Task& task) = 0;
  virtual Result<std::optional<Task>> FindTask(std::string_view name) = 0;
  // Returns whether a task was deleted.
  virtual Result<bool> DeleteTask(std::string_view name) = 0;
  // Tasks of `queue_name` after `after_position` (0 for the first page), bodies left out unless
  // `with_body`.
  virtual Result<TaskPage> ListTasks(std::string_view queue_name, int64_t after_position, int limit,
                                     bool with_body) = 0;
  // Deletes every task of the queue; when `tombstone_until` is set, their names stay blocked
  // until then. Returns how many were deleted.
  virtual Result<int64_t> PurgeTasks(std::string_view queue_name,
                                     std::optional<TimePoint> tombstone_until) = 0;

  // Dispatch. A task is "in flight" from MarkDispatched until its outcome is recorded; in-flight
  // tasks are never due. The flag is cleared for every task when the emulator starts, so that a
  // request cut off by a crash is sent again (at-least-once).
  //
  // Up to `limit` HTTP tasks of the queue that are due at `now` and not in flight, earliest
  // first. (App Engine tasks are stored but not dispatched.)
  virtual Result<std::vector<Task>> DueTasks(std::string_view queue_name, TimePoint now,
                                             int limit) = 0;
  // The earliest schedule time of the queue's HTTP tasks that are not in flight.
  virtual Result<std::optional<TimePoint>> NextScheduleTime(std::string_view queue_name) = 0;
  // Writes the task's schedule time, counters, attempts and bookkeeping, and its in-flight flag.
  // Returns false when the task no longer exists.
  virtual Result<bool> UpdateTaskState(const Task& task, bool in_flight) = 0;
  virtual Status ClearInFlight() = 0;

  // The attempt log. InsertAttempt returns the new entry's ID; UpdateAttempt rewrites the entry
  // with `entry.id`. ListAttempts filters by full queue and task name when they are not empty.
  virtual Result<int64_t> InsertAttempt(const AttemptLogEntry& entry) = 0;
  virtual Status UpdateAttempt(const AttemptLogEntry& entry) = 0;
  virtual Result<std::vector<AttemptLogEntry>> ListAttempts(std::string_view queue_name,
                                                            std::string_view task_name,
                                                            int64_t after_id, int limit) = 0;
  // Forgets the attempts of one queue, or of all queues when `queue_name` is empty.
  virtual Status DeleteAttempts(std::string_view queue_name) = 0;
  // Counts a queue's tasks (waiting or in flight).
  virtual Result<int64_t> CountTasks(std::string_view queue_name) = 0;
  // Forgets the task tombstones of one queue, or all tombstones (tasks and queues) when empty.
  virtual Status DeleteTombstones(std::string_view queue_name) = 0;

  // Tombstones keep names blocked until `until`. Expired ones read as absent.
  virtual Status PutTaskTombstone(std::string_view task_name, TimePoint until) = 0;
  virtual Result<bool> HasTaskTombstone(std::string_view task_name, TimePoint now) = 0;
  virtual Status PutQueueTombstone(std::string_view queue_name, TimePoint until) = 0;
  virtual Result<bool> HasQueueTombstone(std::string_view queue_name, TimePoint now) = 0;
  virtual Status DeleteQueueTombstone(std::string_view queue_name) = 0;
  // Forgets tombstones that expired before `now`.
  virtual Status DeleteExpiredTombstones(TimePoint now) = 0;
};

}  // namespace cte::core
