#include "store/sqlite_queues.h"

#include "store/http_target_codec.h"
#include "store/sqlite_db.h"
#include "store/sqlite_tombstones.h"
#include "store/stored_values.h"

namespace cte::store {

namespace {

using core::Queue;
using core::Result;
using core::Status;
using core::TimePoint;

constexpr char kQueueColumns[] =
    "name, state, max_dispatches_per_second, max_burst_size, max_concurrent_dispatches, "
    "max_attempts, max_retry_duration_us, min_backoff_us, max_backoff_us, max_doublings, "
    "purge_time_us, logging_sampling_ratio, routing_service, routing_version, routing_instance, "
    "http_target";

std::string SelectQueues(const char* where) {
  return std::string("SELECT ") + kQueueColumns + " FROM queues WHERE " + where;
}

// The columns of a statement that selects kQueueColumns, found by name once.
struct QueueColumns {
  explicit QueueColumns(const Sql& s)
      : name(s.Col("name")),
        state(s.Col("state")),
        rate(s.Col("max_dispatches_per_second")),
        burst(s.Col("max_burst_size")),
        concurrent(s.Col("max_concurrent_dispatches")),
        attempts(s.Col("max_attempts")),
        retry_duration(s.Col("max_retry_duration_us")),
        min_backoff(s.Col("min_backoff_us")),
        max_backoff(s.Col("max_backoff_us")),
        doublings(s.Col("max_doublings")),
        purge_time(s.Col("purge_time_us")),
        sampling(s.Col("logging_sampling_ratio")),
        service(s.Col("routing_service")),
        version(s.Col("routing_version")),
        instance(s.Col("routing_instance")),
        http_target(s.Col("http_target")) {}
  int name, state, rate, burst, concurrent, attempts, retry_duration, min_backoff, max_backoff,
      doublings, purge_time, sampling, service, version, instance, http_target;
};

Queue ReadQueue(SQLite::Statement& st, const QueueColumns& c) {
  Queue q;
  q.name = st.getColumn(c.name).getString();
  q.state = QueueStateFromStored(st.getColumn(c.state).getInt());
  q.rate_limits.max_dispatches_per_second = st.getColumn(c.rate).getDouble();
  q.rate_limits.max_burst_size = st.getColumn(c.burst).getInt();
  q.rate_limits.max_concurrent_dispatches = st.getColumn(c.concurrent).getInt();
  auto us = [&](int col) { return std::chrono::microseconds(st.getColumn(col).getInt64()); };
  q.retry_config.max_attempts = st.getColumn(c.attempts).getInt();
  q.retry_config.max_retry_duration = us(c.retry_duration);
  q.retry_config.min_backoff = us(c.min_backoff);
  q.retry_config.max_backoff = us(c.max_backoff);
  q.retry_config.max_doublings = st.getColumn(c.doublings).getInt();
  q.purge_time = OptionalTime(st.getColumn(c.purge_time));
  if (!st.getColumn(c.sampling).isNull()) {
    q.stackdriver_logging_config =
        core::StackdriverLoggingConfig{st.getColumn(c.sampling).getDouble()};
  }
  if (!st.getColumn(c.service).isNull()) {
    q.app_engine_routing_override = core::AppEngineRouting{
        st.getColumn(c.service).getString(), st.getColumn(c.version).getString(),
        st.getColumn(c.instance).getString(), ""};
  }
  if (!st.getColumn(c.http_target).isNull()) {
    // A blob this store wrote; one it cannot read is no target rather than a queue lost.
    q.http_target = DecodeHttpTarget(Bytes(st.getColumn(c.http_target)));
  }
  return q;
}

}  // namespace

struct SqliteQueueTable::Statements {
  explicit Statements(SQLite::Database& db)
      : find(db, SelectQueues("name = ?")),
        list(db, SelectQueues("substr(name, 1, length(?1)) = ?1 AND name > ?2 "
                              "ORDER BY name LIMIT ?3")),
        put(db,
            std::string("INSERT INTO queues (") + kQueueColumns +
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                "ON CONFLICT (name) DO UPDATE SET state = ?2, max_dispatches_per_second = ?3, "
                "max_burst_size = ?4, max_concurrent_dispatches = ?5, max_attempts = ?6, "
                "max_retry_duration_us = ?7, min_backoff_us = ?8, max_backoff_us = ?9, "
                "max_doublings = ?10, purge_time_us = ?11, logging_sampling_ratio = ?12, "
                "routing_service = ?13, routing_version = ?14, routing_instance = ?15, "
                "http_target = ?16"),
        id(db, "SELECT id FROM queues WHERE name = ?"),
        delete_tasks(db, "DELETE FROM tasks WHERE queue_id = ?"),
        delete_task_tombstones(db, "DELETE FROM task_tombstones WHERE queue = ?1"),
        delete_queue(db, "DELETE FROM queues WHERE id = ?"),
        // "projects/p/locations/l/queues/q" -> "projects/p/locations/l".
        locations(db,
                  "SELECT DISTINCT substr(name, 1, instr(name, '/queues/') - 1) AS location "
                  "FROM queues WHERE substr(name, 1, length(?1)) = ?1 ORDER BY location"),
        tombstones(db, "queue_tombstones", SqliteTombstones::Key::kName),
        get_policy(db, "SELECT iam_policy FROM queues WHERE name = ?"),
        put_policy(db, "UPDATE queues SET iam_policy = ? WHERE name = ?"),
        get_kms_key(db, "SELECT kms_key FROM cmek_configs WHERE location = ?"),
        put_kms_key(db,
                    "INSERT INTO cmek_configs (location, kms_key) VALUES (?1, ?2) "
                    "ON CONFLICT (location) DO UPDATE SET kms_key = ?2"),
        delete_kms_key(db, "DELETE FROM cmek_configs WHERE location = ?"),
        delete_kms_keys(db, "DELETE FROM cmek_configs"),
        find_columns(find),
        list_columns(list) {}

