// SqliteStore: the TaskStore kept in one SQLite database (WAL mode, versioned schema in
// store/schema.sql).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/commit_actions.h"
#include "core/task_store.h"
#include "store/wal_checkpointer.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace cte::store {

// The address space reserved for a ":memory:" database by default.
inline constexpr size_t kDefaultMemoryReserve = size_t{1} << 40;

struct SqliteOptions {
  // Address space reserved for a ":memory:" database, which then grows in place as pages are
  // written. With 0, or when the reservation is refused (a `ulimit -v`, strict overcommit), the
  // database's buffer grows by copying instead.
  size_t memory_reserve = kDefaultMemoryReserve;
  // The name of a registered SQLite VFS to open a database file through ("" for the default):
  // how the storage fault tests make writes fail.
  std::string vfs;
};
class SqliteQueueTable;
class SqliteTaskTable;
class SqliteAttemptTable;

// Opens (creating if needed, with user-only permissions) and migrates the database at `path`;
// ":memory:" keeps nothing. Writes are durable across a crash of the process once Commit()
// returns (WAL, synchronous=NORMAL). Not thread-safe: owned by one thread.
class SqliteStore final : public core::TaskStore {
 public:
  static constexpr size_t kMemoryReserve = kDefaultMemoryReserve;

  // UNAVAILABLE (e.g. no space, no permission) or INTERNAL when the file cannot be opened or
  // migrated.
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                         size_t memory_reserve = kMemoryReserve);
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                         const SqliteOptions& options);
  ~SqliteStore() override;

  // The schema version a freshly opened database has.
  static int SchemaVersion();

  core::Status Begin() override;
  core::Status Commit() override;
  void Rollback() override;
  core::Status BeginSavepoint() override;
  core::Status ReleaseSavepoint() override;
  core::Status RollbackSavepoint() override;
  bool InTransaction() const override;
  void OnCommit(std::function<void()> action) override;
  void OnRollback(std::function<void()> action) override;

  // Calls `observe` after each commit that succeeded, with how long its COMMIT took, on the
  // store's thread. Requires: the store is not in use on another thread.
  void ObserveCommits(std::function<void(core::Duration)> observe);

  core::QueueTable& queues() override;
  core::TaskTable& tasks() override;
  core::AttemptTable& attempts() override;
  core::PolicyTable& policies() override;

 private:
  struct Statements;
  SqliteStore(std::shared_ptr<void> memory, std::unique_ptr<SQLite::Database> db);
  // Turns the writer's own checkpoints on when the disk is short of space, off when it is not.
  void BoundLog();

  std::shared_ptr<void> memory_;  // An in-memory database's pages; freed after db_ closes.
  std::unique_ptr<SQLite::Database> db_;
  core::CommitActions actions_;  // Before the tables, which keep a reference.
  std::unique_ptr<Statements> st_;
  std::unique_ptr<SqliteQueueTable> queues_;
  std::unique_ptr<SqliteTaskTable> tasks_;
  std::unique_ptr<SqliteAttemptTable> attempts_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // File databases only.
  bool in_transaction_ = false;
  int autocheckpoint_frames_ = 0;  // The writer's own checkpoints: 0 = none (see Begin).
  std::function<void(core::Duration)> observe_commit_;
};

}  // namespace cte::store
