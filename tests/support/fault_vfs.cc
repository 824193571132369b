#include "support/fault_vfs.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <sqlite3.h>

namespace cte::testing {

namespace {

// A file opened through the shim. SQLite allocates the shim's szOsFile bytes: this header, then
// the wrapped VFS's own file object, which every call is forwarded to.
struct ShimFile {
  sqlite3_file base;   // What SQLite sees; base.pMethods is one of the shim's method tables.
  sqlite3_file* real;  // The wrapped file, inside the same allocation, right after this header.
  std::string* path;   // The database's path (for its WAL too); owned, freed by xClose.
  unsigned kind;       // FaultVfs::kDatabase, FaultVfs::kWal, or 0.
};
static_assert(sizeof(ShimFile) % alignof(sqlite3_int64) == 0, "the wrapped file must stay aligned");

FaultVfs* instance = nullptr;  // Set once, before the VFS is registered.

sqlite3_vfs* Inner(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
ShimFile* Shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Shim(f)->real; }
const sqlite3_io_methods* RealMethods(sqlite3_file* f) { return Real(f)->pMethods; }

int Check(sqlite3_file* f, FaultVfs::Op op) {
  ShimFile* s = Shim(f);
  return instance->Check(op, *s->path, s->kind);
}

// The io methods forward to the wrapped file: ToRealFile<&sqlite3_io_methods::xRead>::Call
// calls the real file's xRead with the same arguments.
template <auto kMethod>
struct ToRealFile;
template <typename R, typename... A, R (*sqlite3_io_methods::*kMethod)(sqlite3_file*, A...)>
struct ToRealFile<kMethod> {
  static R Call(sqlite3_file* f, A... a) { return (RealMethods(f)->*kMethod)(Real(f), a...); }
};
// xWrite, xSync and xTruncate ask the controls first.
template <auto kMethod, FaultVfs::Op kOp>
struct CheckedToRealFile;
template <typename R, typename... A, R (*sqlite3_io_methods::*kMethod)(sqlite3_file*, A...),
          FaultVfs::Op kOp>
struct CheckedToRealFile<kMethod, kOp> {
  static R Call(sqlite3_file* f, A... a) {
    if (int rc = Check(f, kOp); rc != SQLITE_OK) return rc;
    return ToRealFile<kMethod>::Call(f, a...);
  }
};
int Close(sqlite3_file* f) {
  int rc = RealMethods(f)->xClose(Real(f));
  delete Shim(f)->path;
  Shim(f)->path = nullptr;
  return rc;
}

// One table per version, so that SQLite calls on a wrapped file only what the real one has.
sqlite3_io_methods MethodsOfVersion(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  using M = sqlite3_io_methods;
  m.xClose = Close;
  m.xRead = ToRealFile<&M::xRead>::Call;
  m.xWrite = CheckedToRealFile<&M::xWrite, FaultVfs::Op::kWrite>::Call;
  m.xTruncate = CheckedToRealFile<&M::xTruncate, FaultVfs::Op::kTruncate>::Call;
  m.xSync = CheckedToRealFile<&M::xSync, FaultVfs::Op::kSync>::Call;
  m.xFileSize = ToRealFile<&M::xFileSize>::Call;
  m.xLock = ToRealFile<&M::xLock>::Call;
  m.xUnlock = ToRealFile<&M::xUnlock>::Call;
  m.xCheckReservedLock = ToRealFile<&M::xCheckReservedLock>::Call;
  m.xFileControl = ToRealFile<&M::xFileControl>::Call;
  m.xSectorSize = ToRealFile<&M::xSectorSize>::Call;
  m.xDeviceCharacteristics = ToRealFile<&M::xDeviceCharacteristics>::Call;
  if (version >= 2) {  // The WAL index in shared memory (written through a mapping, not xWrite).
    m.xShmMap = ToRealFile<&M::xShmMap>::Call;
    m.xShmLock = ToRealFile<&M::xShmLock>::Call;
    m.xShmBarrier = ToRealFile<&M::xShmBarrier>::Call;
    m.xShmUnmap = ToRealFile<&M::xShmUnmap>::Call;
  }
  if (version >= 3) {  // Memory-mapped reads.
    m.xFetch = ToRealFile<&M::xFetch>::Call;
    m.xUnfetch = ToRealFile<&M::xUnfetch>::Call;
  }
  return m;
}

const sqlite3_io_methods kMethods[3] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                        MethodsOfVersion(3)};

unsigned KindOf(int flags) {
  if (flags & SQLITE_OPEN_MAIN_DB) return FaultVfs::kDatabase;
  if (flags & SQLITE_OPEN_WAL) return FaultVfs::kWal;
  return 0;
}

// The database a file belongs to: its own path, or the WAL's without "-wal".
std::string DatabasePath(const char* name, unsigned kind) {
  std::string path = name == nullptr ? "" : name;
  const std::string suffix = "-wal";
  if (kind == FaultVfs::kWal && path.size() > suffix.size() &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    path.resize(path.size() - suffix.size());
  }
  return path;
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  ShimFile* shim = Shim(file);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  shim->real->pMethods = nullptr;
  shim->path = nullptr;
  shim->kind = KindOf(flags);
  int rc = Inner(vfs)->xOpen(Inner(vfs), name, shim->real, flags, out_flags);
  // SQLite calls xClose whenever pMethods is set, even after a failed open: follow the real file.
  const sqlite3_io_methods* real = shim->real->pMethods;
  if (real == nullptr) {
    file->pMethods = nullptr;
    return rc;
  }
  shim->path = new std::string(DatabasePath(name, shim->kind));
  file->pMethods = &kMethods[std::clamp(real->iVersion, 1, 3) - 1];
  return rc;
}

// The VFS methods other than xOpen go to the wrapped VFS, with its own object:
// ToInnerVfs<&sqlite3_vfs::xDelete>::Call calls its xDelete.
template <auto kMethod>
struct ToInnerVfs;
template <typename R, typename... A, R (*sqlite3_vfs::*kMethod)(sqlite3_vfs*, A...)>
struct ToInnerVfs<kMethod> {
  static R Call(sqlite3_vfs* v, A... a) { return (Inner(v)->*kMethod)(Inner(v), a...); }
  // Call, or null where the wrapped VFS lacks the method.
  static auto IfIn(sqlite3_vfs* inner) { return inner->*kMethod ? Call : nullptr; }
};

// The shim over `inner`, of the same version as it (methods it lacks stay null).
sqlite3_vfs* MakeVfs(sqlite3_vfs* inner) {
  auto* vfs = new sqlite3_vfs{};  // Registered for the life of the process.
  vfs->iVersion = std::min(inner->iVersion, 3);
  vfs->szOsFile = static_cast<int>(sizeof(ShimFile)) + inner->szOsFile;
  vfs->mxPathname = inner->mxPathname;
  vfs->zName = FaultVfs::kName;
  vfs->pAppData = inner;
  vfs->xOpen = Open;
  using V = sqlite3_vfs;
  vfs->xDelete = ToInnerVfs<&V::xDelete>::Call;
  vfs->xAccess = ToInnerVfs<&V::xAccess>::Call;
  vfs->xFullPathname = ToInnerVfs<&V::xFullPathname>::Call;
  vfs->xDlOpen = ToInnerVfs<&V::xDlOpen>::IfIn(inner);
  vfs->xDlError = ToInnerVfs<&V::xDlError>::IfIn(inner);
  vfs->xDlSym = ToInnerVfs<&V::xDlSym>::IfIn(inner);
  vfs->xDlClose = ToInnerVfs<&V::xDlClose>::IfIn(inner);
  vfs->xRandomness = ToInnerVfs<&V::xRandomness>::Call;
  vfs->xSleep = ToInnerVfs<&V::xSleep>::Call;
  vfs->xCurrentTime = ToInnerVfs<&V::xCurrentTime>::Call;
  vfs->xGetLastError = ToInnerVfs<&V::xGetLastError>::Call;
  if (vfs->iVersion >= 2) vfs->xCurrentTimeInt64 = ToInnerVfs<&V::xCurrentTimeInt64>::Call;
  if (vfs->iVersion >= 3) {
    vfs->xSetSystemCall = ToInnerVfs<&V::xSetSystemCall>::IfIn(inner);
    vfs->xGetSystemCall = ToInnerVfs<&V::xGetSystemCall>::IfIn(inner);
    vfs->xNextSystemCall = ToInnerVfs<&V::xNextSystemCall>::IfIn(inner);
  }
  return vfs;
}

}  // namespace

