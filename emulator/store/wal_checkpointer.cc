#include "store/wal_checkpointer.h"

#include <algorithm>
#include <fcntl.h>
#include <pthread.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

namespace cte::store {

core::Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::string& path, std::chrono::milliseconds interval) {
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, 5000);
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(db), path, interval));
  } catch (const std::exception& e) {
    return core::Internal(std::string("cannot open the database for checkpoints: ") + e.what());
  }
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<SQLite::Database> db, std::string path,
                                 std::chrono::milliseconds interval)
    : db_(std::move(db)),
      path_(std::move(path)),
      // A frame is a page and its 24-byte header.
      frame_bytes_(db_->execAndGet("PRAGMA page_size").getInt64() + 24),
      interval_(interval),
      // Synced by hand after each PASSIVE round (see Checkpoint); -1 only when the file went away.
      db_fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC)),
      thread_([this] { Loop(); }) {
  MeasureFreeSpace();
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (db_fd_ >= 0) ::close(db_fd_);
}

void WalCheckpointer::Loop() {
  pthread_setname_np(pthread_self(), "cte-checkpoint");
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    Checkpoint();
    lock.lock();
  }
  lock.unlock();
  Checkpoint();
}

void WalCheckpointer::Checkpoint() {
  MeasureFreeSpace();
  try {
    // A PASSIVE checkpoint never waits for the writer, but under steady writes it never finds
    // the log fully copied when a transaction starts, so the log never restarts and grows
    // without end. Past kMaxLogFrames, RESTART waits for the writer's current transaction,
    // copies the few frames PASSIVE left, and makes the next commit start the log over: a
    // short pause for the writer now and then, and a log file that stops growing.
    int log_frames = PassiveRound();
    if (log_frames > kMaxLogFrames) {
      // One more round first, so that RESTART (which holds the writer back) has next to
      // nothing left to copy or to sync.
      PassiveRound();
      db_->exec("PRAGMA wal_checkpoint(RESTART)");
    }
  } catch (const std::exception&) {
    // Busy or failed: the frames stay in the log, and the next round tries again.
  }
}

int WalCheckpointer::PassiveRound() {
  SQLite::Statement passive(*db_, "PRAGMA wal_checkpoint(PASSIVE)");
  int log_frames = passive.executeStep() ? passive.getColumn(1).getInt() : 0;
  // SQLite syncs the database file only when a checkpoint has copied the whole log, which
  // under steady writes is only ever at a RESTART: with the writer held back, it then flushed
  // every page the PASSIVE rounds had copied since the last one (measured: 250-350 ms of
  // fdatasync, the whole of the p99). Syncing here, with no lock held, leaves the RESTART a
  // few pages. Durability does not depend on it: the log keeps every frame until a RESTART.
  if (db_fd_ >= 0) ::fdatasync(db_fd_);
  return log_frames;
}

void WalCheckpointer::MeasureFreeSpace() {
  struct statvfs fs {};
  if (::statvfs(path_.c_str(), &fs) != 0) return;
  auto free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  log_frame_limit_.store(std::min<int64_t>(kMaxLogFrames, free_bytes / 2 / frame_bytes_),
                         std::memory_order_relaxed);
}

}  // namespace cte::store
