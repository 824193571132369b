#include "pipeline/executor.h"

#include <future>
#include <mutex>
#include <vector>

#include <doctest/doctest.h>

#include "api/service.h"
#include "core/transaction.h"
#include "store/sqlite_store.h"
#include "support/failing_store.h"

using namespace cte;
using pipeline::Access;
using pipeline::Job;
using Op = testing::FailingStore::Op;

namespace {

const std::string kPrefix = "projects/p/locations/l/queues/";

core::Queue Queue(const std::string& id) {
  core::Queue q;
  q.name = kPrefix + id;
  q.state = core::QueueState::kRunning;
  return q;
}

std::unique_ptr<store::SqliteStore> MemoryDb() {
  return std::move(store::SqliteStore::Open(":memory:").value());
}

bool HasQueue(core::TaskStore& store, const std::string& id) {
  bool found = false;
  REQUIRE(core::InTransaction(store, [&] {
            found = store.queues().Find(kPrefix + id)->has_value();
            return core::Status::Ok();
          }).ok());
  return found;
}

// A batch run on the test's thread, each job's outcome recorded.
struct BatchRun {
  explicit BatchRun(core::TaskStore& s) : store(s) {}
  // A job that writes queue `id` and returns `result`.
  void Write(const std::string& id, core::Status result = core::Status::Ok(),
             Access access = Access::kWrite) {
    Add(
        [this, id, result] {
          order.push_back("write " + id);
          CTE_RETURN_IF_ERROR(store.queues().Put(Queue(id)));
          return result;
        },
        access);
  }
  // A job that reads queue `id`.
  void Read(const std::string& id) {
    Add(
        [this, id] {
          order.push_back("read " + id);
          return store.queues().Find(kPrefix + id).status();
        },
        Access::kRead);
  }
  void Add(std::function<core::Status()> run, Access access) {
    size_t i = jobs.size();
    outcomes.emplace_back(core::Code::kUnknown, "not told");
    jobs.push_back({std::move(run), [this, i](const core::Status& s) { outcomes[i] = s; }, access});
  }
  void Run() { pipeline::Executor::RunBatch(store, jobs); }

  core::TaskStore& store;
  std::deque<Job> jobs;
  std::vector<core::Status> outcomes;
  std::vector<std::string> order;
};

struct StoreUnderFaults {
  std::unique_ptr<store::SqliteStore> inner = MemoryDb();
  testing::FailingStore failing{*inner};
};
// A batch run over a FailingStore around a store of its own.
struct FailingBatch : StoreUnderFaults, BatchRun {
  FailingBatch() : BatchRun(failing) {}
};

std::vector<core::Code> Codes(const std::vector<core::Status>& statuses) {
  std::vector<core::Code> out;
  for (const auto& s : statuses) out.push_back(s.code());
  return out;
}

constexpr auto kOk = core::Code::kOk;
constexpr auto kUnavailable = core::Code::kUnavailable;

}  // namespace

TEST_CASE("jobs queued while a batch runs share the next transaction (group commit)") {
  auto store = MemoryDb();
  std::mutex mu;
  std::vector<std::string> events;
  auto record = [&](std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  };
  std::promise<void> release, all_done, started;
  std::shared_future<void> released = release.get_future().share();
  constexpr int kJobs = 20;
  {
    pipeline::Executor executor(*store, {});
    executor.Submit({[&] {
                       record("run 0");
                       started.set_value();
                       released.wait();  // Holds the executor while the other jobs queue up.
                       return core::Status::Ok();
                     },
                     [&](const core::Status&) { record("done 0"); }});
    started.get_future().wait();
    for (int i = 1; i <= kJobs; ++i) {
      executor.Submit({[&, i] {
                         record("run " + std::to_string(i));
                         return store->queues().Put(Queue("q" + std::to_string(i)));
                       },
                       [&, i](const core::Status& s) {
                         record(s.ok() ? "done " + std::to_string(i) : "failed");
                         if (i == kJobs) all_done.set_value();
                       }});
    }
    release.set_value();
    all_done.get_future().wait();
  }
  REQUIRE(events.size() == 2 + 2 * kJobs);
  CHECK(events[0] == "run 0");
  CHECK(events[1] == "done 0");
  for (int i = 1; i <= kJobs; ++i) {
    CHECK(events[1 + i] == "run " + std::to_string(i));           // All of the batch ran...
    CHECK(events[1 + kJobs + i] == "done " + std::to_string(i));  // ...before any answer.
  }
}

