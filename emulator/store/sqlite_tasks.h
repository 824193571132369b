// SqliteTaskTable: the tasks and task tombstones of a SqliteStore.
#pragma once

#include <memory>

#include "core/task_table.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace cte::store {

class SqliteQueueTable;

// Not thread-safe: owned by its SqliteStore, which makes every call inside a transaction.
class SqliteTaskTable final : public core::TaskTable {
 public:
  // Prepares its statements. `db` (with the current schema) and `queues`, which knows the row
  // IDs tasks refer to their queue by, must outlive the table.
  SqliteTaskTable(SQLite::Database& db, SqliteQueueTable& queues);
  ~SqliteTaskTable() override;

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

  // Saves the next row ID in the open transaction; SqliteStore calls it before each commit.
  // Throws SQLite::Exception.
  void SaveIds();

 private:
  struct Statements;
  // Deletes the task, if `dispatch_count` is set only when its dispatch count is that.
  core::Result<bool> DeleteWhere(std::string_view name, std::optional<int> dispatch_count);

  std::unique_ptr<Statements> st_;
  SqliteQueueTable& queues_;
};

}  // namespace cte::store
