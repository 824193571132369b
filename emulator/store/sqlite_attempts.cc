#include "store/sqlite_attempts.h"

#include "store/header_codec.h"
#include "store/sqlite_db.h"
#include "store/stored_values.h"

namespace cte::store {

namespace {

using core::AttemptLogEntry;
using core::Result;
using core::Status;
using Outcome = AttemptLogEntry::Outcome;

constexpr char kColumns[] =
    "id, queue, task, attempt, schedule_time_us, dispatch_time_us, response_time_us, method, "
    "url, headers, outcome, http_status, error, latency_us, duplicate";

// The columns of a statement that selects kColumns, found by name once.
struct AttemptColumns {
  explicit AttemptColumns(const Sql& s)
      : id(s.Col("id")),
        queue(s.Col("queue")),
        task(s.Col("task")),
        attempt(s.Col("attempt")),
        schedule_time(s.Col("schedule_time_us")),
        dispatch_time(s.Col("dispatch_time_us")),
        response_time(s.Col("response_time_us")),
        method(s.Col("method")),
        url(s.Col("url")),
        headers(s.Col("headers")),
        outcome(s.Col("outcome")),
        http_status(s.Col("http_status")),
        error(s.Col("error")),
        latency(s.Col("latency_us")),
        duplicate(s.Col("duplicate")) {}
  int id, queue, task, attempt, schedule_time, dispatch_time, response_time, method, url, headers,
      outcome, http_status, error, latency, duplicate;
};

AttemptLogEntry ReadAttempt(SQLite::Statement& st, const AttemptColumns& c) {
  AttemptLogEntry e;
  e.id = st.getColumn(c.id).getInt64();
  e.queue = st.getColumn(c.queue).getString();
  e.task = st.getColumn(c.task).getString();
  e.attempt = st.getColumn(c.attempt).getInt();
  e.schedule_time = OptionalTime(st.getColumn(c.schedule_time));
  e.dispatch_time = OptionalTime(st.getColumn(c.dispatch_time));
  e.response_time = OptionalTime(st.getColumn(c.response_time));
  e.method = st.getColumn(c.method).getString();
  e.url = st.getColumn(c.url).getString();
  e.headers = DecodeHeaderList(Bytes(st.getColumn(c.headers))).value_or(HeaderList{});
  e.outcome = OutcomeFromStored(st.getColumn(c.outcome).getInt());
  e.http_status = st.getColumn(c.http_status).getInt();
  e.error = st.getColumn(c.error).getString();
  e.latency = std::chrono::microseconds(st.getColumn(c.latency).getInt64());
  e.duplicate = st.getColumn(c.duplicate).getInt() != 0;
  return e;
}

}  // namespace

struct SqliteAttemptTable::Statements {
  explicit Statements(SQLite::Database& db)
      : ids(db, "attempts"),
        insert(db,
               "INSERT INTO attempts (queue, task, attempt, schedule_time_us, dispatch_time_us, "
               "response_time_us, method, url, headers, outcome, http_status, error, latency_us, "
               "duplicate, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        update(db,
               "UPDATE attempts SET response_time_us = ?1, outcome = ?2, http_status = ?3, "
               "error = ?4, latency_us = ?5, headers = coalesce(?6, headers) WHERE id = ?7"),
        list(db, std::string("SELECT ") + kColumns +
                     " FROM attempts WHERE (?1 = '' OR queue = ?1) AND (?2 = '' OR task = ?2) "
                     "AND id > ?3 ORDER BY id LIMIT ?4"),
        remove(db, "DELETE FROM attempts WHERE ?1 = '' OR queue = ?1"),
        end_in_flight(db, "UPDATE attempts SET outcome = ?1, error = ?2 WHERE outcome = ?3"),
        list_columns(list) {}

  Sequence ids;
  Sql insert, update, list, remove, end_in_flight;
  AttemptColumns list_columns;
};

SqliteAttemptTable::SqliteAttemptTable(SQLite::Database& db)
    : st_(std::make_unique<Statements>(db)) {}

SqliteAttemptTable::~SqliteAttemptTable() = default;

void SqliteAttemptTable::SaveIds() { st_->ids.Save(); }

Result<int64_t> SqliteAttemptTable::Insert(const AttemptLogEntry& e) {
  return Guard([&]() -> Result<int64_t> {
    Use st(st_->insert);
    st->bind(1, e.queue);
    st->bind(2, e.task);
    st->bind(3, e.attempt);
    BindTime(*st, 4, e.schedule_time);
    BindTime(*st, 5, e.dispatch_time);
    BindTime(*st, 6, e.response_time);
    st->bind(7, e.method);
    st->bind(8, e.url);
    std::string headers = EncodeHeaders(e.headers);
    st->bindNoCopy(9, headers.data(), static_cast<int>(headers.size()));
    st->bind(10, StoredOutcome(e.outcome));
    st->bind(11, e.http_status);
    st->bind(12, e.error);
    st->bind(13, Micros(e.latency));
    st->bind(14, e.duplicate ? 1 : 0);
    int64_t id = st_->ids.Take();
    st->bind(15, id);
    st->exec();
    return id;
  });
}

Status SqliteAttemptTable::Update(const AttemptLogEntry& e) {
  return Guard([&]() -> Status {
    Use st(st_->update);
    BindTime(*st, 1, e.response_time);
    st->bind(2, StoredOutcome(e.outcome));
    st->bind(3, e.http_status);
    st->bind(4, e.error);
    st->bind(5, Micros(e.latency));
    std::string headers;
    if (e.headers.empty()) {
      st->bind(6);
    } else {
      headers = EncodeHeaders(e.headers);
      st->bindNoCopy(6, headers.data(), static_cast<int>(headers.size()));
    }
    st->bind(7, e.id);
    st->exec();
    return Status::Ok();
  });
}

Result<std::vector<AttemptLogEntry>> SqliteAttemptTable::List(std::string_view queue,
                                                              std::string_view task,
                                                              int64_t after_id, int limit) {
  return Guard([&]() -> Result<std::vector<AttemptLogEntry>> {
    Use st(st_->list);
    st->bind(1, std::string(queue));
    st->bind(2, std::string(task));
    st->bind(3, after_id);
    st->bind(4, limit);
    std::vector<AttemptLogEntry> out;
    while (st->executeStep()) out.push_back(ReadAttempt(*st, st_->list_columns));
    return out;
  });
}

Status SqliteAttemptTable::Delete(std::string_view queue) {
  return Guard([&]() -> Status {
    Use st(st_->remove);
    st->bind(1, std::string(queue));
    st->exec();
    return Status::Ok();
  });
}

Status SqliteAttemptTable::EndInFlight(std::string_view error) {
  return Guard([&]() -> Status {
    Use st(st_->end_in_flight);
    st->bind(1, StoredOutcome(Outcome::kConnectionError));
    st->bind(2, std::string(error));
    st->bind(3, StoredOutcome(Outcome::kInFlight));
    st->exec();
    return Status::Ok();
  });
}

}  // namespace cte::store
