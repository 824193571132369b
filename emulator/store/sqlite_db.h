// What the SQLite tables of the store share: opening and migrating the database, statements
// prepared once with their columns found by name, and SQLite's errors as a Status. Private to
// store/.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/clock.h"
#include "core/status.h"
#include "store/sqlite_store.h"

namespace cte::store {

// An open database: the connection, and the memory it lives in when it is ":memory:".
struct OpenedDb {
  std::shared_ptr<void> memory;  // Freed after the connection closes.
  std::unique_ptr<SQLite::Database> db;
};

// Opens (creating if needed, with user-only permissions) and migrates the database at `path` to
// the schema in store/schema.sql. UNAVAILABLE or INTERNAL (see SqliteError) when it cannot.
core::Result<OpenedDb> OpenDatabase(const std::string& path, const SqliteOptions& options);

// The schema version of store/schema.sql.
int SchemaVersion();

// The sections of store/schema.sql: element i moves a database from version i to i + 1.
const std::vector<std::string>& Migrations();

// A statement prepared once; the columns of its result are found by name.
class Sql {
 public:
  Sql(SQLite::Database& db, const std::string& text) : st_(db, text) {}
  // The index of result column `name`. Requires: the statement has that column.
  int Col(const char* name) const { return st_.getColumnIndex(name); }
  SQLite::Statement& statement() { return st_; }

 private:
  SQLite::Statement st_;
};

// Resets a prepared statement and its bindings when the scope ends, whatever happened.
class Use {
 public:
  explicit Use(Sql& sql) : st_(sql.statement()) {}
  ~Use();
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

// Row IDs of one table, handed out in increasing order and never again, kept in the
// `sequences` table. Not thread-safe: owned by the store's thread.
class Sequence {
 public:
  // Reads the next ID of `table`. Throws SQLite::Exception.
  Sequence(SQLite::Database& db, const char* table);
  // The next ID. A rolled-back transaction leaves a gap, never a reuse.
  int64_t Take() {
    dirty_ = true;
    return next_++;
  }
  // Saves the next ID in the open transaction, if any was taken. Throws SQLite::Exception.
  void Save();

 private:
  Sql save_;
  std::string table_;
  int64_t next_ = 1;
  bool dirty_ = false;
};

// The Status for a failure of SQLite: UNAVAILABLE, naming the cause, when the storage cannot be
// written or read now (a full disk, an I/O error, a busy or read-only database: the call may
// succeed later); INTERNAL otherwise.
core::Status SqliteError(int code, const std::string& what);

// Runs `f`, turning exceptions from SQLiteCpp (and others) into a Status.
template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return SqliteError(e.getErrorCode(), e.what());
  } catch (const std::exception& e) {
    return core::Internal(std::string("database error: ") + e.what());
  }
}

// Binding and reading the stored forms of times (microseconds; NULL for nullopt) and of
// optional text.
int64_t Micros(core::Duration d);
void BindTime(SQLite::Statement& st, int index, core::TimePoint t);
void BindTime(SQLite::Statement& st, int index, const std::optional<core::TimePoint>& t);
void BindText(SQLite::Statement& st, int index, const std::string* text);
std::optional<core::TimePoint> OptionalTime(const SQLite::Column& c);
std::string_view Bytes(const SQLite::Column& c);

}  // namespace cte::store
