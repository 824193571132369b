// MemoryTaskTable: the memory store's tasks, their dispatch state and task tombstones. Internal
// to the memory store (see store/memory_store.h).
#pragma once

#include "core/task_table.h"
#include "store/memory_data.h"

namespace cte::store {

// Find, Insert, Delete, UpdateState and the tombstone calls are O(log n) (plus the task's size);
// List and Due are O(log n) plus the page; NextScheduleTime and Count are O(1) after finding the
// queue; Purge is O(1) plus O(log n) per tombstone it writes; ClearInFlight visits every task.
// Never fails. Each write records its undo in `data.undo`. `data` must outlive the table.
class MemoryTaskTable final : public core::TaskTable {
 public:
  explicit MemoryTaskTable(MemoryData& data) : data_(data) {}

  core::Result<bool> Insert(const core::Task& task) override;
  core::Result<std::optional<core::Task>> Find(std::string_view name) override;
  core::Result<bool> Delete(std::string_view name) override;
  core::Result<bool> DeleteAttempted(std::string_view name, int dispatch_count) override;
  core::Result<core::TaskPage> List(std::string_view queue, int64_t after_position, int limit,
                                    bool with_body) override;
  core::Result<core::TaskStatePage> ListByState(std::string_view queue,
                                                std::optional<core::TaskState> state,
                                                core::TimePoint now, int64_t after_position,
                                                int limit, int max_scan) override;
  core::Result<int64_t> Purge(std::string_view queue,
                              std::optional<core::TimePoint> tombstone_until) override;
  core::Result<int64_t> Count(std::string_view queue) override;

  core::Result<std::vector<core::Task>> Due(std::string_view queue, core::TimePoint now,
                                            int limit) override;
  core::Result<std::optional<core::TimePoint>> NextScheduleTime(std::string_view queue) override;
  core::Result<bool> UpdateState(const core::Task& task, bool in_flight) override;
  core::Status ClearInFlight() override;

  core::Status PutTombstone(std::string_view name, core::TimePoint until) override;
  core::Result<bool> HasTombstone(std::string_view name, core::TimePoint now) override;
  core::Status DeleteTombstones(std::string_view queue) override;
  core::Status DeleteExpiredTombstones(core::TimePoint now) override;

 private:
  // Deletes the task, if `dispatch_count` is set only when its dispatch count is that.
  core::Result<bool> DeleteWhere(std::string_view name, std::optional<int> dispatch_count);

  MemoryData& data_;
};

}  // namespace cte::store
