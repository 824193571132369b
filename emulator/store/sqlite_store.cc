#include "store/sqlite_store.h"

#include <atomic>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "core/time_util.h"
#include "store/header_codec.h"

namespace cte::store {

namespace {

using core::Result;
using core::Status;
using core::StoredQueue;
using core::Task;
using core::TimePoint;

// Each entry moves the schema one version up; applied in order inside one transaction.
constexpr const char* kMigrations[] = {
    // Version 1.
    R"sql(
CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  max_dispatches_per_second REAL NOT NULL,
  max_burst_size INTEGER NOT NULL,
  max_concurrent_dispatches INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  max_retry_duration_us INTEGER NOT NULL,
  min_backoff_us INTEGER NOT NULL,
  max_backoff_us INTEGER NOT NULL,
  max_doublings INTEGER NOT NULL,
  purge_time_us INTEGER,
  logging_sampling_ratio REAL,
  routing_service TEXT,
  routing_version TEXT,
  routing_instance TEXT,
  iam_policy TEXT NOT NULL DEFAULT ''
);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  target_kind INTEGER NOT NULL,
  http_method INTEGER NOT NULL,
  url TEXT NOT NULL,
  headers BLOB NOT NULL,
  body BLOB NOT NULL,
  auth_kind INTEGER NOT NULL,
  auth_email TEXT NOT NULL,
  auth_extra TEXT NOT NULL,
  routing_service TEXT,
  routing_version TEXT,
  routing_instance TEXT,
  schedule_time_us INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL,
  dispatch_deadline_us INTEGER NOT NULL,
  dispatch_count INTEGER NOT NULL DEFAULT 0,
  response_count INTEGER NOT NULL DEFAULT 0,
  first_attempt_dispatch_us INTEGER,
  last_attempt_schedule_us INTEGER,
  last_attempt_dispatch_us INTEGER,
  last_attempt_response_us INTEGER,
  last_response_code INTEGER,
  last_response_message TEXT,
  UNIQUE (queue_id, task_id)
);
CREATE INDEX tasks_by_schedule ON tasks (queue_id, schedule_time_us);
CREATE TABLE task_tombstones (
  name TEXT PRIMARY KEY,
  expire_time_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE queue_tombstones (
  name TEXT PRIMARY KEY,
  expire_time_us INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // Version 2: dispatch bookkeeping.
    R"sql(
ALTER TABLE tasks ADD COLUMN execution_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN previous_response INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
DROP INDEX tasks_by_schedule;
CREATE INDEX tasks_due ON tasks (queue_id, in_flight, schedule_time_us);
)sql",
    // Version 3: the attempt log of the inspection API.
    R"sql(
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  task TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  schedule_time_us INTEGER,
  dispatch_time_us INTEGER,
  response_time_us INTEGER,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  headers BLOB NOT NULL,
  outcome INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  latency_us INTEGER NOT NULL
);
CREATE INDEX attempts_by_queue ON attempts (queue, id);
CREATE INDEX attempts_by_task ON attempts (task, id);
)sql",
};

constexpr char kQueueColumns[] =
    "name, state, max_dispatches_per_second, max_burst_size, max_concurrent_dispatches, "
    "max_attempts, max_retry_duration_us, min_backoff_us, max_backoff_us, max_doublings, "
    "purge_time_us, logging_sampling_ratio, routing_service, routing_version, routing_instance, "
    "iam_policy";

// The task columns after `id, task_id`; the body is column 6 of a task row.
constexpr char kTaskColumnsHead[] = "id, task_id, target_kind, http_method, url, headers, ";
constexpr char kTaskColumnsTail[] =
    ", auth_kind, auth_email, auth_extra, routing_service, routing_version, routing_instance, "
    "schedule_time_us, create_time_us, dispatch_deadline_us, dispatch_count, response_count, "
    "first_attempt_dispatch_us, last_attempt_schedule_us, last_attempt_dispatch_us, "
    "last_attempt_response_us, last_response_code, last_response_message, execution_count, "
    "previous_response";

enum TargetKind { kHttp = 1, kAppEngine = 2 };
enum AuthKind { kNoAuth = 0, kOAuth = 1, kOidc = 2 };

std::string TaskSelect(const char* body_column, const char* where) {
  return std::string("SELECT ") + kTaskColumnsHead + body_column + kTaskColumnsTail +
         " FROM tasks WHERE " + where;
}

Status FromException(const SQLite::Exception& e) {
  int code = e.getErrorCode();
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return {core::Code::kUnavailable, std::string("database is busy: ") + e.what()};
  }
  return core::Internal(std::string("database error: ") + e.what());
}

// Runs `f`, turning exceptions from SQLiteCpp into a Status.
template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return FromException(e);
  } catch (const std::exception& e) {
    return core::Internal(std::string("database error: ") + e.what());
  }
}

