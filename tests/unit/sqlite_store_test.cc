// What only the SQLite store has: its queue cache, its file and its WAL checkpointer. The TaskStore
// contract itself runs over every store set-up in store_contract_test.cc (its many-megabyte case
// covers the memory reservation).
#include "store/sqlite_store.h"

#include <filesystem>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support/eventually.h"
#include "support/store_setups.h"
#include "support/temp_dir.h"

using namespace cte;
using namespace std::chrono;
using namespace cte::testing;  // The store set-ups, RunningQueue and HttpTask.

namespace {

const char kQ[] = "projects/p/locations/l/queues/q";

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
  CHECK(store::SqliteStore::SchemaVersion() == 4);           // The sections of store/schema.sql.
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
