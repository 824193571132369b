// SqliteAttemptTable: the attempt log of a SqliteStore.
#pragma once

#include <memory>

#include "core/attempt_table.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace cte::store {

// Not thread-safe: owned by its SqliteStore, which makes every call inside a transaction.
class SqliteAttemptTable final : public core::AttemptTable {
 public:
  // Prepares its statements. `db` must outlive the table and hold the current schema.
  explicit SqliteAttemptTable(SQLite::Database& db);
  ~SqliteAttemptTable() override;

  core::Result<int64_t> Insert(const core::AttemptLogEntry& entry) override;
  core::Status Update(const core::AttemptLogEntry& entry) override;
  core::Result<std::vector<core::AttemptLogEntry>> List(std::string_view queue,
                                                        std::string_view task, int64_t after_id,
                                                        int limit) override;
  core::Status Delete(std::string_view queue) override;
  core::Status EndInFlight(std::string_view error) override;

  // Saves the next entry ID in the open transaction; SqliteStore calls it before each commit.
  // Throws SQLite::Exception.
  void SaveIds();

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace cte::store
