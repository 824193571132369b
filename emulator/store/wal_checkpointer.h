// WalCheckpointer: copies a WAL database's log back into the database file on a thread of its
// own, so that the writer's commits never wait for a checkpoint's writes and fsync.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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
  // About 256 MiB of 4 KiB pages: the most the log grows before it starts over (replaying it
  // at a restart takes a fraction of a second).
  static constexpr int kMaxLogFrames = 65536;

  // Opens a second connection to the database at `path` (in WAL mode, with automatic checkpoints
  // turned off on the writer's connection) and runs a PASSIVE checkpoint every `interval`: it
  // never blocks the writer, and copies every frame no reader still needs. When the log passes
  // kMaxLogFrames it is restarted (RESTART), which makes the writer wait for a moment. INTERNAL
  // when the database cannot be opened.
  static core::Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                              std::chrono::milliseconds interval);
  // Stops the thread (after a last checkpoint).
  ~WalCheckpointer();

  // The most frames the log should hold: kMaxLogFrames, or fewer when the disk is short of
  // space (half the free space of the database's file system, measured at each round; 0 when
  // the disk is full). Thread-safe.
  int64_t LogFrameLimit() const { return log_frame_limit_.load(std::memory_order_relaxed); }

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<SQLite::Database> db, std::string path,
                  std::chrono::milliseconds interval);
  void Loop();
  void Checkpoint();
  // A PASSIVE checkpoint, then the database file synced; returns the frames in the log.
  int PassiveRound();
  // Sets the LogFrameLimit from the free space.
  void MeasureFreeSpace();

  std::unique_ptr<SQLite::Database> db_;
  std::string path_;
  int64_t frame_bytes_;
  std::atomic<int64_t> log_frame_limit_{kMaxLogFrames};
  std::chrono::milliseconds interval_;
  int db_fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cte::store