TEST_CASE("a failed job hears its own error and its writes go, the rest of the batch stays") {
  auto store = MemoryDb();
  BatchRun b(*store);
  b.Write("kept");
  b.Write("failed", core::InvalidArgument("no"));
  b.Write("also-kept");
  b.Run();
  CHECK(Codes(b.outcomes) == std::vector{kOk, core::Code::kInvalidArgument, kOk});
  CHECK(HasQueue(*store, "kept"));
  CHECK_FALSE(HasQueue(*store, "failed"));
  CHECK(HasQueue(*store, "also-kept"));
}

// The access is the job's promise; the executor takes it at its word, so a failed single-write
// job that did write keeps its write (which is why Service::AccessOf names only CreateTask).
TEST_CASE("a single-write job runs without a savepoint of its own") {
  FailingBatch b;
  b.Write("failed", core::InvalidArgument("no"), Access::kSingleWrite);
  b.Run();
  CHECK(b.failing.Calls(Op::kSavepoint) == 0);
  CHECK(HasQueue(*b.inner, "failed"));
}

// The dispatcher's records of outcomes: no savepoint, and their failure (the storage's) undoes the
// batch, every job hearing it, and the jobs after it do not run.
TEST_CASE("a write-or-abort job runs without a savepoint, and its failure undoes the batch") {
  FailingBatch b;
  b.Write("before");
  b.Read("before");
  b.Write("failed", core::Unavailable("disk I/O error"), Access::kWriteOrAbort);
  b.Write("after");
  b.Run();
  CHECK(b.failing.Calls(Op::kSavepoint) == 1);  // The first write's only.
  CHECK(Codes(b.outcomes) == std::vector{kUnavailable, kOk, kUnavailable, kUnavailable});
  CHECK(b.order == std::vector<std::string>{"read before", "write before", "write failed"});
  CHECK_FALSE(HasQueue(*b.inner, "before"));
  CHECK_FALSE(HasQueue(*b.inner, "failed"));
  CHECK_FALSE(HasQueue(*b.inner, "after"));
}

TEST_CASE("a write-or-abort job that succeeds keeps its writes, and the batch goes on") {
  FailingBatch b;
  b.Write("record", core::Status::Ok(), Access::kWriteOrAbort);
  b.Write("next");
  b.Run();
  CHECK(b.failing.Calls(Op::kSavepoint) == 1);
  CHECK(Codes(b.outcomes) == std::vector{kOk, kOk});
  CHECK(HasQueue(*b.inner, "record"));
  CHECK(HasQueue(*b.inner, "next"));
}

TEST_CASE("reads run before the writes of their batch") {
  auto store = MemoryDb();
  BatchRun b(*store);
  b.Write("a");
  b.Read("a");
  b.Write("b");
  b.Read("b");
  b.Run();
  CHECK(b.order == std::vector<std::string>{"read a", "read b", "write a", "write b"});
  CHECK(Codes(b.outcomes) == std::vector{kOk, kOk, kOk, kOk});
}

TEST_CASE("a failed commit: every write hears why, reads keep their result, nothing stays") {
  FailingBatch b;
  b.failing.FailNth(Op::kCommit, 1, core::Unavailable("disk full"));
  b.Write("a");
  b.Read("x");
  b.Write("b", core::InvalidArgument("bad"));
  b.Run();
  CHECK(Codes(b.outcomes) == std::vector{kUnavailable, kOk, core::Code::kInvalidArgument});
  CHECK(b.outcomes[0].message() == "disk full");
  CHECK_FALSE(HasQueue(*b.inner, "a"));
}

