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

// The io methods: each forwards to the wrapped file; xWrite, xSync and xTruncate ask the
// controls first.
int Close(sqlite3_file* f) {
  int rc = RealMethods(f)->xClose(Real(f));
  delete Shim(f)->path;
  Shim(f)->path = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 offset) {
  return RealMethods(f)->xRead(Real(f), buf, n, offset);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 offset) {
  if (int rc = Check(f, FaultVfs::Op::kWrite); rc != SQLITE_OK) return rc;
  return RealMethods(f)->xWrite(Real(f), buf, n, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Check(f, FaultVfs::Op::kTruncate); rc != SQLITE_OK) return rc;
  return RealMethods(f)->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int rc = Check(f, FaultVfs::Op::kSync); rc != SQLITE_OK) return rc;
  return RealMethods(f)->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return RealMethods(f)->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return RealMethods(f)->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return RealMethods(f)->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return RealMethods(f)->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return RealMethods(f)->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return RealMethods(f)->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return RealMethods(f)->xDeviceCharacteristics(Real(f));
}
// Version 2: the WAL index in shared memory (written through a mapping, never by xWrite).
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return RealMethods(f)->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return RealMethods(f)->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { RealMethods(f)->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return RealMethods(f)->xShmUnmap(Real(f), delete_flag);
}
// Version 3: memory-mapped reads.
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  return RealMethods(f)->xFetch(Real(f), offset, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return RealMethods(f)->xUnfetch(Real(f), offset, p);
}

// One table per version, so that SQLite calls on a wrapped file only what the real one has.
sqlite3_io_methods MethodsOfVersion(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  if (version >= 2) {
    m.xShmMap = ShmMap;
    m.xShmLock = ShmLock;
    m.xShmBarrier = ShmBarrier;
    m.xShmUnmap = ShmUnmap;
  }
  if (version >= 3) {
    m.xFetch = Fetch;
    m.xUnfetch = Unfetch;
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

// The VFS methods other than xOpen go to the wrapped VFS, with its own object.
int Delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return Inner(v)->xDelete(Inner(v), name, sync_dir);
}
int Access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return Inner(v)->xAccess(Inner(v), name, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return Inner(v)->xFullPathname(Inner(v), name, n, out);
}
void* DlOpen(sqlite3_vfs* v, const char* name) { return Inner(v)->xDlOpen(Inner(v), name); }
void DlError(sqlite3_vfs* v, int n, char* out) { Inner(v)->xDlError(Inner(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* lib, const char* sym))(void) {
  return Inner(v)->xDlSym(Inner(v), lib, sym);
}
void DlClose(sqlite3_vfs* v, void* lib) { Inner(v)->xDlClose(Inner(v), lib); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Inner(v)->xRandomness(Inner(v), n, out); }
int Sleep(sqlite3_vfs* v, int micros) { return Inner(v)->xSleep(Inner(v), micros); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Inner(v)->xCurrentTime(Inner(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) {
  return Inner(v)->xGetLastError(Inner(v), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) {
  return Inner(v)->xCurrentTimeInt64(Inner(v), out);
}
int SetSystemCall(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr p) {
  return Inner(v)->xSetSystemCall(Inner(v), name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* v, const char* name) {
  return Inner(v)->xGetSystemCall(Inner(v), name);
}
const char* NextSystemCall(sqlite3_vfs* v, const char* name) {
  return Inner(v)->xNextSystemCall(Inner(v), name);
}

// The shim over `inner`, of the same version as it (methods it lacks stay null).
sqlite3_vfs* MakeVfs(sqlite3_vfs* inner) {
  auto* vfs = new sqlite3_vfs{};  // Registered for the life of the process.
  vfs->iVersion = std::min(inner->iVersion, 3);
  vfs->szOsFile = static_cast<int>(sizeof(ShimFile)) + inner->szOsFile;
  vfs->mxPathname = inner->mxPathname;
  vfs->zName = FaultVfs::kName;
  vfs->pAppData = inner;
  vfs->xOpen = Open;
  vfs->xDelete = Delete;
  vfs->xAccess = Access;
  vfs->xFullPathname = FullPathname;
  vfs->xDlOpen = inner->xDlOpen ? DlOpen : nullptr;
  vfs->xDlError = inner->xDlError ? DlError : nullptr;
  vfs->xDlSym = inner->xDlSym ? DlSym : nullptr;
  vfs->xDlClose = inner->xDlClose ? DlClose : nullptr;
  vfs->xRandomness = Randomness;
  vfs->xSleep = Sleep;
  vfs->xCurrentTime = CurrentTime;
  vfs->xGetLastError = GetLastError;
  if (vfs->iVersion >= 2) vfs->xCurrentTimeInt64 = CurrentTimeInt64;
  if (vfs->iVersion >= 3) {
    vfs->xSetSystemCall = inner->xSetSystemCall ? SetSystemCall : nullptr;
    vfs->xGetSystemCall = inner->xGetSystemCall ? GetSystemCall : nullptr;
    vfs->xNextSystemCall = inner->xNextSystemCall ? NextSystemCall : nullptr;
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
