#include "store/memory_task_table.h"

#include <cassert>
#include <utility>

#include "core/time_util.h"
#include "store/stored_form.h"

namespace cte::store {

namespace {

using core::Result;
using core::Status;
using core::Task;

Task ReadTask(const TaskRow& row, bool with_body) {
  Task out = row.task;
  if (with_body) BodyOf(out) = row.body;
  return out;
}

}  // namespace

Result<bool> MemoryTaskTable::Insert(const Task& task) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.QueueOfTask(task.name);
  assert(queue != nullptr && "Requires: the task's queue exists");
  if (queue == nullptr) return core::Internal("no queue for task " + task.name);
  if (queue->tasks.Find(task.name) != nullptr) return false;
  auto row = std::make_unique<TaskRow>();
  row->task = StoredTask(task);
  row->body = BodyOf(task);
  row->position = ++data_.last_position;
  TaskRow& added = queue->tasks.Add(std::move(row));
  data_.undo.Push([&data = data_, &tasks = queue->tasks, &added] {
    data.last_position = added.position - 1;
    tasks.Extract(added);  // The returned node frees the row.
  });
  return true;
}

Result<std::optional<Task>> MemoryTaskTable::Find(std::string_view name) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.QueueOfTask(name);
  TaskRow* row = queue == nullptr ? nullptr : queue->tasks.Find(name);
  if (row == nullptr) return std::optional<Task>();
  return std::optional<Task>(ReadTask(*row, true));
}

Result<bool> MemoryTaskTable::Delete(std::string_view name) {
  return DeleteWhere(name, std::nullopt);
}

Result<bool> MemoryTaskTable::DeleteAttempted(std::string_view name, int dispatch_count) {
  return DeleteWhere(name, dispatch_count);
}

Result<bool> MemoryTaskTable::DeleteWhere(std::string_view name,
                                          std::optional<int> dispatch_count) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.QueueOfTask(name);
  TaskRow* row = queue == nullptr ? nullptr : queue->tasks.Find(name);
  if (row == nullptr) return false;
  if (dispatch_count && row->task.dispatch_count != *dispatch_count) return false;
  data_.undo.Push([&tasks = queue->tasks, node = queue->tasks.Extract(*row)]() mutable {
    tasks.Restore(std::move(node));
  });
  return true;
}

Result<core::TaskPage> MemoryTaskTable::List(std::string_view queue_name, int64_t after_position,
                                             int limit, bool with_body) {
  assert(data_.in_transaction);
  core::TaskPage page;
  QueueRow* queue = data_.FindQueue(queue_name);
  if (queue == nullptr) return page;
  const auto& by_position = queue->tasks.by_position();
  for (auto it = by_position.upper_bound(after_position); it != by_position.end(); ++it) {
    if (PageFull(page.tasks.size(), limit)) break;
    page.tasks.push_back(ReadTask(*it->second, with_body));
    page.last_position = it->first;
  }
  return page;
}

Result<core::TaskStatePage> MemoryTaskTable::ListByState(std::string_view queue_name,
                                                         std::optional<core::TaskState> state,
                                                         core::TimePoint now,
                                                         int64_t after_position, int limit,
                                                         int max_scan) {
  assert(data_.in_transaction);
  core::TaskStatePage page;
  QueueRow* queue = data_.FindQueue(queue_name);
  if (queue == nullptr) return page;
  const auto& by_position = queue->tasks.by_position();
  int scanned = 0;
  for (auto it = by_position.upper_bound(after_position); it != by_position.end(); ++it) {
    if (PageFull(page.tasks.size(), limit) || scanned == max_scan) {
      page.more = true;
      break;
    }
    ++scanned;
    const TaskRow& row = *it->second;
    page.last_position = it->first;
    auto at = row.task.schedule_time.value_or(core::TimePoint());
    core::TaskState s = core::StateOf(row.in_flight, row.task.dispatch_count, at, now);
    if (state && s != *state) continue;
    page.tasks.push_back(ReadTask(row, false));
    page.states.push_back(s);
  }
  return page;
}

Result<int64_t> MemoryTaskTable::Purge(std::string_view queue_name,
                                       std::optional<core::TimePoint> tombstone_until) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.FindQueue(queue_name);
  if (queue == nullptr) return int64_t{0};
  auto count = static_cast<int64_t>(queue->tasks.size());
  if (tombstone_until) {
    int64_t until_us = core::ToMicros(*tombstone_until);
    for (const auto& [name, row] : queue->tasks.by_name()) {
      store::PutTombstone(data_.undo, data_.task_tombstones, name, until_us);
    }
  }
  // The rows leave with their indexes in O(1); undoing moves them back.
  data_.undo.Push(
      [&tasks = queue->tasks, purged = std::exchange(queue->tasks, QueueTasks())]() mutable {
        tasks = std::move(purged);
      });
  return count;
}

Result<int64_t> MemoryTaskTable::Count(std::string_view queue_name) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.FindQueue(queue_name);
  return queue == nullptr ? int64_t{0} : static_cast<int64_t>(queue->tasks.size());
}

Status MemoryTaskTable::PutTombstone(std::string_view name, core::TimePoint until) {
  assert(data_.in_transaction);
  store::PutTombstone(data_.undo, data_.task_tombstones, name, core::ToMicros(until));
  return Status::Ok();
}

Result<bool> MemoryTaskTable::HasTombstone(std::string_view name, core::TimePoint now) {
  assert(data_.in_transaction);
  return data_.task_tombstones.Has(name, core::ToMicros(now));
}

Status MemoryTaskTable::DeleteTombstones(std::string_view queue) {
  assert(data_.in_transaction);
  if (queue.empty()) {
    DeleteAllTombstones(data_.undo, data_.task_tombstones);
  } else {
    DeleteTombstonesWithPrefix(data_.undo, data_.task_tombstones, std::string(queue) + "/tasks/");
  }
  return Status::Ok();
}

Status MemoryTaskTable::DeleteExpiredTombstones(core::TimePoint now) {
  assert(data_.in_transaction);
  store::DeleteExpiredTombstones(data_.undo, data_.task_tombstones, core::ToMicros(now));
  return Status::Ok();
}

}  // namespace cte::store