// Splits a task name into its queue name and task ID.
std::pair<std::string, std::string> SplitTaskName(std::string_view name) {
  size_t at = name.rfind("/tasks/");
  if (at == std::string_view::npos) return {std::string(name), ""};
  return {std::string(name.substr(0, at)), std::string(name.substr(at + 7))};
}

void BindOptionalTime(SQLite::Statement& st, int index, const std::optional<TimePoint>& t) {
  if (t) {
    st.bind(index, static_cast<int64_t>(core::ToMicros(*t)));
  } else {
    st.bind(index);
  }
}

std::optional<TimePoint> OptionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return core::FromMicros(c.getInt64());
}

void BindOptionalText(SQLite::Statement& st, int index, const std::string* text) {
  if (text) {
    st.bind(index, *text);
  } else {
    st.bind(index);
  }
}

StoredQueue ReadQueue(SQLite::Statement& st) {
  StoredQueue out;
  core::Queue& q = out.queue;
  q.name = st.getColumn(0).getString();
  q.state = static_cast<core::QueueState>(st.getColumn(1).getInt());
  q.rate_limits.max_dispatches_per_second = st.getColumn(2).getDouble();
  q.rate_limits.max_burst_size = st.getColumn(3).getInt();
  q.rate_limits.max_concurrent_dispatches = st.getColumn(4).getInt();
  q.retry_config.max_attempts = st.getColumn(5).getInt();
  q.retry_config.max_retry_duration = std::chrono::microseconds(st.getColumn(6).getInt64());
  q.retry_config.min_backoff = std::chrono::microseconds(st.getColumn(7).getInt64());
  q.retry_config.max_backoff = std::chrono::microseconds(st.getColumn(8).getInt64());
  q.retry_config.max_doublings = st.getColumn(9).getInt();
  q.purge_time = OptionalTime(st.getColumn(10));
  if (!st.getColumn(11).isNull()) {
    q.stackdriver_logging_config = core::StackdriverLoggingConfig{st.getColumn(11).getDouble()};
  }
  if (!st.getColumn(12).isNull()) {
    q.app_engine_routing_override =
        core::AppEngineRouting{st.getColumn(12).getString(), st.getColumn(13).getString(),
                               st.getColumn(14).getString(), ""};
  }
  out.iam_policy = st.getColumn(15).getString();
  return out;
}

std::optional<core::AppEngineRouting> ReadRouting(SQLite::Statement& st, int first) {
  if (st.getColumn(first).isNull()) return std::nullopt;
  return core::AppEngineRouting{st.getColumn(first).getString(),
                                st.getColumn(first + 1).getString(),
                                st.getColumn(first + 2).getString(), ""};
}

void ReadTarget(SQLite::Statement& st, Task& t) {
  auto method = static_cast<core::HttpMethod>(st.getColumn(3).getInt());
  std::string url = st.getColumn(4).getString();
  auto headers_column = st.getColumn(5);
  core::HeaderMap headers =
      DecodeHeaders(std::string_view(static_cast<const char*>(headers_column.getBlob()),
                                     headers_column.getBytes()))
          .value_or(core::HeaderMap{});
  auto body_column = st.getColumn(6);
  std::string body(static_cast<const char*>(body_column.getBlob()), body_column.getBytes());
  if (st.getColumn(2).getInt() == kAppEngine) {
    t.app_engine_http_request = core::AppEngineHttpRequest{
        method, ReadRouting(st, 10), std::move(url), std::move(headers), std::move(body)};
    return;
  }
  core::HttpRequest r{std::move(url), method, std::move(headers), std::move(body), {}, {}};
  int auth = st.getColumn(7).getInt();
  if (auth == kOAuth) {
    r.oauth_token = core::OAuthToken{st.getColumn(8).getString(), st.getColumn(9).getString()};
  } else if (auth == kOidc) {
    r.oidc_token = core::OidcToken{st.getColumn(8).getString(), st.getColumn(9).getString()};
  }
  t.http_request = std::move(r);
}

Task ReadTask(SQLite::Statement& st, const std::string& queue_name) {
  Task t;
  t.name = queue_name + "/tasks/" + st.getColumn(1).getString();
  ReadTarget(st, t);
  t.schedule_time = core::FromMicros(st.getColumn(13).getInt64());
  t.create_time = core::FromMicros(st.getColumn(14).getInt64());
  t.dispatch_deadline = std::chrono::microseconds(st.getColumn(15).getInt64());
  t.dispatch_count = st.getColumn(16).getInt();
  t.response_count = st.getColumn(17).getInt();
  if (auto first = OptionalTime(st.getColumn(18))) {
    t.first_attempt = core::Attempt{std::nullopt, first, std::nullopt, std::nullopt};
  }
  if (!st.getColumn(20).isNull()) {
    core::Attempt a{OptionalTime(st.getColumn(19)), OptionalTime(st.getColumn(20)),
                    OptionalTime(st.getColumn(21)), std::nullopt};
    if (!st.getColumn(22).isNull()) {
      a.response_status = core::RpcStatus{st.getColumn(22).getInt(), st.getColumn(23).getString()};
    }
    t.last_attempt = a;
  }
  t.execution_count = st.getColumn(24).getInt();
  t.previous_response = st.getColumn(25).getInt();
  return t;
}