FaultVfs& FaultVfs::Install() {
  static FaultVfs* const controls = [] {
    instance = new FaultVfs();  // Lives as long as the process: SQLite may call it until exit.
    sqlite3_vfs* inner = sqlite3_vfs_find(nullptr);
    if (inner == nullptr || sqlite3_vfs_register(MakeVfs(inner), 0) != SQLITE_OK) {
      std::fprintf(stderr, "FaultVfs: cannot register the SQLite VFS %s\n", kName);
      std::abort();
    }
    return instance;
  }();
  controls->Aim("", 0);
  return *controls;
}

void FaultVfs::Aim(const std::string& db_path, unsigned files) {
  // SQLite opens a file by its full path (xFullPathname resolves symbolic links).
  std::error_code ec;
  std::string full = db_path.empty() ? "" : std::filesystem::weakly_canonical(db_path, ec).string();
  std::lock_guard lock(mu_);
  db_path_ = ec ? db_path : full;
  files_ = files;
  for (Fault& f : faults_) f = Fault{};
}

void FaultVfs::FailNth(Op op, int64_t nth, int sqlite_error) {
  assert(nth >= 1);
  std::lock_guard lock(mu_);
  Fault& f = faults_[static_cast<int>(op)];
  f.countdown = nth;
  f.nth_error = sqlite_error;
}

void FaultVfs::FailAll(Op op, int sqlite_error) {
  std::lock_guard lock(mu_);
  faults_[static_cast<int>(op)].all_error = sqlite_error;
}

void FaultVfs::Heal() {
  std::lock_guard lock(mu_);
  for (Fault& f : faults_) {
    f.countdown = 0;
    f.all_error = 0;
  }
}

int64_t FaultVfs::Calls(Op op) const {
  std::lock_guard lock(mu_);
  return faults_[static_cast<int>(op)].calls;
}

int64_t FaultVfs::Failures(Op op) const {
  std::lock_guard lock(mu_);
  return faults_[static_cast<int>(op)].failures;
}

int FaultVfs::Check(Op op, const std::string& path, unsigned kind) {
  if (kind == 0) return SQLITE_OK;
  std::lock_guard lock(mu_);
  if ((kind & files_) == 0 || path != db_path_) return SQLITE_OK;
  Fault& f = faults_[static_cast<int>(op)];
  ++f.calls;
  int error = f.all_error;
  if (f.countdown > 0 && --f.countdown == 0) error = f.nth_error;
  if (error != SQLITE_OK) ++f.failures;
  return error;
}

}  // namespace cte::testing
