#include "store/sqlite_tombstones.h"

namespace cte::store {

using core::Result;
using core::Status;
using core::TimePoint;

namespace {

// The key's columns and its condition; the expiry is always ?3.
std::string Columns(SqliteTombstones::Key key) {
  return key == SqliteTombstones::Key::kName ? "name" : "task_id, queue";
}

std::string Matches(SqliteTombstones::Key key) {
  return key == SqliteTombstones::Key::kName ? "name = ?1" : "task_id = ?1 AND queue = ?2";
}

}  // namespace

SqliteTombstones::SqliteTombstones(SQLite::Database& db, const std::string& table, Key key)
    : key_(key),
      put_(db, "INSERT OR REPLACE INTO " + table + " (" + Columns(key) + ", expire_time_us) " +
                   (key == Key::kName ? "VALUES (?1, ?3)" : "VALUES (?1, ?2, ?3)")),
      has_(db, "SELECT 1 FROM " + table + " WHERE " + Matches(key) + " AND expire_time_us > ?3"),
      delete_(db, "DELETE FROM " + table + " WHERE " + Matches(key)),
      delete_all_(
          db, "DELETE FROM " + table + (key == Key::kName ? "" : " WHERE ?1 = '' OR queue = ?1")),
      delete_expired_(db, "DELETE FROM " + table + " WHERE expire_time_us <= ?") {}

void SqliteTombstones::BindKey(SQLite::Statement& st, std::string_view name) const {
  if (key_ == Key::kName) {
    st.bind(1, std::string(name));
    return;
  }
  size_t at = name.rfind("/tasks/");
  if (at == std::string_view::npos) at = name.size();  // Not a task's name: matches none.
  st.bind(1, std::string(name.substr(std::min(name.size(), at + 7))));
  st.bind(2, std::string(name.substr(0, at)));
}

Status SqliteTombstones::Put(std::string_view name, TimePoint until) {
  return Guard([&]() -> Status {
    Use st(put_);
    BindKey(*st, name);
    BindTime(*st, 3, until);
    st->exec();
    return Status::Ok();
  });
}

Result<bool> SqliteTombstones::Has(std::string_view name, TimePoint now) {
  return Guard([&]() -> Result<bool> {
    Use st(has_);
    BindKey(*st, name);
    BindTime(*st, 3, now);
    return st->executeStep();
  });
}

Status SqliteTombstones::Delete(std::string_view name) {
  return Guard([&]() -> Status {
    Use st(delete_);
    BindKey(*st, name);
    st->exec();
    return Status::Ok();
  });
}

Status SqliteTombstones::DeleteAll(std::string_view queue) {
  return Guard([&]() -> Status {
    Use st(delete_all_);
    if (key_ == Key::kTaskIdFirst) st->bind(1, std::string(queue));
    st->exec();
    return Status::Ok();
  });
}

Status SqliteTombstones::DeleteExpired(TimePoint now) {
  return Guard([&]() -> Status {
    Use st(delete_expired_);
    BindTime(*st, 1, now);
    st->exec();
    return Status::Ok();
  });
}

}  // namespace cte::store
