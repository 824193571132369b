// MemoryData: what a MemoryStore keeps (rows, the indexes its reads use, the undo log), shared by
// its tables. Internal to the memory store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/attempt_log.h"
#include "core/model.h"
#include "store/tombstone_set.h"
#include "store/undo_log.h"

namespace cte::store {

// A task as kept: `task` in its stored form (store/stored_form.h) without its body.
struct TaskRow {
  core::Task task;
  std::string body;
  int64_t position = 0;  // Creation order; never reused.
  bool in_flight = false;
};

// One queue's tasks, by name, by position, and (for the dispatcher) the HTTP tasks not in flight
// by (schedule time in µs, position). Rows never move in memory while they are kept here or in a
// Node, so the indexes and the undo log may point at them. Movable, not copyable.
class QueueTasks {
 public:
  using ByName = std::unordered_map<std::string_view, std::unique_ptr<TaskRow>>;
  using Node = ByName::node_type;
  using Waiting = std::map<std::pair<int64_t, int64_t>, TaskRow*>;

  // nullptr when the queue has no task of that name.
  TaskRow* Find(std::string_view name) const;
  // Requires: no task of that name.
  TaskRow& Add(std::unique_ptr<TaskRow> row);
  // Takes a row out with its indexes; Restore puts it back as it was.
  Node Extract(TaskRow& row);
  void Restore(Node node);
  // Brackets any change of a row's schedule time or in-flight flag, to keep `waiting` in step.
  void BeforeChange(TaskRow& row);
  void AfterChange(TaskRow& row);

  size_t size() const { return by_name_.size(); }
  const ByName& by_name() const { return by_name_; }
  const std::map<int64_t, TaskRow*>& by_position() const { return by_position_; }
  const Waiting& waiting() const { return waiting_; }

 private:
  static bool IsWaiting(const TaskRow& row);
  static std::pair<int64_t, int64_t> WaitingKey(const TaskRow& row);

  ByName by_name_;  // Keys view the rows' own task names.
  std::map<int64_t, TaskRow*> by_position_;
  Waiting waiting_;
};

struct QueueRow {
  core::Queue queue;   // Stored form.
  std::string policy;  // "" when none was set.
  QueueTasks tasks;
};

// The attempt log, by ID, with the IDs of each queue and task.
struct AttemptLog {
  std::map<int64_t, core::AttemptLogEntry> by_id;
  std::unordered_map<std::string, std::set<int64_t>> by_queue;
  std::unordered_map<std::string, std::set<int64_t>> by_task;
  int64_t last_id = 0;
};

struct MemoryData {
  // The queue of a task name ("<queue>/tasks/<id>"), or nullptr when it does not exist.
  QueueRow* QueueOfTask(std::string_view task_name);
  QueueRow* FindQueue(std::string_view name);

  bool in_transaction = false;
  UndoLog undo;
  std::map<std::string, QueueRow, std::less<>> queues;
  TombstoneSet queue_tombstones;
  TombstoneSet task_tombstones;
  std::map<std::string, std::string, std::less<>> kms_keys;  // Location name to CMEK key.
  int64_t last_position = 0;
  AttemptLog attempts;
};

// Tombstone writes that record in `undo` how to take themselves back.
void PutTombstone(UndoLog& undo, TombstoneSet& set, std::string_view name, int64_t expire_us);
void DeleteTombstone(UndoLog& undo, TombstoneSet& set, std::string_view name);
void DeleteTombstonesWithPrefix(UndoLog& undo, TombstoneSet& set, std::string_view prefix);
void DeleteExpiredTombstones(UndoLog& undo, TombstoneSet& set, int64_t now_us);
void DeleteAllTombstones(UndoLog& undo, TombstoneSet& set);

// Whether a page of `count` rows is full; a negative `limit` means no limit, as in SQL.
inline bool PageFull(size_t count, int limit) {
  return limit >= 0 && count >= static_cast<size_t>(limit);
}

// The queue part of a task name: everything before the last "/tasks/" (the whole name when there
// is none), as SqliteStore splits it.
std::string_view QueueNameOf(std::string_view task_name);

}  // namespace cte::store