  Sql find, list, put, id, delete_tasks, delete_task_tombstones, delete_queue, locations;
  SqliteTombstones tombstones;
  Sql get_policy, put_policy, get_kms_key, put_kms_key, delete_kms_key, delete_kms_keys;
  QueueColumns find_columns, list_columns;
};

SqliteQueueTable::SqliteQueueTable(SQLite::Database& db, core::CommitActions& actions)
    : st_(std::make_unique<Statements>(db)), actions_(actions) {
  // The one scan of the tasks; the index on queue_id makes it about 0.1 s for a million.
  SQLite::Statement counts(db, "SELECT queue_id, COUNT(*) FROM tasks GROUP BY queue_id");
  while (counts.executeStep()) {
    task_counts_[counts.getColumn(0).getInt64()] = counts.getColumn(1).getInt64();
  }
}

SqliteQueueTable::~SqliteQueueTable() = default;

void SqliteQueueTable::ForgetCached() {
  ids_.clear();
  found_.clear();
}

int64_t SqliteQueueTable::TaskCount(int64_t id) const {
  auto it = task_counts_.find(id);
  return it == task_counts_.end() ? 0 : it->second;
}

void SqliteQueueTable::CountTasks(int64_t id, int64_t delta) {
  if (delta == 0) return;
  task_counts_[id] += delta;
  // With two captures the action fits in std::function itself: nothing allocated per task.
  if (delta == 1) {
    actions_.OnRollback([this, id] { --task_counts_[id]; });
  } else if (delta == -1) {
    actions_.OnRollback([this, id] { ++task_counts_[id]; });
  } else {
    actions_.OnRollback([this, id, delta] { task_counts_[id] -= delta; });
  }
}

int64_t SqliteQueueTable::Id(std::string_view name) {
  std::string key(name);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  Use st(st_->id);
  st->bind(1, key);
  int64_t id = st->executeStep() ? st->getColumn(0).getInt64() : 0;
  if (id != 0) ids_.emplace(std::move(key), id);
  return id;
}

Result<std::optional<Queue>> SqliteQueueTable::Find(std::string_view name) {
  return Guard([&]() -> Result<std::optional<Queue>> {
    std::string key(name);
    if (auto it = found_.find(key); it != found_.end()) return std::optional<Queue>(it->second);
    Use st(st_->find);
    st->bind(1, key);
    if (!st->executeStep()) return std::optional<Queue>();
    Queue found = ReadQueue(*st, st_->find_columns);
    found_.emplace(std::move(key), found);
    return std::optional<Queue>(std::move(found));
  });
}

Result<std::vector<Queue>> SqliteQueueTable::List(std::string_view prefix, std::string_view after,
                                                  int limit) {
  return Guard([&]() -> Result<std::vector<Queue>> {
    Use st(st_->list);
    st->bind(1, std::string(prefix));
    st->bind(2, std::string(after));
    st->bind(3, limit);
    std::vector<Queue> out;
    while (st->executeStep()) out.push_back(ReadQueue(*st, st_->list_columns));
    return out;
  });
}

Status SqliteQueueTable::Put(const Queue& q) {
  return Guard([&]() -> Status {
    found_.erase(q.name);
    Use st(st_->put);
    st->bind(1, q.name);
    st->bind(2, StoredQueueState(q.state));
    st->bind(3, q.rate_limits.max_dispatches_per_second);
    st->bind(4, q.rate_limits.max_burst_size);
    st->bind(5, q.rate_limits.max_concurrent_dispatches);
    st->bind(6, q.retry_config.max_attempts);
    st->bind(7, Micros(q.retry_config.max_retry_duration));
    st->bind(8, Micros(q.retry_config.min_backoff));
    st->bind(9, Micros(q.retry_config.max_backoff));
    st->bind(10, q.retry_config.max_doublings);
    BindTime(*st, 11, q.purge_time);
    if (q.stackdriver_logging_config) {
      st->bind(12, q.stackdriver_logging_config->sampling_ratio);
    } else {
      st->bind(12);
    }
    const auto& r = q.app_engine_routing_override;
    BindText(*st, 13, r ? &r->service : nullptr);
    BindText(*st, 14, r ? &r->version : nullptr);
    BindText(*st, 15, r ? &r->instance : nullptr);
    if (q.http_target) {
      std::string blob = EncodeHttpTarget(*q.http_target);
      st->bind(16, blob.data(), static_cast<int>(blob.size()));
    } else {
      st->bind(16);
    }
    st->exec();
    return Status::Ok();
  });
}

Status SqliteQueueTable::Delete(std::string_view name) {
  return Guard([&]() -> Status {
    std::string key(name);
    found_.erase(key);
    int64_t id = Id(name);
    if (id == 0) return Status::Ok();
    for (Sql* by_id : {&st_->delete_tasks, &st_->delete_queue}) {
      Use st(*by_id);
      st->bind(1, id);
      int rows = st->exec();
      // A row ID can be given again to a queue made later: it starts with no tasks.
      if (by_id == &st_->delete_tasks) CountTasks(id, -rows);
    }
    Use tombstones(st_->delete_task_tombstones);
    tombstones->bind(1, key);
    tombstones->exec();
    ids_.erase(key);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteQueueTable::ListLocations(std::string_view project) {
  return Guard([&]() -> Result<std::vector<std::string>> {
    Use st(st_->locations);
    st->bind(1, "projects/" + std::string(project) + "/locations/");
    std::vector<std::string> out;
    while (st->executeStep()) out.push_back(st->getColumn(0).getString());
    return out;
  });
}

Status SqliteQueueTable::PutTombstone(std::string_view name, TimePoint until) {
  return st_->tombstones.Put(name, until);
}

Result<bool> SqliteQueueTable::HasTombstone(std::string_view name, TimePoint now) {
  return st_->tombstones.Has(name, now);
}

Status SqliteQueueTable::DeleteTombstone(std::string_view name) {
  return st_->tombstones.Delete(name);
}

Status SqliteQueueTable::DeleteAllTombstones() { return st_->tombstones.DeleteAll(); }

Status SqliteQueueTable::DeleteExpiredTombstones(TimePoint now) {
  return st_->tombstones.DeleteExpired(now);
}

Result<std::string> SqliteQueueTable::GetKmsKey(std::string_view location) {
  return Guard([&]() -> Result<std::string> {
    Use st(st_->get_kms_key);
    st->bind(1, std::string(location));
    return st->executeStep() ? st->getColumn(0).getString() : std::string();
  });
}

Status SqliteQueueTable::PutKmsKey(std::string_view location, std::string_view kms_key) {
  return Guard([&]() -> Status {
    Use st(kms_key.empty() ? st_->delete_kms_key : st_->put_kms_key);
    st->bind(1, std::string(location));
    if (!kms_key.empty()) st->bind(2, std::string(kms_key));
    st->exec();
    return Status::Ok();
  });
}

Status SqliteQueueTable::DeleteAllKmsKeys() {
  return Guard([&]() -> Status {
    Use st(st_->delete_kms_keys);
    st->exec();
    return Status::Ok();
  });
}

Result<std::string> SqliteQueueTable::Get(std::string_view queue) {
  return Guard([&]() -> Result<std::string> {
    Use st(st_->get_policy);
    st->bind(1, std::string(queue));
    return st->executeStep() ? st->getColumn(0).getString() : std::string();
  });
}

Status SqliteQueueTable::Put(std::string_view queue, std::string_view policy) {
  return Guard([&]() -> Status {
    Use st(st_->put_policy);
    st->bind(1, std::string(policy));
    st->bind(2, std::string(queue));
    st->exec();
    return Status::Ok();
  });
}

}  // namespace cte::store
