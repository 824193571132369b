// SqliteStore: the TaskStore kept in one SQLite database (WAL mode, versioned schema).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/task_store.h"
#include "store/wal_checkpointer.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace cte::store {

// Opens (creating if needed, with user-only permissions) and migrates the database at `path`;
// ":memory:" keeps nothing. Writes are durable across a crash of the process once Commit()
// returns (WAL, synchronous=NORMAL). Not thread-safe: owned by one thread.
class SqliteStore final : public core::TaskStore {
 public:
  // Address space reserved for a ":memory:" database, which then grows in place as pages are
  // written. With 0, or when the reservation is refused (a `ulimit -v`, strict overcommit), the
  // database's buffer grows by copying instead.
  static constexpr size_t kMemoryReserve = size_t{1} << 40;

  // INTERNAL when the file cannot be opened or migrated.
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                         size_t memory_reserve = kMemoryReserve);
  ~SqliteStore() override;

  // The schema version a freshly opened database has.
  static int SchemaVersion();

  core::Status Begin() override;
  core::Status Commit() override;
  void Rollback() override;
  core::Status BeginSavepoint() override;
  core::Status ReleaseSavepoint() override;
  core::Status RollbackSavepoint() override;

  core::Result<std::optional<core::StoredQueue>> FindQueue(std::string_view name) override;
  core::Result<std::vector<core::StoredQueue>> ListQueues(std::string_view prefix,
                                                          std::string_view after,
                                                          int limit) override;
  core::Status PutQueue(const core::StoredQueue& queue) override;
  core::Status DeleteQueue(std::string_view name) override;
  core::Result<std::vector<std::string>> ListQueueLocations(std::string_view project) override;

  core::Status InsertTask(const core::Task& task) override;
  core::Result<std::optional<core::Task>> FindTask(std::string_view name) override;
  core::Result<bool> DeleteTask(std::string_view name) override;
  core::Result<core::TaskPage> ListTasks(std::string_view queue_name, int64_t after_position,
                                         int limit, bool with_body) override;
  core::Result<int64_t> PurgeTasks(std::string_view queue_name,
                                   std::optional<core::TimePoint> tombstone_until) override;

  core::Result<std::vector<core::Task>> DueTasks(std::string_view queue_name, core::TimePoint now,
                                                 int limit) override;
  core::Result<std::optional<core::TimePoint>> NextScheduleTime(
      std::string_view queue_name) override;
  core::Result<bool> UpdateTaskState(const core::Task& task, bool in_flight) override;
  core::Status ClearInFlight() override;

  core::Result<int64_t> InsertAttempt(const core::AttemptLogEntry& entry) override;
  core::Status UpdateAttempt(const core::AttemptLogEntry& entry) override;
  core::Result<std::vector<core::AttemptLogEntry>> ListAttempts(std::string_view queue_name,
                                                                std::string_view task_name,
                                                                int64_t after_id,
                                                                int limit) override;
  core::Status DeleteAttempts(std::string_view queue_name) override;
  core::Result<int64_t> CountTasks(std::string_view queue_name) override;
  core::Status DeleteTombstones(std::string_view queue_name) override;

  core::Status PutTaskTombstone(std::string_view task_name, core::TimePoint until) override;
  core::Result<bool> HasTaskTombstone(std::string_view task_name, core::TimePoint now) override;
  core::Status PutQueueTombstone(std::string_view queue_name, core::TimePoint until) override;
  core::Result<bool> HasQueueTombstone(std::string_view queue_name, core::TimePoint now) override;
  core::Status DeleteQueueTombstone(std::string_view queue_name) override;
  core::Status DeleteExpiredTombstones(core::TimePoint now) override;

 private:
  struct Statements;
  SqliteStore(std::shared_ptr<void> memory, std::unique_ptr<SQLite::Database> db);
  // The rowid of a queue, or 0 when it does not exist.
  int64_t QueueId(std::string_view name);

  std::shared_ptr<void> memory_;  // An in-memory database's pages; freed after db_ closes.
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Statements> st_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // File databases only.
  std::unordered_map<std::string, int64_t> queue_ids_;
  // The rows FindQueue read, by name: every CreateTask looks its queue up. This store is the
  // only writer of the queues table; PutQueue and DeleteQueue drop their entry, and a rollback
  // drops them all.
  std::unordered_map<std::string, core::StoredQueue> queues_;
  bool in_transaction_ = false;
};

}  // namespace cte::store
