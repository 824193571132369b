#include "store/sqlite_tasks.h"

#include <sqlite3.h>

#include "core/time_util.h"
#include "store/header_codec.h"
#include "store/sqlite_queues.h"
#include "store/sqlite_task_rows.h"
#include "store/sqlite_tombstones.h"
#include "store/stored_values.h"

namespace cte::store {

namespace {

using core::Result;
using core::Status;
using core::Task;
using core::TimePoint;

// Splits a task name into its queue name and task ID.
std::pair<std::string, std::string> SplitTaskName(std::string_view name) {
  size_t at = name.rfind("/tasks/");
  if (at == std::string_view::npos) return {std::string(name), ""};
  return {std::string(name.substr(0, at)), std::string(name.substr(at + 7))};
}

}  // namespace

struct SqliteTaskTable::Statements {
  explicit Statements(SQLite::Database& db)
      : ids(db, "tasks"),
        insert(db, kInsertTask),
        find(db, SelectTasks("body", "queue_id = ? AND task_id = ?")),
        remove(db, "DELETE FROM tasks WHERE queue_id = ? AND task_id = ?"),
        remove_attempted(db,
                         "DELETE FROM tasks WHERE queue_id = ? AND task_id = ? AND "
                         "dispatch_count = ?"),
        list_full(db, SelectTasks("body", "queue_id = ? AND id > ? ORDER BY id LIMIT ?")),
        list_basic(db, SelectTasks("x''", "queue_id = ? AND id > ? ORDER BY id LIMIT ?")),
        scan(db,
             "SELECT id, in_flight, dispatch_count, schedule_time_us FROM tasks "
             "WHERE queue_id = ? AND id > ? ORDER BY id LIMIT ?"),
        by_id(db, SelectTasks("x''", "id = ?")),
        purge_tombstones(db,
                         "INSERT OR REPLACE INTO task_tombstones (task_id, queue, expire_time_us) "
                         "SELECT task_id, ?1, ?2 FROM tasks WHERE queue_id = ?3"),
        purge(db, "DELETE FROM tasks WHERE queue_id = ?"),
        due(db, SelectTasks("body",
                            "queue_id = ? AND in_flight = 0 AND schedule_time_us <= ? "
                            "ORDER BY schedule_time_us, id LIMIT ?")),
        next_schedule(db,
                      "SELECT MIN(schedule_time_us) FROM tasks WHERE queue_id = ? AND "
                      "in_flight = 0"),
        update_state(db,
                     "UPDATE tasks SET schedule_time_us = ?, dispatch_count = ?, "
                     "response_count = ?, first_attempt_dispatch_us = ?, "
                     "last_attempt_schedule_us = ?, last_attempt_dispatch_us = ?, "
                     "last_attempt_response_us = ?, last_response_code = ?, "
                     "last_response_message = ?, execution_count = ?, previous_response = ?, "
                     "in_flight = ? WHERE queue_id = ? AND task_id = ?"),
        clear_in_flight(db, "UPDATE tasks SET in_flight = 0 WHERE in_flight = 1"),
        tombstones(db, "task_tombstones", SqliteTombstones::Key::kTaskIdFirst),
        find_columns(find),
        list_full_columns(list_full),
        list_basic_columns(list_basic),
        due_columns(due),
        by_id_columns(by_id) {}

