// What only the SQLite store has: its queue cache, its file and its WAL checkpointer. The TaskStore
// contract itself runs over every store set-up in store_contract_test.cc (its many-megabyte case
// covers the memory reservation).
#include "store/sqlite_store.h"

#include <filesystem>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <sqlite3.h>

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
  CHECK(store::SqliteStore::SchemaVersion() == 7);           // The sections of store/schema.sql.
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
  Exec(path,
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
  Exec(path,
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
  Exec(path, "DROP INDEX tasks_by_queue; PRAGMA user_version = 6;");
  { auto store = OpenSqlite(path, store::SqliteStore::kMemoryReserve); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE queue_id = 1 AND "
                             "id > 0 ORDER BY id LIMIT 10",
                             -1, &st, nullptr) == SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    plan += ";";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  CHECK(plan == "SEARCH tasks USING COVERING INDEX tasks_by_queue (queue_id=? AND id>?);");
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
