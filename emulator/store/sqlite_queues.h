// SqliteQueueTable: the queues, queue tombstones and IAM policies of a SqliteStore.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/commit_actions.h"
#include "core/policy_table.h"
#include "core/queue_table.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace cte::store {

// Not thread-safe: owned by its SqliteStore, which makes every call inside a transaction.
class SqliteQueueTable final : public core::QueueTable, public core::PolicyTable {
 public:
  // Prepares its statements and counts each queue's tasks, once: from then on the counts follow
  // every write (TaskCount). `db`, which must hold the current schema, and `actions`, the
  // store's, which undo a count with the writes it followed, must outlive the table.
  SqliteQueueTable(SQLite::Database& db, core::CommitActions& actions);
  ~SqliteQueueTable() override;

  core::Result<std::optional<core::Queue>> Find(std::string_view name) override;
  core::Result<std::vector<core::Queue>> List(std::string_view prefix, std::string_view after,
                                              int limit) override;
  core::Status Put(const core::Queue& queue) override;
  core::Status Delete(std::string_view name) override;
  core::Result<std::vector<std::string>> ListLocations(std::string_view project) override;
  core::Status PutTombstone(std::string_view name, core::TimePoint until) override;
  core::Result<bool> HasTombstone(std::string_view name, core::TimePoint now) override;
  core::Status DeleteTombstone(std::string_view name) override;
  core::Status DeleteAllTombstones() override;
  core::Status DeleteExpiredTombstones(core::TimePoint now) override;
  core::Result<std::string> GetKmsKey(std::string_view location) override;
  core::Status PutKmsKey(std::string_view location, std::string_view kms_key) override;
  core::Status DeleteAllKmsKeys() override;

  // PolicyTable.
  core::Result<std::string> Get(std::string_view queue) override;
  core::Status Put(std::string_view queue, std::string_view policy) override;

  // The row ID tasks refer to their queue by; 0 when the queue does not exist. Throws
  // SQLite::Exception (callers run inside Guard).
  int64_t Id(std::string_view name);
  // Forgets the rows it remembers: after a rollback they may be gone or different.
  void ForgetCached();
  // The tasks of the queue with row ID `id`, as the open transaction's writes left them, without
  // reading them: what keeps /metrics and /emulator/v1/stats cheap with millions of tasks.
  int64_t TaskCount(int64_t id) const;
  // Adds `delta` to the count of the queue's tasks; a rollback of the writes it follows takes
  // it back. For the task table, after each write of tasks. Requires: a transaction is open.
  void CountTasks(int64_t id, int64_t delta);

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::unordered_map<std::string, int64_t> ids_;
  // The rows Find read, by name: every CreateTask looks its queue up. This table is the only
  // writer of the queues; Put and Delete drop their entry, and a rollback drops them all.
  std::unordered_map<std::string, core::Queue> found_;
  core::CommitActions& actions_;
  std::unordered_map<int64_t, int64_t> task_counts_;  // By queue row ID; absent: none.
};

}  // namespace cte::store
