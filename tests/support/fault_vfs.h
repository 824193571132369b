// FaultVfs: a SQLite VFS for tests that forwards to the default one and fails the writes or
// syncs a test chooses, the way SQLite's own test suite simulates a full disk or an I/O error.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace cte::testing {

// The shim is registered once per process under kName (never as the default VFS); a database
// opened through it (store::SqliteOptions::vfs, app::AppOptions::sqlite_vfs) gets every file it
// opens wrapped. Only calls on the files a test aims at (Aim) are counted and can fail; every
// other call, and every file of a database opened through another VFS, is passed through
// untouched. SqliteStore's WalCheckpointer opens its own connection by path through the default
// VFS, so checkpoints (copying the log into the database file, and their syncs) never fail: the
// faults reach the writer's connection only, which is where a commit is decided. In WAL mode with
// synchronous=NORMAL that connection writes the log (at a commit, or earlier when its page cache
// spills), syncs the log only when it starts it over after a complete checkpoint, and writes the
// database file only when it closes last (its final checkpoint).
//
// Thread-safe: the controls and the calls they govern may come from any thread.
class FaultVfs {
 public:
  static constexpr const char* kName = "cte-fault";

  // The calls a fault can be aimed at (xWrite, xSync, xTruncate of sqlite3_io_methods).
  enum class Op { kWrite, kSync, kTruncate };
  static constexpr int kOps = 3;

  // The files of the aimed database that count (a bit set).
  enum Files : unsigned {
    kDatabase = 1,  // The main database file.
    kWal = 2,       // Its write-ahead log ("<path>-wal").
  };

  // Registers the VFS (the first call only) and returns its controls, healed, aimed at nothing,
  // counters at zero. Fails the test binary (abort) if SQLite refuses the registration.
  static FaultVfs& Install();

  // From now on, counts and may fail the calls on the files `files` of the database at
  // `db_path` (as the database is opened with it; compared as SQLite sees it, a full path with
  // symbolic links resolved). Resets the counters and heals.
  void Aim(const std::string& db_path, unsigned files);

  // The `nth` next call of kind `op` on an aimed file (1: the very next one) returns
  // `sqlite_error` (e.g. SQLITE_FULL, SQLITE_IOERR_FSYNC) without reaching the disk; the calls
  // before and after it go through. Replaces an earlier FailNth of the same kind.
  // Requires: nth >= 1.
  void FailNth(Op op, int64_t nth, int sqlite_error);
  // Every call of kind `op` on an aimed file from now on returns `sqlite_error`, until Heal().
  void FailAll(Op op, int sqlite_error);
  // Ends every fault: calls go through again. The counters stay.
  void Heal();

  // Calls of kind `op` on aimed files since Aim (failed ones included).
  int64_t Calls(Op op) const;
  // Calls of kind `op` that were made to fail since Aim.
  int64_t Failures(Op op) const;

  // Used by the shim's file methods: counts a call of kind `op` on a file of kind `kind`
  // (kDatabase, kWal, or 0 for any other file) of the database at `path` when it is aimed at,
  // and returns the error to answer instead, or SQLITE_OK to let the call through.
  int Check(Op op, const std::string& path, unsigned kind);

 private:
  FaultVfs() = default;

  struct Fault {
    int64_t countdown = 0;  // FailNth: calls left up to the failing one; 0 when none.
    int nth_error = 0;
    int all_error = 0;  // FailAll: the error, or 0.
    int64_t calls = 0;
    int64_t failures = 0;
  };

  mutable std::mutex mu_;
  std::string db_path_;  // Empty: nothing is aimed at.
  unsigned files_ = 0;
  Fault faults_[kOps];
};

}  // namespace cte::testing
