// What only the SQLite store has: its queue cache, its file and its WAL checkpointer. The TaskStore
// contract itself runs over every store set-up in store_contract_test.cc (its many-megabyte case
// covers the memory reservation).
#include "store/sqlite_store.h"

#include <filesystem>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "store/sqlite_db.h"
#include "support/eventually.h"
#include "support/store_setups.h"
#include "support/temp_dir.h"

using namespace cte;
using namespace std::chrono;
using namespace cte::testing;  // The store set-ups, RunningQueue and HttpTask.

namespace {

const char kQ[] = "projects/p/locations/l/queues/q";

// Runs `sql` on the database at `path` with SQLite alone, as another program would.
void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

// Runs `sql` on the database at `path` with SQLite alone and returns column `column` of every
// row, each followed by ";".
std::string Column(const std::string& path, const std::string& sql, int column = 0) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    out += reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    out += ";";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Turns a database of this version back into what version 7 left, for the tests that go further
// back: the attempt log's indexes, and task tombstones keyed by their whole name (the tasks table's
// new key order does not matter to the sections that rebuild it).
const char kBackToVersion7[] =
    "CREATE INDEX attempts_by_queue ON attempts (queue, id); "
    "CREATE INDEX attempts_by_task ON attempts (task, id); "
    "CREATE TABLE tombstones_v7 (name TEXT PRIMARY KEY, expire_time_us INTEGER NOT NULL) "
    "WITHOUT ROWID; "
    "INSERT INTO tombstones_v7 SELECT queue || '/tasks/' || task_id, expire_time_us "
    "FROM task_tombstones; "
    "DROP TABLE task_tombstones; ALTER TABLE tombstones_v7 RENAME TO task_tombstones; ";

core::AttemptLogEntry Attempt(const std::string& task, bool duplicate) {
  core::AttemptLogEntry e;
  e.queue = kQ;
  e.task = std::string(kQ) + "/tasks/" + task;
  e.attempt = 1;
  e.method = "POST";
  e.url = "http://w/x";
  e.duplicate = duplicate;
  return e;
}

}  // namespace

TEST_CASE_TEMPLATE("a queue read again sees every change, rollbacks included", Db,
                   CTE_SQLITE_STORES) {
  Db db;
  auto store = db.OpenStore();
  auto state = [&] { return (*store->queues().Find(kQ))->state; };
  REQUIRE(store->Begin().ok());
  core::Queue q = RunningQueue(kQ);
  REQUIRE(store->queues().Put(q).ok());
  CHECK(state() == core::QueueState::kRunning);
  REQUIRE(store->Commit().ok());

  REQUIRE(store->Begin().ok());
  CHECK(state() == core::QueueState::kRunning);  // Read, and so remembered.
  q.state = core::QueueState::kPaused;
  REQUIRE(store->queues().Put(q).ok());
  CHECK(state() == core::QueueState::kPaused);
  REQUIRE(store->BeginSavepoint().ok());
  q.state = core::QueueState::kDisabled;
  REQUIRE(store->queues().Put(q).ok());
  CHECK(state() == core::QueueState::kDisabled);
  REQUIRE(store->RollbackSavepoint().ok());
  CHECK(state() == core::QueueState::kPaused);
  REQUIRE(store->Commit().ok());

  REQUIRE(store->Begin().ok());
  CHECK(state() == core::QueueState::kPaused);
  q.state = core::QueueState::kRunning;
  REQUIRE(store->queues().Put(q).ok());
  CHECK(state() == core::QueueState::kRunning);
  store->Rollback();
  REQUIRE(store->Begin().ok());
  CHECK(state() == core::QueueState::kPaused);
  REQUIRE(store->queues().Delete(kQ).ok());
  CHECK_FALSE(store->queues().Find(kQ)->has_value());
  store->Rollback();
  REQUIRE(store->Begin().ok());
  CHECK(state() == core::QueueState::kPaused);
  store->Rollback();
}