TEST_CASE(
    "a write that ends the transaction (a full disk) undoes the batch; later jobs never run") {
  FailingBatch b;
  b.failing.FailNth(Op::kWrite, 2, core::Unavailable("disk full"), /*ends_transaction=*/true);
  b.Write("first");   // Ran and succeeded, but its write is gone with the transaction.
  b.Write("second");  // The failing write.
  b.Write("third");   // Never runs.
  b.Read("first");    // Ran before the writes: its answer stands.
  b.Run();
  CHECK(Codes(b.outcomes) == std::vector{kUnavailable, kUnavailable, kUnavailable, kOk});
  CHECK(b.order == std::vector<std::string>{"read first", "write first", "write second"});
  CHECK(b.outcomes[2].message() == "disk full");
  CHECK_FALSE(HasQueue(*b.inner, "first"));
  CHECK_FALSE(HasQueue(*b.inner, "second"));
}

TEST_CASE("when the transaction cannot begin, no job runs and each hears why") {
  FailingBatch b;
  b.failing.FailNth(Op::kBegin, 1, core::Unavailable("database is busy"));
  b.Write("a");
  b.Read("a");
  b.Run();
  CHECK(b.order.empty());
  CHECK(Codes(b.outcomes) == std::vector{kUnavailable, kUnavailable});
}

TEST_CASE("a savepoint that cannot begin or be undone ends the batch") {
  for (Op op : {Op::kSavepoint, Op::kRollbackSavepoint, Op::kRelease}) {
    CAPTURE(static_cast<int>(op));
    FailingBatch b;
    b.failing.FailNth(op, 1, core::Unavailable("I/O error"));
    b.Write("a", op == Op::kRollbackSavepoint ? core::InvalidArgument("no") : core::Status::Ok());
    b.Write("b");
    b.Run();
    CHECK(b.outcomes[1].code() == kUnavailable);
    CHECK_FALSE(b.outcomes[0].ok());
    CHECK_FALSE(HasQueue(*b.inner, "a"));
    CHECK_FALSE(HasQueue(*b.inner, "b"));
  }
}

TEST_CASE("an exception in a job is that job's INTERNAL error") {
  auto store = MemoryDb();
  BatchRun b(*store);
  b.Add([]() -> core::Status { throw std::runtime_error("boom"); }, Access::kWrite);
  b.Write("a");
  b.Run();
  CHECK(b.outcomes[0].code() == core::Code::kInternal);
  CHECK(b.outcomes[0].message() == "internal error: boom");
  CHECK(b.outcomes[1].ok());
}

namespace {

struct RecordingLane final : pipeline::Lane {
  void Deliver(std::vector<std::function<void()>> completions) override {
    ++deliveries;
    for (auto& f : completions) f();
  }
  int deliveries = 0;
};

}  // namespace

TEST_CASE("completions reach each job's lane, one delivery per lane and batch, in order") {
  auto store = MemoryDb();
  RecordingLane a, b;
  std::vector<std::string> heard;
  std::deque<Job> jobs;
  for (auto [name, lane] : {std::pair{"a1", &a}, {"b1", &b}, {"none", nullptr}, {"a2", &a}}) {
    std::string n = name;
    jobs.push_back({[] { return core::Status::Ok(); },
                    [&heard, n](const core::Status&) { heard.push_back(n); }, Access::kRead, lane});
  }
  pipeline::Executor::RunBatch(*store, jobs);
  CHECK(a.deliveries == 1);
  CHECK(b.deliveries == 1);
  CHECK(heard == std::vector<std::string>{"none", "a1", "a2", "b1"});
}

TEST_CASE("actions a job registers run when its writes last, and undo when they do not") {
  auto store = MemoryDb();
  testing::FailingStore failing(*store);
  std::vector<std::string> log;
  auto job = [&](std::string name, core::Status result) {
    return [&, name, result] {
      failing.OnCommit([&, name] { log.push_back("commit " + name); });
      failing.OnRollback([&, name] { log.push_back("undo " + name); });
      return result;
    };
  };
  BatchRun b(failing);
  b.Add(job("a", core::Status::Ok()), Access::kWrite);
  b.Add(job("b", core::InvalidArgument("no")), Access::kWrite);
  b.Run();
  CHECK(log == std::vector<std::string>{"undo b", "commit a"});
  log.clear();
  failing.FailNth(Op::kCommit, 1, core::Unavailable("disk full"));
  BatchRun c(failing);
  c.Add(job("c", core::Status::Ok()), Access::kWrite);
  c.Add(job("d", core::Status::Ok()), Access::kWrite);
  c.Run();
  CHECK(log == std::vector<std::string>{"undo d", "undo c"});
}

