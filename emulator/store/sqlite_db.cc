#include "store/sqlite_db.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include <sqlite3.h>

#include "core/time_util.h"

namespace cte::store {

// store/schema.sql, embedded at build time (see emulator/CMakeLists.txt).
extern const char kSchemaSql[];

namespace {

using core::Result;
using core::Status;

Status Migrate(SQLite::Database& db) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  int target = SchemaVersion();
  if (version > target) {
    return core::Internal("database schema version " + std::to_string(version) +
                          " is newer than this emulator's " + std::to_string(target));
  }
  if (version == target) return Status::Ok();
  SQLite::Transaction tx(db);
  for (int v = version; v < target; ++v) db.exec(Migrations()[v]);
  db.exec("PRAGMA user_version = " + std::to_string(target));
  tx.commit();
  return Status::Ok();
}

// Creates the file with user-only permissions before SQLite opens it.
Status CreatePrivateFile(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return Status::Ok();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {  // Why, in the system's words: permission denied, is a directory, read-only...
    return SqliteError(SQLITE_CANTOPEN,
                       "cannot open database file " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return Status::Ok();
}

// Turns off SQLite's allocation statistics, which take a global mutex around every malloc and
// free; nothing here reads them. Possible only before SQLite initializes, so done once, before
// the first database opens (if SQLite already runs, the call fails and nothing changes).
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

// Reserves address space for an in-memory database; the kernel backs a page only once it is
// written. Null when there is nothing to reserve or the reservation is refused.
std::shared_ptr<void> ReserveMemory(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

// ":memory:" keeps every page in SQLite's page cache, which then walks all of them at each
// commit (pcache1TruncateUnsafe). The memdb VFS holds the same private, in-memory database in one
// buffer behind a normal-sized cache. Left to grow that buffer itself, memdb doubles it with
// realloc, copying the whole database each time (a commit stalled for 100+ ms at a few hundred
// MB: REST CreateTask p99 295 ms, 5 ms without); so it gets a buffer reserved up front, and grows
// in place as the kernel backs the pages written.
Result<OpenedDb> OpenInMemory(const SqliteOptions& options) {
  OpenedDb out;
  out.memory = ReserveMemory(options.memory_reserve);
  static std::atomic<int> memdb_count{0};
  std::string target = out.memory ? ":memory:"
                                  : "file:/cte-memdb-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(memdb_count++) + "?vfs=memdb";
  // NOMUTEX: one thread at a time owns the store, so SQLite need not lock the connection.
  out.db = std::make_unique<SQLite::Database>(
      target,
      SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX, 5000);
  sqlite3* handle = out.db->getHandle();
  if (out.memory) {
    int rc = sqlite3_deserialize(handle, "main", static_cast<unsigned char*>(out.memory.get()), 0,
                                 static_cast<sqlite3_int64>(options.memory_reserve), 0);
    if (rc != SQLITE_OK) return core::Internal("cannot set up the in-memory database");
  } else {
    // memdb stops at 1 GiB by default; let it grow as :memory: would.
    sqlite3_int64 limit = int64_t{1} << 46;
    sqlite3_file_control(handle, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> sections = [] {
    std::vector<std::string> out;
    const std::string text = kSchemaSql;
    const std::string marker = "\n-- version ";
    for (size_t at = text.find(marker); at != std::string::npos;) {
      size_t next = text.find(marker, at + 1);
      out.push_back(text.substr(at + 1, next == std::string::npos ? next : next - at - 1));
      // Sections are numbered 1, 2, 3...: a gap would leave a database between versions.
      assert(std::stoi(out.back().substr(marker.size() - 1)) == static_cast<int>(out.size()));
      at = next;
    }
    return out;
  }();
  return sections;
}

int SchemaVersion() { return static_cast<int>(Migrations().size()); }

Result<OpenedDb> OpenDatabase(const std::string& path, const SqliteOptions& options) {
  ConfigureSqliteOnce();
  CTE_RETURN_IF_ERROR(CreatePrivateFile(path));
  return Guard([&]() -> Result<OpenedDb> {
    OpenedDb out;
    if (path == ":memory:") {
      auto opened = OpenInMemory(options);
      if (!opened.ok()) return opened.status();
      out = std::move(*opened);
    } else {
      out.db = std::make_unique<SQLite::Database>(
          path,
          SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX,
          5000, options.vfs);
    }
    out.db->exec("PRAGMA journal_mode = WAL");
    out.db->exec("PRAGMA synchronous = NORMAL");
    out.db->exec("PRAGMA foreign_keys = OFF");
    CTE_RETURN_IF_ERROR(Migrate(*out.db));
    return out;
  });
}

Sequence::Sequence(SQLite::Database& db, const char* table)
    : save_(db, "UPDATE sequences SET next_id = ? WHERE name = ?"), table_(table) {
  SQLite::Statement read(db, "SELECT next_id FROM sequences WHERE name = ?");
  read.bind(1, table_);
  if (read.executeStep()) next_ = read.getColumn(0).getInt64();
}

void Sequence::Save() {
  if (!dirty_) return;
  Use st(save_);
  st->bind(1, next_);
  st->bind(2, table_);
  st->exec();
  dirty_ = false;
}

Use::~Use() {
  try {
    st_.reset();
    st_.clearBindings();
  } catch (...) {  // A reset reports the last step's error again; it was handled there.
  }
}

Status SqliteError(int code, const std::string& what) {
  switch (code & 0xff) {  // The primary result code.
    case SQLITE_FULL:
      return core::Unavailable("The emulator's database cannot be written: the disk is full (" +
                               what + "). Free some space; the call can be retried.");
    case SQLITE_IOERR:
      return core::Unavailable("The emulator's database cannot be written: I/O error (" + what +
                               "). The call can be retried.");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return core::Unavailable("The emulator's database is busy (" + what + ").");
    case SQLITE_NOMEM:
      return core::Unavailable("The emulator is out of memory (" + what + ").");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return core::Unavailable("The emulator's database cannot be opened or written (" + what +
                               ").");
    default:
      return core::Internal("database error: " + what);
  }
}

int64_t Micros(core::Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

void BindTime(SQLite::Statement& st, int index, core::TimePoint t) {
  st.bind(index, static_cast<int64_t>(core::ToMicros(t)));
}

void BindTime(SQLite::Statement& st, int index, const std::optional<core::TimePoint>& t) {
  if (t) {
    BindTime(st, index, *t);
  } else {
    st.bind(index);
  }
}

void BindText(SQLite::Statement& st, int index, const std::string* text) {
  if (text) {
    st.bind(index, *text);
  } else {
    st.bind(index);
  }
}

std::optional<core::TimePoint> OptionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return core::FromMicros(c.getInt64());
}

std::string_view Bytes(const SQLite::Column& c) {
  return std::string_view(static_cast<const char*>(c.getBlob()), c.getBytes());
}

}  // namespace cte::store
