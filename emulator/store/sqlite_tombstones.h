// SqliteTombstones: one tombstone table of a SqliteStore (queue_tombstones or task_tombstones),
// names blocked until an expiry time. Private to store/.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/sqlite_db.h"

namespace cte::store {

// Every call returns UNAVAILABLE or INTERNAL when SQLite fails (see SqliteError). Not
// thread-safe: owned by a table of a SqliteStore, which makes every call inside a transaction.
class SqliteTombstones {
 public:
  // Prepares its statements on `table`, whose columns are (name, expire_time_us). `db` must
  // outlive the object and hold the current schema.
  SqliteTombstones(SQLite::Database& db, const std::string& table);

  // Blocks `name` until `until`, replacing its earlier expiry.
  core::Status Put(std::string_view name, core::TimePoint until);
  // Whether `name` is blocked at `now`: it expires after it.
  core::Result<bool> Has(std::string_view name, core::TimePoint now);
  // Forgets `name`.
  core::Status Delete(std::string_view name);
  // Forgets the names that start with `prefix` (every name when it is empty).
  core::Status DeletePrefix(std::string_view prefix);
  // Forgets the names that expire at or before `now`.
  core::Status DeleteExpired(core::TimePoint now);

 private:
  // Runs `sql` with `text` bound to its one parameter.
  core::Status ExecOn(Sql& sql, std::string_view text);

  Sql put_, has_, delete_, delete_prefix_, delete_expired_;
};

}  // namespace cte::store
