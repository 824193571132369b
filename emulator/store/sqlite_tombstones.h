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
  // How a table keys its names.
  enum class Key {
    kName,  // (name, expire_time_us): queue_tombstones.
    // (task_id, queue, expire_time_us), task ID first: task_tombstones. The IDs the emulator
    // generates grow, so the tombstones of tasks that end together share the table's last page
    // instead of each writing a page of its queue's (issue 17).
    kTaskIdFirst,
  };

  // Prepares its statements on `table`, keyed as `key` says. `db` must outlive the object and
  // hold the current schema.
  SqliteTombstones(SQLite::Database& db, const std::string& table, Key key);

  // Blocks `name` until `until`, replacing its earlier expiry.
  core::Status Put(std::string_view name, core::TimePoint until);
  // Whether `name` is blocked at `now`: it expires after it.
  core::Result<bool> Has(std::string_view name, core::TimePoint now);
  // Forgets `name`.
  core::Status Delete(std::string_view name);
  // Forgets every name; with kTaskIdFirst and a queue name, only that queue's tasks.
  core::Status DeleteAll(std::string_view queue = "");
  // Forgets the names that expire at or before `now`.
  core::Status DeleteExpired(core::TimePoint now);

 private:
  // Binds `name` to the key's parameters, ?1 (and ?2 for a task's queue).
  void BindKey(SQLite::Statement& st, std::string_view name) const;

  Key key_;
  Sql put_, has_, delete_, delete_all_, delete_expired_;
};

}  // namespace cte::store
