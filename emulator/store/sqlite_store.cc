#include "store/sqlite_store.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include <sqlite3.h>

#include "store/sqlite_attempts.h"
#include "store/sqlite_db.h"
#include "store/sqlite_queues.h"
#include "store/sqlite_tasks.h"

namespace cte::store {

using core::Result;
using core::Status;

struct SqliteStore::Statements {
  explicit Statements(SQLite::Database& db)
      // IMMEDIATE: take the write lock up front, waiting (busy timeout) for a checkpoint that
      // holds it; a deferred transaction would fail at once with SQLITE_BUSY_SNAPSHOT instead.
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        savepoint(db, "SAVEPOINT call"),
        release(db, "RELEASE call"),
        rollback_to(db, "ROLLBACK TO call") {}
  Sql begin, commit, rollback, savepoint, release, rollback_to;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       size_t memory_reserve) {
  SqliteOptions options;
  options.memory_reserve = memory_reserve;
  return Open(path, options);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const SqliteOptions& options) {
  auto opened = OpenDatabase(path, options);
  if (!opened.ok()) return opened.status();
  return Guard([&]() -> Result<std::unique_ptr<SqliteStore>> {
    auto store = std::unique_ptr<SqliteStore>(
        new SqliteStore(std::move(opened->memory), std::move(opened->db)));
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
    : memory_(std::move(memory)),
      db_(std::move(db)),
      st_(std::make_unique<Statements>(*db_)),
      queues_(std::make_unique<SqliteQueueTable>(*db_, actions_)),
      tasks_(std::make_unique<SqliteTaskTable>(*db_, *queues_)),
      attempts_(std::make_unique<SqliteAttemptTable>(*db_)) {}

SqliteStore::~SqliteStore() {
  if (in_transaction_) Rollback();
  // Statements before the connection they belong to.
  attempts_.reset();
  tasks_.reset();
  queues_.reset();
  st_.reset();
}

int SqliteStore::SchemaVersion() { return store::SchemaVersion(); }

Status SqliteStore::Begin() {
  assert(!in_transaction_);
  if (checkpointer_) BoundLog();
  return Guard([&]() -> Status {
    Use(st_->begin)->exec();
    in_transaction_ = true;
    return Status::Ok();
  });
}

// The checkpointer's thread cannot keep the log short under a burst of writes: the log file
// grew by 5 MB in the 100 ms between two of its rounds, and it keeps the size it reached. On a
// disk short of space, the log then took all of it (30 KB of log per task, for a database of
// 200 KB), and the checkpoint that lets the log start over could not grow the database file:
// every write failed from then on, and the log took any space freed before a checkpoint could
// use it. So when space is short the writer checkpoints the log itself after a commit that takes
// it past the limit (SQLite's automatic checkpoint): no write runs meanwhile, so the checkpoint
// completes and the next commit starts the log over.
void SqliteStore::BoundLog() {
  int64_t limit = checkpointer_->LogFrameLimit();
  int frames =
      limit >= WalCheckpointer::kMaxLogFrames ? 0 : static_cast<int>(std::max<int64_t>(limit, 1));
  if (frames == autocheckpoint_frames_) return;
  sqlite3_wal_autocheckpoint(db_->getHandle(), frames);
  autocheckpoint_frames_ = frames;
}

Status SqliteStore::Commit() {
  assert(in_transaction_);
  auto start = std::chrono::steady_clock::now();
  Status s = Guard([&]() -> Status {
    tasks_->SaveIds();
    attempts_->SaveIds();
    Use(st_->commit)->exec();
    return Status::Ok();
  });
  if (!s.ok()) {
    Rollback();
    return s;
  }
  if (observe_commit_) observe_commit_(std::chrono::steady_clock::now() - start);
  in_transaction_ = false;
  actions_.Committed();
  return s;
}

void SqliteStore::Rollback() {
  if (!in_transaction_) return;
  queues_->ForgetCached();
  in_transaction_ = false;
  if (!sqlite3_get_autocommit(db_->getHandle())) {
    try {
      Use(st_->rollback)->exec();
    } catch (const std::exception&) {  // Nothing more can be done; the next Begin reports it.
    }
  }
  actions_.RolledBack();
}

Status SqliteStore::BeginSavepoint() {
  assert(InTransaction());
  return Guard([&]() -> Status {
    Use(st_->savepoint)->exec();
    actions_.Savepoint();
    return Status::Ok();
  });
}

Status SqliteStore::ReleaseSavepoint() {
  Status s = Guard([&]() -> Status {
    Use(st_->release)->exec();
    actions_.Release();
    return Status::Ok();
  });
  if (!s.ok()) Rollback();
  return s;
}

Status SqliteStore::RollbackSavepoint() {
  // The queue caches may hold queues created or changed after the savepoint.
  queues_->ForgetCached();
  Status s = Guard([&]() -> Status {
    Use(st_->rollback_to)->exec();
    Use(st_->release)->exec();
    return Status::Ok();
  });
  if (s.ok()) {
    actions_.RollbackSavepoint();
  } else {
    Rollback();
  }
  return s;
}

bool SqliteStore::InTransaction() const {
  // A full disk or an I/O error can make SQLite roll the whole transaction back on its own.
  return in_transaction_ && !sqlite3_get_autocommit(db_->getHandle());
}

void SqliteStore::OnCommit(std::function<void()> action) {
  assert(in_transaction_);
  actions_.OnCommit(std::move(action));
}

void SqliteStore::OnRollback(std::function<void()> action) {
  assert(in_transaction_);
  actions_.OnRollback(std::move(action));
}

void SqliteStore::ObserveCommits(std::function<void(core::Duration)> observe) {
  observe_commit_ = std::move(observe);
}

core::QueueTable& SqliteStore::queues() { return *queues_; }
core::TaskTable& SqliteStore::tasks() { return *tasks_; }
core::AttemptTable& SqliteStore::attempts() { return *attempts_; }
core::PolicyTable& SqliteStore::policies() { return *queues_; }

}  // namespace cte::store
