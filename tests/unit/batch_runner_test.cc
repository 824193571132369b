#include "store/batch_runner.h"

#include <future>
#include <mutex>
#include <vector>

#include <doctest/doctest.h>

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

TEST_CASE("a failed job's writes are rolled back, the rest of its batch is kept") {
  auto store = std::move(store::SqliteStore::Open(":memory:").value());
  std::promise<void> finished;
  {
    store::BatchRunner runner(*store, {});
    runner.Submit({[&] { return store->PutQueue(Queue("kept")).ok(); }, [](const auto&) {}});
    runner.Submit({[&] {
                     (void)store->PutQueue(Queue("failed"));
                     return false;
                   },
                   [](const auto&) {}});
    runner.Submit({[] { return true; }, [&](const auto&) { finished.set_value(); }});
    finished.get_future().wait();
  }
  REQUIRE(store->Begin().ok());
  CHECK(store->FindQueue("projects/p/locations/l/queues/kept")->has_value());
  CHECK_FALSE(store->FindQueue("projects/p/locations/l/queues/failed")->has_value());
  store->Rollback();
}