TEST_CASE("the database file is private and carries the schema version") {
  testing::TempDir dir;
  std::string path = dir.File("private.db");
  { auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve); }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again =
      OpenSqlite(path, store::SqliteStore::kMemoryReserve);  // Reopening runs no migration twice.
  CHECK(store::SqliteStore::SchemaVersion() == 8);           // The sections of store/schema.sql.
}

TEST_CASE("a version 4 database gains the duplicate mark; its attempts were first deliveries") {
  testing::TempDir dir;
  std::string path = dir.File("v4.db");
  {
    auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
    REQUIRE(store->Begin().ok());
    REQUIRE(store->attempts().Insert(Attempt("old", false)).ok());
    REQUIRE(store->Commit().ok());
  }
  // Back to what version 4 left: no duplicate column, and nothing of versions 6 and 7.
  Exec(
      path,
      std::string(kBackToVersion7) +
          "ALTER TABLE attempts DROP COLUMN duplicate; ALTER TABLE queues DROP COLUMN http_target; "
          "DROP TABLE cmek_configs; DROP INDEX tasks_by_queue; PRAGMA user_version = 4;");
  {
    auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
    REQUIRE(store->Begin().ok());
    REQUIRE(store->attempts().Insert(Attempt("new", true)).ok());
    REQUIRE(store->Commit().ok());
  }
  auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
  REQUIRE(store->Begin().ok());
  auto listed = store->attempts().List("", "", 0, 10);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].task == std::string(kQ) + "/tasks/old");
  CHECK_FALSE((*listed)[0].duplicate);
  CHECK((*listed)[1].task == std::string(kQ) + "/tasks/new");
  CHECK((*listed)[1].duplicate);
  store->Rollback();
}

TEST_CASE(
    "a version 5 database gains httpTarget and CMEK configs, and its queues keep their rows") {
  testing::TempDir dir;
  std::string path = dir.File("v5.db");
  core::Queue queue;
  queue.name = kQ;
  queue.state = core::QueueState::kPaused;
  {
    auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
    REQUIRE(store->Begin().ok());
    REQUIRE(store->queues().Put(queue).ok());
    REQUIRE(store->Commit().ok());
  }
  // Back to what version 5 left: no http_target column, no cmek_configs table (nor version 7's
  // index).
  Exec(path, std::string(kBackToVersion7) +
                 "ALTER TABLE queues DROP COLUMN http_target; DROP TABLE cmek_configs; "
                 "DROP INDEX tasks_by_queue; PRAGMA user_version = 5;");
  auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
  REQUIRE(store->Begin().ok());
  auto found = store->queues().Find(kQ);
  REQUIRE(found.ok());
  CHECK(*found == std::optional<core::Queue>(queue));
  queue.http_target.emplace().http_method = core::HttpMethod::kGet;
  REQUIRE(store->queues().Put(queue).ok());
  REQUIRE(store->queues().PutKmsKey("projects/p/locations/l", "key").ok());
  REQUIRE(store->Commit().ok());
  REQUIRE(store->Begin().ok());
  CHECK(store->queues().Find(kQ)->value().http_target == queue.http_target);
  CHECK(store->queues().GetKmsKey("projects/p/locations/l").value() == "key");
  store->Rollback();
}

// The plan of a page of a queue's tasks: its rows in creation order straight from an index, not
// every task of the queue sorted (what version 7 added the index for).
TEST_CASE("a version 6 database gains the index that pages a queue's tasks in creation order") {
  testing::TempDir dir;
  std::string path = dir.File("v6.db");
  { auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve); }
  Exec(path, std::string(kBackToVersion7) + "DROP INDEX tasks_by_queue; PRAGMA user_version = 6;");
  { auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve); }
  CHECK(Column(path,
               "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE queue_id = 1 AND id > 0 ORDER BY "
               "id LIMIT 10",
               3) == "SEARCH tasks USING COVERING INDEX tasks_by_queue (queue_id=? AND id>?);");
}