namespace {

core::Task NamedTask(const std::string& parent, const std::string& id) {
  core::Task t;
  t.name = parent + "/tasks/" + id;
  t.http_request = core::HttpRequest{};
  t.http_request->url = "http://127.0.0.1:9/w";
  return t;
}

// Runs CreateTask calls in one batch as the emulator does: a job each, guarded by a savepoint
// unless the Service says the call writes at most once. Returns each call's outcome.
std::vector<core::Code> CreateTasksInOneBatch(core::TaskStore& store, api::Service& service,
                                              const std::vector<core::Task>& tasks,
                                              const std::string& parent) {
  BatchRun b(store);
  Access access = service.AccessOf(api::Rpc::kCreateTask);
  for (const core::Task& t : tasks) {
    b.Add([&service, t, parent] { return service.CreateTask(parent, t, {}).status(); }, access);
  }
  b.Run();
  return Codes(b.outcomes);
}

}  // namespace

TEST_CASE("CreateTask calls without savepoints: a failed one leaves nothing, the others stay") {
  core::ManualClock clock(core::TimePoint{} + std::chrono::hours(24 * 365 * 56));
  auto store = MemoryDb();
  api::Service service(*store, clock, {});
  REQUIRE(service.AccessOf(api::Rpc::kCreateTask) == Access::kSingleWrite);
  CHECK(service.AccessOf(api::Rpc::kDeleteTask) == Access::kWrite);  // The task, its tombstone.
  CHECK(service.AccessOf(api::Rpc::kCreateQueue) == Access::kWrite);
  CHECK(service.AccessOf(api::Rpc::kGetTask) == Access::kRead);
  const std::string parent = Queue("q").name;
  REQUIRE(core::InTransaction(*store, [&] { return store->queues().Put(Queue("q")); }).ok());
  core::Task bad = NamedTask(parent, "c");
  bad.http_request->url = "ftp://nowhere";  // Fails validation, before any write.
  auto codes = CreateTasksInOneBatch(
      *store, service,
      {NamedTask(parent, "a"), NamedTask(parent, "a"), bad, NamedTask(parent, "b")}, parent);
  CHECK(codes == std::vector<core::Code>{kOk, core::Code::kAlreadyExists,
                                         core::Code::kInvalidArgument, kOk});
  REQUIRE(core::InTransaction(*store, [&] {
            CHECK(*store->tasks().Count(parent) == 2);
            CHECK(store->tasks().Find(parent + "/tasks/b")->has_value());
            CHECK_FALSE(store->tasks().Find(parent + "/tasks/c")->has_value());
            return core::Status::Ok();
          }).ok());
}

// With queue auto-creation CreateTask may write the queue and then fail: it keeps its savepoint,
// and the queue goes with the failed call.
TEST_CASE("a CreateTask that would auto-create its queue and fails leaves no queue behind") {
  core::ManualClock clock(core::TimePoint{} + std::chrono::hours(24 * 365 * 56));
  auto store = MemoryDb();
  api::ServiceOptions options;
  options.auto_create_queues = true;
  api::Service service(*store, clock, options);
  CHECK(service.AccessOf(api::Rpc::kCreateTask) == Access::kWrite);
  const std::string parent = Queue("auto").name;
  core::Task bad = NamedTask(parent, "c");
  bad.http_request->url = "ftp://nowhere";
  CHECK(CreateTasksInOneBatch(*store, service, {bad}, parent) ==
        std::vector<core::Code>{core::Code::kInvalidArgument});
  CHECK_FALSE(HasQueue(*store, "auto"));
  // The same call that succeeds creates the queue.
  CHECK(CreateTasksInOneBatch(*store, service, {NamedTask(parent, "d")}, parent) ==
        std::vector<core::Code>{kOk});
  CHECK(HasQueue(*store, "auto"));
}
