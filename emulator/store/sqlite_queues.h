// SqliteQueueTable: the queues, queue tombstones and IAM policies of a SqliteStore.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/policy_table.h"
#include "core/queue_table.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace cte::store {

// Not thread-safe: owned by its SqliteStore, which makes every call inside a transaction.
class SqliteQueueTable final : public core::QueueTable, public core::PolicyTable {
 public:
  // Prepares its statements. `db` must outlive the table and hold the current schema.
  explicit SqliteQueueTable(SQLite::Database& db);
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

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::unordered_map<std::string, int64_t> ids_;
  // The rows Find read, by name: every CreateTask looks its queue up. This table is the only
  // writer of the queues; Put and Delete drop their entry, and a rollback drops them all.
  std::unordered_map<std::string, core::Queue> found_;
};

}  // namespace cte::store