// A database made by the sections of schema.sql up to version 7, holding a task, a task tombstone
// and an attempt, as an emulator of that version left it; then opened by this one. Version 8
// rebuilt the tasks and task tombstone tables with keys that start with the task ID, and dropped
// the attempt log's indexes, which no statement read through (issue 17).
TEST_CASE("a version 7 database keeps its tasks, tombstones and attempts through version 8") {
  testing::TempDir dir;
  std::string path = dir.File("v7.db");
  std::string v7;
  for (int v = 0; v < 7; ++v) v7 += store::Migrations()[v];
  const std::string task = std::string(kQ) + "/tasks/";
  // A location named "tasks": the ID is what follows the last "/tasks/".
  const std::string odd = "projects/p/locations/tasks/queues/q/tasks/odd";
  Exec(path,
       v7 +
           "PRAGMA user_version = 7;"
           "INSERT INTO queues (id, name, state, max_dispatches_per_second, max_burst_size, "
           "max_concurrent_dispatches, max_attempts, max_retry_duration_us, min_backoff_us, "
           "max_backoff_us, max_doublings) VALUES (1, '" +
           kQ +
           "', 1, 500, 100, 1000, -1, 0, 100000, 3600000000, 16);"
           "INSERT INTO tasks (id, queue_id, task_id, target_kind, http_method, url, headers, "
           "body, auth_kind, auth_email, auth_extra, schedule_time_us, create_time_us, "
           "dispatch_deadline_us, dispatch_count) VALUES (5, 1, 'kept', 1, 1, 'http://w/x', "
           "x'', x'626f6479', 0, '', '', 7, 6, 600000000, 2);"
           "UPDATE sequences SET next_id = 6 WHERE name = 'tasks';"
           "INSERT INTO task_tombstones VALUES ('" +
           task + "gone', 9000000000000000), ('" + odd + "', 9000000000000000);" +
           "INSERT INTO attempts (queue, task, attempt, method, url, headers, outcome, "
           "http_status, error, latency_us) VALUES ('" +
           kQ + "', '" + task + "kept', 2, 'POST', 'http://w/x', x'', 1, 500, '', 3);");
  auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
  REQUIRE(store->Begin().ok());
  auto kept = store->tasks().Find(task + "kept");
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->dispatch_count == 2);
  CHECK((*kept)->http_request->body == "body");
  CHECK(*store->tasks().HasTombstone(task + "gone", kStoreNow));
  CHECK(*store->tasks().HasTombstone(odd, kStoreNow));
  CHECK_FALSE(*store->tasks().HasTombstone(task + "odd", kStoreNow));
  CHECK_FALSE(*store->tasks().HasTombstone(task + "kept", kStoreNow));
  // The same ID again is refused; new tasks and attempts go on with fresh IDs.
  CHECK_FALSE(*store->tasks().Insert(HttpTask(task + "kept", kStoreNow)));
  REQUIRE(*store->tasks().Insert(HttpTask(task + "new", kStoreNow)));
  CHECK(store->tasks().List(kQ, 0, 10, false)->tasks.size() == 2);
  auto by_task = store->attempts().List("", task + "kept", 0, 10);
  REQUIRE(by_task.ok());
  REQUIRE(by_task->size() == 1);
  CHECK((*by_task)[0].http_status == 500);
  CHECK(store->attempts().List(kQ, "", 0, 10)->size() == 1);
  store->Rollback();
  CHECK(Column(path,
               "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'attempts' AND type = "
               "'index'") == "0;");
}

// Commits only append to the WAL; the checkpointer thread copies them into the database file.
TEST_CASE("committed pages reach the database file without the writer's help") {
  testing::TempDir dir;
  std::string path = dir.File("wal.db");
  auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve);
  auto size = [&] { return std::filesystem::file_size(path); };
  auto before = size();
  REQUIRE(store->Begin().ok());
  REQUIRE(store->queues().Put(RunningQueue(kQ)).ok());
  for (int i = 0; i < 500; ++i) {
    core::Task t = HttpTask(std::string(kQ) + "/tasks/t" + std::to_string(i), kStoreNow);
    t.http_request->body = std::string(2000, 'x');
    REQUIRE(*store->tasks().Insert(t));
  }
  REQUIRE(store->Commit().ok());
  // About 1 MB of rows, written by the checkpointer while the writer does nothing.
  CHECK(testing::Eventually([&] { return size() > before + 500 * 2000; }));
}