  Sequence ids;
  Sql insert, find, remove, remove_attempted, list_full, list_basic, scan, by_id, purge_tombstones,
      purge, due;
  Sql next_schedule, update_state, clear_in_flight;
  SqliteTombstones tombstones;
  TaskColumns find_columns, list_full_columns, list_basic_columns, due_columns, by_id_columns;
};

SqliteTaskTable::SqliteTaskTable(SQLite::Database& db, SqliteQueueTable& queues)
    : st_(std::make_unique<Statements>(db)), queues_(queues) {}

SqliteTaskTable::~SqliteTaskTable() = default;

void SqliteTaskTable::SaveIds() { st_->ids.Save(); }

Result<bool> SqliteTaskTable::Insert(const Task& t) {
  return Guard([&]() -> Result<bool> {
    auto [queue, task_id] = SplitTaskName(t.name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return core::NotFound("no queue " + queue);  // Against the contract.
    Use st(st_->insert);
    const core::HeaderMap& headers =
        t.http_request ? t.http_request->headers : t.app_engine_http_request->headers;
    std::string header_blob = EncodeHeaders(headers);
    BindNewTask(*st, t, st_->ids.Take(), queue_id, task_id, header_blob);
    try {
      st->exec();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() == SQLITE_CONSTRAINT) return false;
      throw;
    }
    queues_.CountTasks(queue_id, 1);
    return true;
  });
}

Result<std::optional<Task>> SqliteTaskTable::Find(std::string_view name) {
  return Guard([&]() -> Result<std::optional<Task>> {
    auto [queue, task_id] = SplitTaskName(name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return std::optional<Task>();
    Use st(st_->find);
    st->bind(1, queue_id);
    st->bind(2, task_id);
    if (!st->executeStep()) return std::optional<Task>();
    return std::optional<Task>(ReadTask(*st, st_->find_columns, queue));
  });
}

Result<bool> SqliteTaskTable::Delete(std::string_view name) {
  return DeleteWhere(name, std::nullopt);
}

Result<bool> SqliteTaskTable::DeleteAttempted(std::string_view name, int dispatch_count) {
  return DeleteWhere(name, dispatch_count);
}

Result<bool> SqliteTaskTable::DeleteWhere(std::string_view name,
                                          std::optional<int> dispatch_count) {
  return Guard([&]() -> Result<bool> {
    auto [queue, task_id] = SplitTaskName(name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return false;
    Use st(dispatch_count ? st_->remove_attempted : st_->remove);
    st->bind(1, queue_id);
    st->bind(2, task_id);
    if (dispatch_count) st->bind(3, *dispatch_count);
    if (st->exec() == 0) return false;
    queues_.CountTasks(queue_id, -1);
    return true;
  });
}

Result<core::TaskPage> SqliteTaskTable::List(std::string_view queue_name, int64_t after_position,
                                             int limit, bool with_body) {
  return Guard([&]() -> Result<core::TaskPage> {
    core::TaskPage page;
    std::string queue(queue_name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return page;
    Use st(with_body ? st_->list_full : st_->list_basic);
    const TaskColumns& c = with_body ? st_->list_full_columns : st_->list_basic_columns;
    st->bind(1, queue_id);
    st->bind(2, after_position);
    st->bind(3, limit);
    while (st->executeStep()) {
      page.tasks.push_back(ReadTask(*st, c, queue));
      page.last_position = st->getColumn(c.id).getInt64();
    }
    return page;
  });
}

// Scans only the columns a state needs, then reads the tasks that match by row ID: the scan of
// `max_scan` rows stays cheap, and only a page of tasks is decoded.
Result<core::TaskStatePage> SqliteTaskTable::ListByState(std::string_view queue_name,
                                                         std::optional<core::TaskState> state,
                                                         TimePoint now, int64_t after_position,
                                                         int limit, int max_scan) {
  return Guard([&]() -> Result<core::TaskStatePage> {
    core::TaskStatePage page;
    std::string queue(queue_name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return page;
    std::vector<int64_t> ids;
    {
      Use st(st_->scan);
      st->bind(1, queue_id);
      st->bind(2, after_position);
      st->bind(3, max_scan + 1);  // One more: whether the scan stopped before the last task.
      int scanned = 0;
      while (st->executeStep()) {
        if (static_cast<int>(ids.size()) == limit || scanned == max_scan) {
          page.more = true;
          break;
        }
        ++scanned;
        page.last_position = st->getColumn(0).getInt64();
        core::TaskState s = core::StateOf(st->getColumn(1).getInt() != 0, st->getColumn(2).getInt(),
                                          core::FromMicros(st->getColumn(3).getInt64()), now);
        if (state && s != *state) continue;
        ids.push_back(page.last_position);
        page.states.push_back(s);
      }
    }
    Use st(st_->by_id);
    for (int64_t id : ids) {
      st->bind(1, id);
      if (st->executeStep()) page.tasks.push_back(ReadTask(*st, st_->by_id_columns, queue));
      st->reset();
    }
    return page;
  });
}

Result<int64_t> SqliteTaskTable::Purge(std::string_view queue,
                                       std::optional<TimePoint> tombstone_until) {
  return Guard([&]() -> Result<int64_t> {
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return int64_t{0};
    if (tombstone_until) {
      Use tombstones(st_->purge_tombstones);
      tombstones->bind(1, std::string(queue));
      BindTime(*tombstones, 2, *tombstone_until);
      tombstones->bind(3, queue_id);
      tombstones->exec();
    }
    Use st(st_->purge);
    st->bind(1, queue_id);
    auto purged = static_cast<int64_t>(st->exec());
    queues_.CountTasks(queue_id, -purged);
    return purged;
  });
}

Result<int64_t> SqliteTaskTable::Count(std::string_view queue) {
  return Guard([&]() -> Result<int64_t> {
    int64_t queue_id = queues_.Id(queue);
    return queue_id == 0 ? int64_t{0} : queues_.TaskCount(queue_id);
  });
}

Result<std::vector<Task>> SqliteTaskTable::Due(std::string_view queue_name, TimePoint now,
                                               int limit) {
  return Guard([&]() -> Result<std::vector<Task>> {
    std::vector<Task> out;
    std::string queue(queue_name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return out;
    Use st(st_->due);
    st->bind(1, queue_id);
    BindTime(*st, 2, now);
    st->bind(3, limit);
    while (st->executeStep()) out.push_back(ReadTask(*st, st_->due_columns, queue));
    return out;
  });
}

Result<std::optional<TimePoint>> SqliteTaskTable::NextScheduleTime(std::string_view queue) {
  return Guard([&]() -> Result<std::optional<TimePoint>> {
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return std::optional<TimePoint>();
    Use st(st_->next_schedule);
    st->bind(1, queue_id);
    if (!st->executeStep()) return std::optional<TimePoint>();
    return OptionalTime(st->getColumn(0));
  });
}

Result<bool> SqliteTaskTable::UpdateState(const Task& t, bool in_flight) {
  return Guard([&]() -> Result<bool> {
    auto [queue, task_id] = SplitTaskName(t.name);
    int64_t queue_id = queues_.Id(queue);
    if (queue_id == 0) return false;
    Use st(st_->update_state);
    BindTime(*st, 1, t.schedule_time.value_or(TimePoint()));
    st->bind(2, t.dispatch_count);
    st->bind(3, t.response_count);
    BindTime(*st, 4, t.first_attempt ? t.first_attempt->dispatch_time : std::nullopt);
    const std::optional<core::Attempt>& last = t.last_attempt;
    BindTime(*st, 5, last ? last->schedule_time : std::nullopt);
    BindTime(*st, 6, last ? last->dispatch_time : std::nullopt);
    BindTime(*st, 7, last ? last->response_time : std::nullopt);
    if (last && last->response_status) {
      st->bind(8, last->response_status->code);
      st->bind(9, last->response_status->message);
    } else {
      st->bind(8);
      st->bind(9);
    }
    st->bind(10, t.execution_count);
    st->bind(11, t.previous_response);
    st->bind(12, in_flight ? 1 : 0);
    st->bind(13, queue_id);
    st->bind(14, task_id);
    return st->exec() > 0;
  });
}

Status SqliteTaskTable::ClearInFlight() {
  return Guard([&]() -> Status {
    Use(st_->clear_in_flight)->exec();
    return Status::Ok();
  });
}

Status SqliteTaskTable::PutTombstone(std::string_view name, TimePoint until) {
  return st_->tombstones.Put(name, until);
}

Result<bool> SqliteTaskTable::HasTombstone(std::string_view name, TimePoint now) {
  return st_->tombstones.Has(name, now);
}

Status SqliteTaskTable::DeleteTombstones(std::string_view queue) {
  return st_->tombstones.DeleteAll(queue);
}

Status SqliteTaskTable::DeleteExpiredTombstones(TimePoint now) {
  return st_->tombstones.DeleteExpired(now);
}

}  // namespace cte::store