// Creates the file with user-only permissions before SQLite opens it.
Status CreatePrivateFile(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return Status::Ok();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::Internal("cannot open database file " + path);
  ::close(fd);
  return Status::Ok();
}

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(SQLite::Database& db)
      // IMMEDIATE: take the write lock up front, waiting (busy timeout) for a checkpoint that
      // holds it; a deferred transaction would fail at once with SQLITE_BUSY_SNAPSHOT instead.
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        savepoint(db, "SAVEPOINT call"),
        release(db, "RELEASE call"),
        rollback_to(db, "ROLLBACK TO call"),
        find_queue(db, std::string("SELECT ") + kQueueColumns + ", id FROM queues WHERE name = ?"),
        list_queues(db, std::string("SELECT ") + kQueueColumns +
                            " FROM queues WHERE substr(name, 1, length(?1)) = ?1 AND name > ?2 "
                            "ORDER BY name LIMIT ?3"),
        put_queue(db, std::string("INSERT INTO queues (") + kQueueColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                          "?14, ?15, ?16) ON CONFLICT (name) DO UPDATE SET "
                          "state = ?2, max_dispatches_per_second = ?3, max_burst_size = ?4, "
                          "max_concurrent_dispatches = ?5, max_attempts = ?6, "
                          "max_retry_duration_us = ?7, min_backoff_us = ?8, max_backoff_us = ?9, "
                          "max_doublings = ?10, purge_time_us = ?11, logging_sampling_ratio = ?12, "
                          "routing_service = ?13, routing_version = ?14, routing_instance = ?15, "
                          "iam_policy = ?16"),
        queue_id(db, "SELECT id FROM queues WHERE name = ?"),
        insert_task(
            db,
            "INSERT INTO tasks (queue_id, task_id, target_kind, http_method, url, "
            "headers, body, auth_kind, auth_email, auth_extra, routing_service, "
            "routing_version, routing_instance, schedule_time_us, create_time_us, "
            "dispatch_deadline_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        find_task(db, TaskSelect("body", "queue_id = ? AND task_id = ?")),
        delete_task(db, "DELETE FROM tasks WHERE queue_id = ? AND task_id = ?"),
        list_tasks_full(db, TaskSelect("body", "queue_id = ? AND id > ? ORDER BY id LIMIT ?")),
        list_tasks_basic(db, TaskSelect("x''", "queue_id = ? AND id > ? ORDER BY id LIMIT ?")),
        put_task_tombstone(db,
                           "INSERT OR REPLACE INTO task_tombstones (name, expire_time_us) "
                           "VALUES (?, ?)"),
        has_task_tombstone(db,
                           "SELECT 1 FROM task_tombstones WHERE name = ? AND expire_time_us > ?"),
        due_tasks(db, TaskSelect("body",
                                 "queue_id = ? AND in_flight = 0 AND schedule_time_us <= ? "
                                 "AND target_kind = 1 ORDER BY schedule_time_us, id LIMIT ?")),
        next_schedule(db,
                      "SELECT MIN(schedule_time_us) FROM tasks WHERE queue_id = ? AND "
                      "in_flight = 0 AND target_kind = 1"),
        insert_attempt(db,
                       "INSERT INTO attempts (queue, task, attempt, schedule_time_us, "
                       "dispatch_time_us, response_time_us, method, url, headers, outcome, "
                       "http_status, error, latency_us) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        update_attempt(db,
                       "UPDATE attempts SET response_time_us = ?, outcome = ?, http_status = ?, "
                       "error = ?, latency_us = ? WHERE id = ?"),
        update_state(db,
                     "UPDATE tasks SET schedule_time_us = ?, dispatch_count = ?, "
                     "response_count = ?, first_attempt_dispatch_us = ?, "
                     "last_attempt_schedule_us = ?, last_attempt_dispatch_us = ?, "
                     "last_attempt_response_us = ?, last_response_code = ?, "
                     "last_response_message = ?, execution_count = ?, previous_response = ?, "
                     "in_flight = ? WHERE queue_id = ? AND task_id = ?") {}

  SQLite::Statement begin, commit, rollback, savepoint, release, rollback_to;
  SQLite::Statement find_queue, list_queues, put_queue, queue_id;
  SQLite::Statement insert_task, find_task, delete_task, list_tasks_full, list_tasks_basic;
  SQLite::Statement put_task_tombstone, has_task_tombstone;
  SQLite::Statement due_tasks, next_schedule, insert_attempt, update_attempt, update_state;
};

