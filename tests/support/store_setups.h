// The store set-ups the store tests run over (each way the emulator keeps data), and the sample
// rows they write. Header-only: it uses doctest's REQUIRE.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "core/task_store.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace cte::testing {

// The time the sample rows are written at.
inline const core::TimePoint kStoreNow =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 29) + std::chrono::hours(20);

// A SqliteStore at `path`, or a failed REQUIRE.
inline std::unique_ptr<core::TaskStore> OpenSqlite(const std::string& path, size_t reserve) {
  auto s = store::SqliteStore::Open(path, reserve);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return std::move(*s);
}

// Each set-up opens a fresh store with OpenStore(); one that persists (kPersists) opens the same
// data again on each later call, as a new process would.
struct MemoryDb {
  std::unique_ptr<core::TaskStore> OpenStore() { return store::MemoryStore::Create(); }
  static constexpr bool kPersists = false;
};
struct SqliteMemoryDb {  // In address space reserved up front.
  std::unique_ptr<core::TaskStore> OpenStore() {
    return OpenSqlite(":memory:", store::SqliteStore::kMemoryReserve);
  }
  static constexpr bool kPersists = false;
};
struct SqliteGrowingMemoryDb {  // When no address space can be reserved.
  std::unique_ptr<core::TaskStore> OpenStore() { return OpenSqlite(":memory:", 0); }
  static constexpr bool kPersists = false;
};
struct SqliteFileDb {
  TempDir dir;
  std::unique_ptr<core::TaskStore> OpenStore() {
    return OpenSqlite(dir.File("tasks.db"), store::SqliteStore::kMemoryReserve);
  }
  static constexpr bool kPersists = true;
};
#define CTE_SQLITE_STORES SqliteMemoryDb, SqliteGrowingMemoryDb, SqliteFileDb
#define CTE_STORES MemoryDb, CTE_SQLITE_STORES

// A running queue with settings other than the defaults, none below a microsecond.
inline core::Queue RunningQueue(const std::string& name) {
  core::Queue q;
  q.name = name;
  q.state = core::QueueState::kRunning;
  q.rate_limits = {200, 100, 1000};
  q.retry_config = {100, std::chrono::seconds(1800), std::chrono::milliseconds(100),
                    std::chrono::seconds(3600), 16};
  return q;
}

// An HTTP task whose every value is kept exactly (whole microseconds, one token).
inline core::Task HttpTask(const std::string& name, core::TimePoint schedule) {
  core::Task t;
  t.name = name;
  t.http_request = core::HttpRequest{"http://w/x",
                                     core::HttpMethod::kPost,
                                     {{"X-A", "1"}, {"User-Agent", "Google-Cloud-Tasks"}},
                                     std::string("b\0dy", 4),
                                     std::nullopt,
                                     core::OidcToken{"sa@p.iam", "aud"}};
  t.schedule_time = schedule;
  t.create_time = kStoreNow;
  t.dispatch_deadline = std::chrono::seconds(600);
  return t;
}

}  // namespace cte::testing
