// DatabaseLock: one emulator per database file. Two emulators on one file would run two
// dispatchers over the same tasks and send each twice, so the second refuses to start.
#pragma once

#include <string>

#include "core/status.h"

namespace cte::app {

class DatabaseLock {
 public:
  // Takes the lock of the database at `db_path`: an exclusive flock(2) on "<db_path>.lock", held
  // until this object is destroyed or the process ends (kill -9 included: the kernel releases
  // it). None for ":memory:" and "file:" URIs. FAILED_PRECONDITION, naming the process that holds
  // it, when another emulator does; INTERNAL when the lock file cannot be opened.
  static core::Result<DatabaseLock> Acquire(const std::string& db_path);

  DatabaseLock() = default;
  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&& other) noexcept;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cte::app
