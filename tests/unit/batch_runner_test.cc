#include "store/batch_runner.h"

#include <future>
#include <mutex>
#include <vector>

#include <doctest/doctest.h>

#include "api/service.h"
#include "store/sqlite_store.h"

using namespace cte;

namespace {

core::StoredQueue Queue(const std::string& id) {
  core::StoredQueue q;
  q.queue.name = "projects/p/locations/l/queues/" + id;
  q.queue.state = core::QueueState::kRunning;
  return q;
}

}  // namespace

TEST_CASE("jobs queued while a batch runs share the next transaction (group commit)") {
  auto store = std::move(store::SqliteStore::Open(":memory:").value());
  std::mutex mu;
  std::vector<std::string> events;
  auto record = [&](std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  };
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> all_done;
  std::promise<void> started;
  constexpr int kJobs = 20;
  {
    store::BatchRunner runner(*store, {});
    runner.Submit({[&] {
                     record("run 0");
                     started.set_value();
                     released.wait();  // Holds the runner while the other jobs queue up.
                     return true;
                   },
                   [&](const core::Status&) { record("done 0"); }});
    started.get_future().wait();  // Job 0's batch is running: the rest queue behind it.
    for (int i = 1; i <= kJobs; ++i) {
      runner.Submit({[&, i] {
                       record("run " + std::to_string(i));
                       return store->PutQueue(Queue("q" + std::to_string(i))).ok();
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

namespace {

// Runs a batch of three jobs: one that writes a queue, one that writes another and fails
// (flagged `one_write` or not), and an empty one. Returns whether the failed job's queue is kept.
bool FailedJobWriteKept(bool one_write) {
  auto store = std::move(store::SqliteStore::Open(":memory:").value());
  std::promise<void> finished;
  {
    store::BatchRunner runner(*store, {});
    runner.Submit({[&] { return store->PutQueue(Queue("kept")).ok(); }, [](const auto&) {}});
    runner.Submit({[&] {
                     (void)store->PutQueue(Queue("failed"));
                     return false;
                   },
                   [](const auto&) {}, one_write});
    runner.Submit({[] { return true; }, [&](const auto&) { finished.set_value(); }});
    finished.get_future().wait();
  }
  REQUIRE(store->Begin().ok());
  CHECK(store->FindQueue("projects/p/locations/l/queues/kept")->has_value());
  bool kept = store->FindQueue("projects/p/locations/l/queues/failed")->has_value();
  store->Rollback();
  return kept;
}

}  // namespace

TEST_CASE("a failed job's writes are rolled back, the rest of its batch is kept") {
  CHECK_FALSE(FailedJobWriteKept(false));
}

// The flag is the job's promise; the runner takes it at its word, so a failed one-write job that
// did write keeps its write (which is why Service::WritesAtMostOnce names only CreateTask).
TEST_CASE("a one-write job runs without a savepoint of its own") {
  CHECK(FailedJobWriteKept(true));
}

namespace {

// Runs CreateTask calls through a runner as the emulator does: one batch, a job each, guarded by
// a savepoint unless the Service says the call writes at most once. Returns each call's code.
std::vector<core::Code> CreateTasksInOneBatch(store::SqliteStore& store, api::Service& service,
                                              const std::vector<core::Task>& tasks,
                                              const std::string& parent) {
  std::vector<core::Code> codes(tasks.size(), core::Code::kOk);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> finished;
  {
    store::BatchRunner runner(store, {});
    runner.Submit({[&] {
                     released.wait();  // The calls below queue up into one batch.
                     return true;
                   },
                   [](const auto&) {}});
    for (size_t i = 0; i < tasks.size(); ++i) {
      runner.Submit({[&, i] {
                       codes[i] = service.CreateTask(parent, tasks[i], {}).status().code();
                       return codes[i] == core::Code::kOk;
                     },
                     [&, i](const core::Status&) {
                       if (i + 1 == tasks.size()) finished.set_value();
                     },
                     service.WritesAtMostOnce("CreateTask")});
    }
    release.set_value();
    finished.get_future().wait();
  }
  return codes;
}

core::Task NamedTask(const std::string& parent, const std::string& id) {
  core::Task t;
  t.name = parent + "/tasks/" + id;
  t.http_request = core::HttpRequest{};
  t.http_request->url = "http://127.0.0.1:9/w";
  return t;
}

}  // namespace

TEST_CASE("CreateTask calls without savepoints: a failed one leaves nothing, the others stay") {
  core::ManualClock clock(core::TimePoint{} + std::chrono::hours(24 * 365 * 56));
  auto store = std::move(store::SqliteStore::Open(":memory:").value());
  api::Service service(*store, clock, {});
  REQUIRE(service.WritesAtMostOnce("CreateTask"));
  CHECK_FALSE(service.WritesAtMostOnce("DeleteTask"));  // The task, then its tombstone.
  CHECK_FALSE(service.WritesAtMostOnce("CreateQueue"));
  const std::string parent = Queue("q").queue.name;
  REQUIRE(store->Begin().ok());
  REQUIRE(store->PutQueue(Queue("q")).ok());
  REQUIRE(store->Commit().ok());
  core::Task bad = NamedTask(parent, "c");
  bad.http_request->url = "ftp://nowhere";  // Fails validation, before any write.
  auto codes = CreateTasksInOneBatch(
      *store, service,
      {NamedTask(parent, "a"), NamedTask(parent, "a"), bad, NamedTask(parent, "b")}, parent);
  CHECK(codes == std::vector<core::Code>{core::Code::kOk, core::Code::kAlreadyExists,
                                         core::Code::kInvalidArgument, core::Code::kOk});
  REQUIRE(store->Begin().ok());
  CHECK(*store->CountTasks(parent) == 2);
  CHECK(store->FindTask(parent + "/tasks/b")->has_value());
  CHECK_FALSE(store->FindTask(parent + "/tasks/c")->has_value());
  store->Rollback();
}

// With queue auto-creation CreateTask may write the queue and then fail: it keeps its savepoint,
// and the queue goes with the failed call.
TEST_CASE("a CreateTask that would auto-create its queue and fails leaves no queue behind") {
  core::ManualClock clock(core::TimePoint{} + std::chrono::hours(24 * 365 * 56));
  auto store = std::move(store::SqliteStore::Open(":memory:").value());
  api::ServiceOptions options;
  options.auto_create_queues = true;
  api::Service service(*store, clock, options);
  CHECK_FALSE(service.WritesAtMostOnce("CreateTask"));
  const std::string parent = Queue("auto").queue.name;
  core::Task bad = NamedTask(parent, "c");
  bad.http_request->url = "ftp://nowhere";
  auto codes = CreateTasksInOneBatch(*store, service, {bad}, parent);
  CHECK(codes == std::vector<core::Code>{core::Code::kInvalidArgument});
  REQUIRE(store->Begin().ok());
  CHECK_FALSE(store->FindQueue(parent)->has_value());
  store->Rollback();
  // The same call that succeeds creates the queue.
  CHECK(CreateTasksInOneBatch(*store, service, {NamedTask(parent, "d")}, parent) ==
        std::vector<core::Code>{core::Code::kOk});
  REQUIRE(store->Begin().ok());
  CHECK(store->FindQueue(parent)->has_value());
  store->Rollback();
}
