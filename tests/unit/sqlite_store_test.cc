// What only the SQLite store has: its queue cache, its file, its WAL checkpointer and its memory
// reservation. The TaskStore contract itself runs over every store in store_contract_test.cc.
#include "store/sqlite_store.h"

#include <filesystem>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support/eventually.h"
#include "support/temp_dir.h"

using namespace cte;
using namespace std::chrono;
using core::TimePoint;

namespace {

const TimePoint kNow = sys_days(year(2026) / 11 / 29) + hours(20);

std::unique_ptr<store::SqliteStore> Open(
    const std::string& path, size_t memory_reserve = store::SqliteStore::kMemoryReserve) {
  auto s = store::SqliteStore::Open(path, memory_reserve);
  REQUIRE(s.ok());
  return std::move(*s);
}

// The ways the emulator keeps data; the contract must hold for each.
struct MemoryDb {  // In address space reserved up front.
  std::unique_ptr<store::SqliteStore> OpenStore() { return Open(":memory:"); }
  static constexpr bool kPersists = false;
};
struct GrowingMemoryDb {  // When no address space can be reserved.
  std::unique_ptr<store::SqliteStore> OpenStore() { return Open(":memory:", 0); }
  static constexpr bool kPersists = false;
};
struct FileDb {
  testing::TempDir dir;
  std::unique_ptr<store::SqliteStore> OpenStore() { return Open(dir.File("tasks.db")); }
  static constexpr bool kPersists = true;
};

core::Queue MakeQueue(const std::string& name) {
  core::Queue q;
  q.name = name;
  q.state = core::QueueState::kRunning;
  q.rate_limits = {200, 100, 1000};
  q.retry_config = {100, seconds(1800), milliseconds(100), seconds(3600), 16};
  return q;
}

core::Task MakeTask(const std::string& name) {
  core::Task t;
  t.name = name;
  t.http_request = core::HttpRequest{"http://w/x",
                                     core::HttpMethod::kPost,
                                     {{"X-A", "1"}, {"User-Agent", "Google-Cloud-Tasks"}},
                                     std::string("b\0dy", 4),
                                     std::nullopt,
                                     core::OidcToken{"sa@p.iam", "aud"}};
  t.schedule_time = kNow + microseconds(5);
  t.create_time = kNow;
  t.dispatch_deadline = seconds(600);
  return t;
}

const char kQ[] = "projects/p/locations/l/queues/q";

// Opens `db` and commits the queue kQ into it.
template <typename Db>
std::unique_ptr<store::SqliteStore> OpenWithQueue(Db& db) {
  auto store = db.OpenStore();
  REQUIRE(store->Begin().ok());
  REQUIRE(store->queues().Put(MakeQueue(kQ)).ok());
  REQUIRE(store->Commit().ok());
  return store;
}

}  // namespace

TEST_CASE_TEMPLATE("a queue read again sees every change, rollbacks included", Db, MemoryDb,
                   GrowingMemoryDb, FileDb) {
  Db db;
  auto store = db.OpenStore();
  auto state = [&] { return (*store->queues().Find(kQ))->state; };
  REQUIRE(store->Begin().ok());
  core::Queue q = MakeQueue(kQ);
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
  { auto store = Open(path); }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = Open(path);                          // Reopening runs no migration twice.
  CHECK(store::SqliteStore::SchemaVersion() == 4);  // The sections of store/schema.sql.
}

// Commits only append to the WAL; the checkpointer thread copies them into the database file.
TEST_CASE("committed pages reach the database file without the writer's help") {
  testing::TempDir dir;
  std::string path = dir.File("wal.db");
  auto store = Open(path);
  auto size = [&] { return std::filesystem::file_size(path); };
  auto before = size();
  REQUIRE(store->Begin().ok());
  REQUIRE(store->queues().Put(MakeQueue(kQ)).ok());
  for (int i = 0; i < 500; ++i) {
    core::Task t = MakeTask(std::string(kQ) + "/tasks/t" + std::to_string(i));
    t.http_request->body = std::string(2000, 'x');
    REQUIRE(*store->tasks().Insert(t));
  }
  REQUIRE(store->Commit().ok());
  // About 1 MB of rows, written by the checkpointer while the writer does nothing.
  CHECK(testing::Eventually([&] { return size() > before + 500 * 2000; }));
}

// 16 MB of rows over many commits: the growing buffer is copied several times on the way, the
// reserved one never; both keep every row.
TEST_CASE_TEMPLATE("a database of many megabytes keeps every row", Db, MemoryDb, GrowingMemoryDb,
                   FileDb) {
  Db db;
  auto store = OpenWithQueue(db);
  auto body = [](int i) { return std::string(4000, static_cast<char>('a' + i % 26)); };
  for (int batch = 0; batch < 40; ++batch) {
    REQUIRE(store->Begin().ok());
    for (int i = batch * 100; i < (batch + 1) * 100; ++i) {
      core::Task t = MakeTask(std::string(kQ) + "/tasks/t" + std::to_string(i));
      t.http_request->body = body(i);
      REQUIRE(*store->tasks().Insert(t));
    }
    REQUIRE(store->Commit().ok());
  }
  if constexpr (Db::kPersists) store = db.OpenStore();
  REQUIRE(store->Begin().ok());
  auto count = store->tasks().Count(kQ);
  REQUIRE(count.ok());
  CHECK(*count == 4000);
  for (int i : {0, 1234, 3999}) {
    auto t = store->tasks().Find(std::string(kQ) + "/tasks/t" + std::to_string(i));
    REQUIRE(t.ok());
    REQUIRE(t->has_value());
    CHECK((*t)->http_request->body == body(i));
  }
  store->Rollback();
}