namespace {

// Resets a cached statement when the scope ends, whatever happened.
class Use {
 public:
  explicit Use(SQLite::Statement& st) : st_(st) {}
  ~Use() {
    try {
      st_.reset();
      st_.clearBindings();
    } catch (...) {  // A reset reports the last step's error again; it was handled there.
    }
  }
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

Status Migrate(SQLite::Database& db) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  int target = static_cast<int>(std::size(kMigrations));
  if (version > target) {
    return core::Internal("database schema version " + std::to_string(version) +
                          " is newer than this emulator's " + std::to_string(target));
  }
  if (version == target) return Status::Ok();
  SQLite::Transaction tx(db);
  for (int v = version; v < target; ++v) db.exec(kMigrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(target));
  tx.commit();
  return Status::Ok();
}

// Turns off SQLite's allocation statistics, which take a global mutex around every malloc and
// free; nothing here reads them. Possible only before SQLite initializes, so done once, before
// the first database opens (if SQLite already runs, the call fails and nothing changes).
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

// Reserves address space for an in-memory database; the kernel backs a page only once it is
// written. Null when there is nothing to reserve or the reservation is refused.
std::shared_ptr<void> ReserveMemory(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       size_t memory_reserve) {
  ConfigureSqliteOnce();
  CTE_RETURN_IF_ERROR(CreatePrivateFile(path));
  return Guard([&]() -> Result<std::unique_ptr<SqliteStore>> {
    // ":memory:" keeps every page in SQLite's page cache, which then walks all of them at each
    // commit (pcache1TruncateUnsafe). The memdb VFS holds the same private, in-memory database
    // in one buffer behind a normal-sized cache. Left to grow that buffer itself, memdb doubles
    // it with realloc, copying the whole database each time (a commit stalled for 100+ ms at a
    // few hundred MB: REST CreateTask p99 295 ms, 5 ms without); so it gets a buffer reserved
    // up front, and grows in place as the kernel backs the pages written.
    bool in_memory = path == ":memory:";
    std::shared_ptr<void> memory = in_memory ? ReserveMemory(memory_reserve) : nullptr;
    static std::atomic<int> memdb_count{0};
    std::string target = !in_memory ? path
                         : memory   ? ":memory:"
                                    : "file:/cte-memdb-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(memdb_count++) + "?vfs=memdb";
    auto db = std::make_unique<SQLite::Database>(
        target,
        // NOMUTEX: one thread at a time owns the store (see the header), so SQLite need not lock
        // the connection around every call.
        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX,
        5000);
    if (memory) {
      int rc =
          sqlite3_deserialize(db->getHandle(), "main", static_cast<unsigned char*>(memory.get()), 0,
                              static_cast<sqlite3_int64>(memory_reserve), 0);
      if (rc != SQLITE_OK) return core::Internal("cannot set up the in-memory database");
    } else if (in_memory) {
      // memdb stops at 1 GiB by default; let it grow as :memory: would.
      sqlite3_int64 limit = int64_t{1} << 46;
      sqlite3_file_control(db->getHandle(), "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    }
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = NORMAL");
    db->exec("PRAGMA foreign_keys = OFF");
    CTE_RETURN_IF_ERROR(Migrate(*db));
    auto store = std::unique_ptr<SqliteStore>(new SqliteStore(std::move(memory), std::move(db)));
    if (path != ":memory:") {
      // Checkpoints (with their fsync) run on a thread of their own, not inside a commit:
      // CreateTask on a file database went from 16k to 25k a second with this.
      store->db_->exec("PRAGMA wal_autocheckpoint = 0");
      auto checkpointer = WalCheckpointer::Start(path, std::chrono::milliseconds(100));
      if (!checkpointer.ok()) return checkpointer.status();
      store->checkpointer_ = std::move(*checkpointer);
    }
    return store;
  });
}

SqliteStore::SqliteStore(std::shared_ptr<void> memory, std::unique_ptr<SQLite::Database> db)
    : memory_(std::move(memory)), db_(std::move(db)), st_(std::make_unique<Statements>(*db_)) {}

SqliteStore::~SqliteStore() {
  if (in_transaction_) Rollback();
  st_.reset();
}

int SqliteStore::SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Status SqliteStore::Begin() {
  return Guard([&]() -> Status {
    Use(st_->begin)->exec();
    in_transaction_ = true;
    return Status::Ok();
  });
}

Status SqliteStore::Commit() {
  Status s = Guard([&]() -> Status {
    Use(st_->commit)->exec();
    in_transaction_ = false;
    return Status::Ok();
  });
  if (!s.ok()) Rollback();
  return s;
}

void SqliteStore::Rollback() {
  queue_ids_.clear();
  queues_.clear();
  in_transaction_ = false;
  if (sqlite3_get_autocommit(db_->getHandle())) return;
  try {
    Use(st_->rollback)->exec();
  } catch (const std::exception&) {  // Nothing more can be done; the next Begin reports it.
  }
}

Status SqliteStore::BeginSavepoint() {
  return Guard([&]() -> Status {
    Use(st_->savepoint)->exec();
    return Status::Ok();
  });
}

Status SqliteStore::ReleaseSavepoint() {
  return Guard([&]() -> Status {
    Use(st_->release)->exec();
    return Status::Ok();
  });
}

Status SqliteStore::RollbackSavepoint() {
  // The queue caches may hold queues created or changed after the savepoint.
  queue_ids_.clear();
  queues_.clear();
  return Guard([&]() -> Status {
    Use(st_->rollback_to)->exec();
    Use(st_->release)->exec();
    return Status::Ok();
  });
}

int64_t SqliteStore::QueueId(std::string_view name) {
  std::string key(name);
  if (auto it = queue_ids_.find(key); it != queue_ids_.end()) return it->second;
  Use st(st_->queue_id);
  st->bind(1, key);
  int64_t id = st->executeStep() ? st->getColumn(0).getInt64() : 0;
  if (id != 0) queue_ids_.emplace(std::move(key), id);
  return id;
}

Result<std::optional<StoredQueue>> SqliteStore::FindQueue(std::string_view name) {
  return Guard([&]() -> Result<std::optional<StoredQueue>> {
    std::string key(name);
    if (auto it = queues_.find(key); it != queues_.end()) {
      return std::optional<StoredQueue>(it->second);
    }
    Use st(st_->find_queue);
    st->bind(1, key);
    if (!st->executeStep()) return std::optional<StoredQueue>();
    StoredQueue found = ReadQueue(*st);
    queues_.emplace(std::move(key), found);
    return std::optional<StoredQueue>(std::move(found));
  });
}

Result<std::vector<StoredQueue>> SqliteStore::ListQueues(std::string_view prefix,
                                                         std::string_view after, int limit) {
  return Guard([&]() -> Result<std::vector<StoredQueue>> {
    Use st(st_->list_queues);
    st->bind(1, std::string(prefix));
    st->bind(2, std::string(after));
    st->bind(3, limit);
    std::vector<StoredQueue> out;
    while (st->executeStep()) out.push_back(ReadQueue(*st));
    return out;
  });
}

Status SqliteStore::PutQueue(const StoredQueue& stored) {
  return Guard([&]() -> Status {
    const core::Queue& q = stored.queue;
    queues_.erase(q.name);
    Use st(st_->put_queue);
    st->bind(1, q.name);
    st->bind(2, static_cast<int>(q.state));
    st->bind(3, q.rate_limits.max_dispatches_per_second);
    st->bind(4, q.rate_limits.max_burst_size);
    st->bind(5, q.rate_limits.max_concurrent_dispatches);
    st->bind(6, q.retry_config.max_attempts);
    auto us = [](core::Duration d) {
      return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    };
    st->bind(7, us(q.retry_config.max_retry_duration));
    st->bind(8, us(q.retry_config.min_backoff));
    st->bind(9, us(q.retry_config.max_backoff));
    st->bind(10, q.retry_config.max_doublings);
    BindOptionalTime(*st, 11, q.purge_time);
    if (q.stackdriver_logging_config) {
      st->bind(12, q.stackdriver_logging_config->sampling_ratio);
    } else {
      st->bind(12);
    }
    const auto& r = q.app_engine_routing_override;
    BindOptionalText(*st, 13, r ? &r->service : nullptr);
    BindOptionalText(*st, 14, r ? &r->version : nullptr);
    BindOptionalText(*st, 15, r ? &r->instance : nullptr);
    st->bind(16, stored.iam_policy);
    st->exec();
    return Status::Ok();
  });
}

Status SqliteStore::DeleteQueue(std::string_view name) {
  return Guard([&]() -> Status {
    queues_.erase(std::string(name));
    int64_t id = QueueId(name);
    if (id == 0) return Status::Ok();
    SQLite::Statement del_tasks(*db_, "DELETE FROM tasks WHERE queue_id = ?");
    del_tasks.bind(1, id);
    del_tasks.exec();
    SQLite::Statement del_tombs(*db_, "DELETE FROM task_tombstones WHERE substr(name, 1, ?1) = ?2");
    std::string prefix = std::string(name) + "/tasks/";
    del_tombs.bind(1, static_cast<int64_t>(prefix.size()));
    del_tombs.bind(2, prefix);
    del_tombs.exec();
    SQLite::Statement del_queue(*db_, "DELETE FROM queues WHERE id = ?");
    del_queue.bind(1, id);
    del_queue.exec();
    queue_ids_.erase(std::string(name));
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteStore::ListQueueLocations(std::string_view project) {
  return Guard([&]() -> Result<std::vector<std::string>> {
    // "projects/p/locations/l/queues/q" -> "projects/p/locations/l".
    SQLite::Statement st(*db_,
                         "SELECT DISTINCT substr(name, 1, instr(name, '/queues/') - 1) AS loc "
                         "FROM queues WHERE substr(name, 1, length(?1)) = ?1 ORDER BY loc");
    st.bind(1, "projects/" + std::string(project) + "/locations/");
    std::vector<std::string> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
  });
}

Status SqliteStore::InsertTask(const Task& t) {
  return Guard([&]() -> Status {
    auto [queue_name, task_id] = SplitTaskName(t.name);
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return core::NotFound("Queue does not exist.");
    Use st(st_->insert_task);
    st->bind(1, queue_id);
    st->bind(2, task_id);
    const core::HeaderMap* headers;
    const std::string* body;
    const std::optional<core::AppEngineRouting>* routing = nullptr;
    if (t.http_request) {
      const core::HttpRequest& r = *t.http_request;
      st->bind(3, kHttp);
      st->bind(4, static_cast<int>(r.http_method));
      st->bind(5, r.url);
      headers = &r.headers;
      body = &r.body;
      int auth = r.oauth_token ? kOAuth : r.oidc_token ? kOidc : kNoAuth;
      st->bind(8, auth);
      st->bind(9, r.oauth_token  ? r.oauth_token->service_account_email
                  : r.oidc_token ? r.oidc_token->service_account_email
                                 : std::string());
      st->bind(10, r.oauth_token  ? r.oauth_token->scope
                   : r.oidc_token ? r.oidc_token->audience
                                  : std::string());
    } else {
      const core::AppEngineHttpRequest& r = *t.app_engine_http_request;
      st->bind(3, kAppEngine);
      st->bind(4, static_cast<int>(r.http_method));
      st->bind(5, r.relative_uri);
      headers = &r.headers;
      body = &r.body;
      st->bind(8, kNoAuth);
      st->bind(9, std::string());
      st->bind(10, std::string());
      routing = &r.app_engine_routing;
    }
    std::string header_blob = EncodeHeaders(*headers);
    st->bindNoCopy(6, header_blob.data(), static_cast<int>(header_blob.size()));
    st->bindNoCopy(7, body->data(), static_cast<int>(body->size()));
    bool has_routing = routing && routing->has_value();
    BindOptionalText(*st, 11, has_routing ? &(*routing)->service : nullptr);
    BindOptionalText(*st, 12, has_routing ? &(*routing)->version : nullptr);
    BindOptionalText(*st, 13, has_routing ? &(*routing)->instance : nullptr);
    st->bind(14, static_cast<int64_t>(core::ToMicros(t.schedule_time.value_or(TimePoint()))));
    st->bind(15, static_cast<int64_t>(core::ToMicros(t.create_time.value_or(TimePoint()))));
    st->bind(
        16,
        static_cast<int64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(t.dispatch_deadline).count()));
    try {
      st->exec();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() == SQLITE_CONSTRAINT) {
        return core::AlreadyExists("Requested entity already exists");
      }
      throw;
    }
    return Status::Ok();
  });
}

Result<std::optional<Task>> SqliteStore::FindTask(std::string_view name) {
  return Guard([&]() -> Result<std::optional<Task>> {
    auto [queue_name, task_id] = SplitTaskName(name);
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return std::optional<Task>();
    Use st(st_->find_task);
    st->bind(1, queue_id);
    st->bind(2, task_id);
    if (!st->executeStep()) return std::optional<Task>();
    return std::optional<Task>(ReadTask(*st, queue_name));
  });
}

Result<bool> SqliteStore::DeleteTask(std::string_view name) {
  return Guard([&]() -> Result<bool> {
    auto [queue_name, task_id] = SplitTaskName(name);
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return false;
    Use st(st_->delete_task);
    st->bind(1, queue_id);
    st->bind(2, task_id);
    return st->exec() > 0;
  });
}

Result<core::TaskPage> SqliteStore::ListTasks(std::string_view queue_name, int64_t after_position,
                                              int limit, bool with_body) {
  return Guard([&]() -> Result<core::TaskPage> {
    core::TaskPage page;
    std::string queue(queue_name);
    int64_t queue_id = QueueId(queue);
    if (queue_id == 0) return page;
    Use st(with_body ? st_->list_tasks_full : st_->list_tasks_basic);
    st->bind(1, queue_id);
    st->bind(2, after_position);
    st->bind(3, limit);
    while (st->executeStep()) {
      page.tasks.push_back(ReadTask(*st, queue));
      page.last_position = st->getColumn(0).getInt64();
    }
    return page;
  });
}

Result<int64_t> SqliteStore::PurgeTasks(std::string_view queue_name,
                                        std::optional<TimePoint> tombstone_until) {
  return Guard([&]() -> Result<int64_t> {
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return int64_t{0};
    if (tombstone_until) {
      SQLite::Statement tomb(
          *db_,
          "INSERT OR REPLACE INTO task_tombstones (name, expire_time_us) "
          "SELECT ?1 || '/tasks/' || task_id, ?2 FROM tasks WHERE queue_id = ?3");
      tomb.bind(1, std::string(queue_name));
      tomb.bind(2, static_cast<int64_t>(core::ToMicros(*tombstone_until)));
      tomb.bind(3, queue_id);
      tomb.exec();
    }
    SQLite::Statement del(*db_, "DELETE FROM tasks WHERE queue_id = ?");
    del.bind(1, queue_id);
    return static_cast<int64_t>(del.exec());
  });
}

Result<std::vector<Task>> SqliteStore::DueTasks(std::string_view queue_name, TimePoint now,
                                                int limit) {
  return Guard([&]() -> Result<std::vector<Task>> {
    std::vector<Task> out;
    std::string queue(queue_name);
    int64_t queue_id = QueueId(queue);
    if (queue_id == 0) return out;
    Use st(st_->due_tasks);
    st->bind(1, queue_id);
    st->bind(2, static_cast<int64_t>(core::ToMicros(now)));
    st->bind(3, limit);
    while (st->executeStep()) out.push_back(ReadTask(*st, queue));
    return out;
  });
}

Result<std::optional<TimePoint>> SqliteStore::NextScheduleTime(std::string_view queue_name) {
  return Guard([&]() -> Result<std::optional<TimePoint>> {
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return std::optional<TimePoint>();
    Use st(st_->next_schedule);
    st->bind(1, queue_id);
    if (!st->executeStep()) return std::optional<TimePoint>();
    return OptionalTime(st->getColumn(0));
  });
}

Result<bool> SqliteStore::UpdateTaskState(const Task& t, bool in_flight) {
  return Guard([&]() -> Result<bool> {
    auto [queue_name, task_id] = SplitTaskName(t.name);
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return false;
    Use st(st_->update_state);
    st->bind(1, static_cast<int64_t>(core::ToMicros(t.schedule_time.value_or(TimePoint()))));
    st->bind(2, t.dispatch_count);
    st->bind(3, t.response_count);
    BindOptionalTime(*st, 4, t.first_attempt ? t.first_attempt->dispatch_time : std::nullopt);
    const std::optional<core::Attempt>& last = t.last_attempt;
    BindOptionalTime(*st, 5, last ? last->schedule_time : std::nullopt);
    BindOptionalTime(*st, 6, last ? last->dispatch_time : std::nullopt);
    BindOptionalTime(*st, 7, last ? last->response_time : std::nullopt);
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

Status SqliteStore::ClearInFlight() {
  return Guard([&]() -> Status {
    db_->exec("UPDATE tasks SET in_flight = 0 WHERE in_flight = 1");
    db_->exec(
        "UPDATE attempts SET outcome = 3, error = 'interrupted: the emulator stopped' "
        "WHERE outcome = 0");
    return Status::Ok();
  });
}

Result<int64_t> SqliteStore::InsertAttempt(const core::AttemptLogEntry& e) {
  return Guard([&]() -> Result<int64_t> {
    Use st(st_->insert_attempt);
    st->bind(1, e.queue);
    st->bind(2, e.task);
    st->bind(3, e.attempt);
    BindOptionalTime(*st, 4, e.schedule_time);
    BindOptionalTime(*st, 5, e.dispatch_time);
    BindOptionalTime(*st, 6, e.response_time);
    st->bind(7, e.method);
    st->bind(8, e.url);
    std::string headers = EncodeHeaders(e.headers);
    st->bindNoCopy(9, headers.data(), static_cast<int>(headers.size()));
    st->bind(10, static_cast<int>(e.outcome));
    st->bind(11, e.http_status);
    st->bind(12, e.error);
    st->bind(13, static_cast<int64_t>(
                     std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count()));
    st->exec();
    return static_cast<int64_t>(db_->getLastInsertRowid());
  });
}

Status SqliteStore::UpdateAttempt(const core::AttemptLogEntry& e) {
  return Guard([&]() -> Status {
    Use st(st_->update_attempt);
    BindOptionalTime(*st, 1, e.response_time);
    st->bind(2, static_cast<int>(e.outcome));
    st->bind(3, e.http_status);
    st->bind(4, e.error);
    st->bind(5, static_cast<int64_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count()));
    st->bind(6, e.id);
    st->exec();
    return Status::Ok();
  });
}

Result<std::vector<core::AttemptLogEntry>> SqliteStore::ListAttempts(std::string_view queue_name,
                                                                     std::string_view task_name,
                                                                     int64_t after_id, int limit) {
  return Guard([&]() -> Result<std::vector<core::AttemptLogEntry>> {
    SQLite::Statement st(
        *db_,
        "SELECT id, queue, task, attempt, schedule_time_us, dispatch_time_us, response_time_us, "
        "method, url, headers, outcome, http_status, error, latency_us FROM attempts "
        "WHERE (?1 = '' OR queue = ?1) AND (?2 = '' OR task = ?2) AND id > ?3 ORDER BY id "
        "LIMIT ?4");
    st.bind(1, std::string(queue_name));
    st.bind(2, std::string(task_name));
    st.bind(3, after_id);
    st.bind(4, limit);
    std::vector<core::AttemptLogEntry> out;
    while (st.executeStep()) {
      core::AttemptLogEntry e;
      e.id = st.getColumn(0).getInt64();
      e.queue = st.getColumn(1).getString();
      e.task = st.getColumn(2).getString();
      e.attempt = st.getColumn(3).getInt();
      e.schedule_time = OptionalTime(st.getColumn(4));
      e.dispatch_time = OptionalTime(st.getColumn(5));
      e.response_time = OptionalTime(st.getColumn(6));
      e.method = st.getColumn(7).getString();
      e.url = st.getColumn(8).getString();
      auto blob = st.getColumn(9);
      e.headers = DecodeHeaderList(
                      std::string_view(static_cast<const char*>(blob.getBlob()), blob.getBytes()))
                      .value_or(HeaderList{});
      e.outcome = static_cast<core::AttemptLogEntry::Outcome>(st.getColumn(10).getInt());
      e.http_status = st.getColumn(11).getInt();
      e.error = st.getColumn(12).getString();
      e.latency = std::chrono::microseconds(st.getColumn(13).getInt64());
      out.push_back(std::move(e));
    }
    return out;
  });
}

Status SqliteStore::DeleteAttempts(std::string_view queue_name) {
  return Guard([&]() -> Status {
    SQLite::Statement st(*db_, "DELETE FROM attempts WHERE ?1 = '' OR queue = ?1");
    st.bind(1, std::string(queue_name));
    st.exec();
    return Status::Ok();
  });
}

Result<int64_t> SqliteStore::CountTasks(std::string_view queue_name) {
  return Guard([&]() -> Result<int64_t> {
    int64_t queue_id = QueueId(queue_name);
    if (queue_id == 0) return int64_t{0};
    SQLite::Statement st(*db_, "SELECT COUNT(*) FROM tasks WHERE queue_id = ?");
    st.bind(1, queue_id);
    st.executeStep();
    return st.getColumn(0).getInt64();
  });
}

Status SqliteStore::DeleteTombstones(std::string_view queue_name) {
  return Guard([&]() -> Status {
    if (queue_name.empty()) {
      db_->exec("DELETE FROM task_tombstones");
      db_->exec("DELETE FROM queue_tombstones");
      return Status::Ok();
    }
    std::string prefix = std::string(queue_name) + "/tasks/";
    SQLite::Statement st(*db_, "DELETE FROM task_tombstones WHERE substr(name, 1, ?1) = ?2");
    st.bind(1, static_cast<int64_t>(prefix.size()));
    st.bind(2, prefix);
    st.exec();
    return Status::Ok();
  });
}

Status SqliteStore::PutTaskTombstone(std::string_view task_name, TimePoint until) {
  return Guard([&]() -> Status {
    Use st(st_->put_task_tombstone);
    st->bind(1, std::string(task_name));
    st->bind(2, static_cast<int64_t>(core::ToMicros(until)));
    st->exec();
    return Status::Ok();
  });
}

Result<bool> SqliteStore::HasTaskTombstone(std::string_view task_name, TimePoint now) {
  return Guard([&]() -> Result<bool> {
    Use st(st_->has_task_tombstone);
    st->bind(1, std::string(task_name));
    st->bind(2, static_cast<int64_t>(core::ToMicros(now)));
    return st->executeStep();
  });
}

Status SqliteStore::PutQueueTombstone(std::string_view queue_name, TimePoint until) {
  return Guard([&]() -> Status {
    SQLite::Statement st(*db_,
                         "INSERT OR REPLACE INTO queue_tombstones (name, expire_time_us) "
                         "VALUES (?, ?)");
    st.bind(1, std::string(queue_name));
    st.bind(2, static_cast<int64_t>(core::ToMicros(until)));
    st.exec();
    return Status::Ok();
  });
}

Result<bool> SqliteStore::HasQueueTombstone(std::string_view queue_name, TimePoint now) {
  return Guard([&]() -> Result<bool> {
    SQLite::Statement st(*db_,
                         "SELECT 1 FROM queue_tombstones WHERE name = ? AND expire_time_us > ?");
    st.bind(1, std::string(queue_name));
    st.bind(2, static_cast<int64_t>(core::ToMicros(now)));
    return st.executeStep();
  });
}

Status SqliteStore::DeleteQueueTombstone(std::string_view queue_name) {
  return Guard([&]() -> Status {
    SQLite::Statement st(*db_, "DELETE FROM queue_tombstones WHERE name = ?");
    st.bind(1, std::string(queue_name));
    st.exec();
    return Status::Ok();
  });
}

Status SqliteStore::DeleteExpiredTombstones(TimePoint now) {
  return Guard([&]() -> Status {
    int64_t us = core::ToMicros(now);
    for (const char* table : {"task_tombstones", "queue_tombstones"}) {
      SQLite::Statement st(*db_,
                           std::string("DELETE FROM ") + table + " WHERE expire_time_us <= ?");
      st.bind(1, us);
      st.exec();
    }
    return Status::Ok();
  });
}

}  // namespace cte::store
