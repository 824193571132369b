// WalCheckpointer: copies a WAL database's log back into the database file on a thread of its
// own, so that the writer's commits never wait for a checkpoint's writes and fsync.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace cte::store {

class WalCheckpointer {
 public:
  // Opens a second connection to the database at `path` (in WAL mode, with automatic checkpoints
  // turned off on the writer's connection) and runs a PASSIVE checkpoint every `interval`: it
  // never blocks the writer, and copies every frame no reader still needs. When the log passes
  // kMaxLogFrames it is restarted (RESTART), which makes the writer wait for a moment. INTERNAL
  // when the database cannot be opened.
  static core::Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                              std::chrono::milliseconds interval);
  // Stops the thread (after a last checkpoint).
  ~WalCheckpointer();

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<SQLite::Database> db, std::chrono::milliseconds interval);
  void Loop();
  void Checkpoint();

  // About 256 MiB of 4 KiB pages: the most the log grows before it starts over (replaying it
  // at a restart takes a fraction of a second).
  static constexpr int kMaxLogFrames = 65536;

  std::unique_ptr<SQLite::Database> db_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cte::store
