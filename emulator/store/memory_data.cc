#include "store/memory_data.h"

#include <cassert>
#include <optional>
#include <utility>

#include "core/time_util.h"

namespace cte::store {

TaskRow* QueueTasks::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

TaskRow& QueueTasks::Add(std::unique_ptr<TaskRow> row) {
  TaskRow& r = *row;
  [[maybe_unused]] bool added = by_name_.emplace(r.task.name, std::move(row)).second;
  assert(added);
  by_position_.emplace(r.position, &r);
  AfterChange(r);
  return r;
}

QueueTasks::Node QueueTasks::Extract(TaskRow& row) {
  BeforeChange(row);
  by_position_.erase(row.position);
  return by_name_.extract(row.task.name);
}

void QueueTasks::Restore(Node node) {
  TaskRow& r = *node.mapped();
  [[maybe_unused]] bool restored = by_name_.insert(std::move(node)).inserted;
  assert(restored);
  by_position_.emplace(r.position, &r);
  AfterChange(r);
}

void QueueTasks::BeforeChange(TaskRow& row) {
  if (IsWaiting(row)) waiting_.erase(WaitingKey(row));
}

void QueueTasks::AfterChange(TaskRow& row) {
  if (IsWaiting(row)) waiting_.emplace(WaitingKey(row), &row);
}

bool QueueTasks::IsWaiting(const TaskRow& row) { return !row.in_flight; }

std::pair<int64_t, int64_t> QueueTasks::WaitingKey(const TaskRow& row) {
  return {core::ToMicros(*row.task.schedule_time), row.position};
}

QueueRow* MemoryData::QueueOfTask(std::string_view task_name) {
  return FindQueue(QueueNameOf(task_name));
}

QueueRow* MemoryData::FindQueue(std::string_view name) {
  auto it = queues.find(name);
  return it == queues.end() ? nullptr : &it->second;
}

void PutTombstone(UndoLog& undo, TombstoneSet& set, std::string_view name, int64_t expire_us) {
  std::optional<int64_t> previous = set.Put(name, expire_us);
  undo.Push([&set, name = std::string(name), previous] { set.Reset(name, previous); });
}

void DeleteTombstone(UndoLog& undo, TombstoneSet& set, std::string_view name) {
  std::optional<int64_t> previous = set.Erase(name);
  if (!previous) return;
  undo.Push([&set, name = std::string(name), previous] { set.Reset(name, previous); });
}

namespace {

void RestoreOnUndo(UndoLog& undo, TombstoneSet& set, TombstoneSet::Entries erased) {
  if (erased.empty()) return;
  undo.Push([&set, erased = std::move(erased)] { set.Restore(erased); });
}

}  // namespace

void DeleteTombstonesWithPrefix(UndoLog& undo, TombstoneSet& set, std::string_view prefix) {
  RestoreOnUndo(undo, set, set.ErasePrefix(prefix));
}

void DeleteExpiredTombstones(UndoLog& undo, TombstoneSet& set, int64_t now_us) {
  RestoreOnUndo(undo, set, set.EraseExpired(now_us));
}

void DeleteAllTombstones(UndoLog& undo, TombstoneSet& set) {
  // The whole set goes into the undo step, in O(1), and comes back the same way.
  undo.Push([&set, all = std::exchange(set, TombstoneSet())]() mutable { set = std::move(all); });
}

std::string_view QueueNameOf(std::string_view task_name) {
  size_t at = task_name.rfind("/tasks/");
  return at == std::string_view::npos ? task_name : task_name.substr(0, at);
}

}  // namespace cte::store
