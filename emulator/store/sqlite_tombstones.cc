#include "store/sqlite_tombstones.h"

namespace cte::store {

using core::Result;
using core::Status;
using core::TimePoint;

SqliteTombstones::SqliteTombstones(SQLite::Database& db, const std::string& table)
    : put_(db, "INSERT OR REPLACE INTO " + table + " (name, expire_time_us) VALUES (?, ?)"),
      has_(db, "SELECT 1 FROM " + table + " WHERE name = ? AND expire_time_us > ?"),
      delete_(db, "DELETE FROM " + table + " WHERE name = ?"),
      delete_prefix_(db, "DELETE FROM " + table + " WHERE substr(name, 1, length(?1)) = ?1"),
      delete_expired_(db, "DELETE FROM " + table + " WHERE expire_time_us <= ?") {}

Status SqliteTombstones::Put(std::string_view name, TimePoint until) {
  return Guard([&]() -> Status {
    Use st(put_);
    st->bind(1, std::string(name));
    BindTime(*st, 2, until);
    st->exec();
    return Status::Ok();
  });
}

Result<bool> SqliteTombstones::Has(std::string_view name, TimePoint now) {
  return Guard([&]() -> Result<bool> {
    Use st(has_);
    st->bind(1, std::string(name));
    BindTime(*st, 2, now);
    return st->executeStep();
  });
}

Status SqliteTombstones::Delete(std::string_view name) { return ExecOn(delete_, name); }

Status SqliteTombstones::DeletePrefix(std::string_view prefix) {
  return ExecOn(delete_prefix_, prefix);
}

Status SqliteTombstones::ExecOn(Sql& sql, std::string_view text) {
  return Guard([&]() -> Status {
    Use st(sql);
    st->bind(1, std::string(text));
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
