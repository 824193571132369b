// The dispatch half of MemoryTaskTable: due tasks, next schedule time, dispatch state.
#include <cassert>
#include <utility>
#include <vector>

#include "core/time_util.h"
#include "store/memory_task_table.h"
#include "store/stored_form.h"

namespace cte::store {

namespace {

using core::Result;
using core::Status;
using core::Task;

}  // namespace

Result<std::vector<Task>> MemoryTaskTable::Due(std::string_view queue_name, core::TimePoint now,
                                               int limit) {
  assert(data_.in_transaction);
  std::vector<Task> out;
  QueueRow* queue = data_.FindQueue(queue_name);
  if (queue == nullptr) return out;
  int64_t now_us = core::ToMicros(now);
  for (const auto& [key, row] : queue->tasks.waiting()) {
    if (key.first > now_us || PageFull(out.size(), limit)) break;
    Task task = row->task;
    BodyOf(task) = row->body;
    out.push_back(std::move(task));
  }
  return out;
}

Result<std::optional<core::TimePoint>> MemoryTaskTable::NextScheduleTime(
    std::string_view queue_name) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.FindQueue(queue_name);
  if (queue == nullptr || queue->tasks.waiting().empty()) {
    return std::optional<core::TimePoint>();
  }
  return std::optional<core::TimePoint>(
      core::FromMicros(queue->tasks.waiting().begin()->first.first));
}

Result<bool> MemoryTaskTable::UpdateState(const Task& task, bool in_flight) {
  assert(data_.in_transaction);
  QueueRow* queue = data_.QueueOfTask(task.name);
  TaskRow* row = queue == nullptr ? nullptr : queue->tasks.Find(task.name);
  if (row == nullptr) return false;
  // Applying a stored task's state copies exactly its state fields: what the undo needs.
  Task saved;
  ApplyTaskState(saved, row->task);
  bool was_in_flight = row->in_flight;
  QueueTasks& tasks = queue->tasks;
  tasks.BeforeChange(*row);
  ApplyTaskState(row->task, task);
  row->in_flight = in_flight;
  tasks.AfterChange(*row);
  data_.undo.Push([&tasks, row, saved = std::move(saved), was_in_flight] {
    tasks.BeforeChange(*row);
    ApplyTaskState(row->task, saved);
    row->in_flight = was_in_flight;
    tasks.AfterChange(*row);
  });
  return true;
}

Status MemoryTaskTable::ClearInFlight() {
  assert(data_.in_transaction);
  std::vector<std::pair<QueueTasks*, TaskRow*>> cleared;
  for (auto& [name, queue] : data_.queues) {
    for (const auto& [position, row] : queue.tasks.by_position()) {
      if (!row->in_flight) continue;
      queue.tasks.BeforeChange(*row);
      row->in_flight = false;
      queue.tasks.AfterChange(*row);
      cleared.emplace_back(&queue.tasks, row);
    }
  }
  if (cleared.empty()) return Status::Ok();
  data_.undo.Push([cleared = std::move(cleared)] {
    for (auto [tasks, row] : cleared) {
      tasks->BeforeChange(*row);
      row->in_flight = true;
      tasks->AfterChange(*row);
    }
  });
  return Status::Ok();
}

}  // namespace cte::store
