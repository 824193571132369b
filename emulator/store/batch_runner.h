// BatchRunner: the thread that owns a TaskStore and runs every piece of store work, in batches
// that share one transaction and one commit (group commit).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/task_store.h"

namespace cte::store {

class BatchRunner {
 public:
  struct Job {
    // Runs on the runner thread inside the batch's transaction; returns false when it failed,
    // and then whatever it wrote is rolled back (the rest of the batch is kept).
    std::function<bool()> run;
    // Runs on the runner thread after the commit, with its result; must not block.
    std::function<void(const core::Status& commit)> done;
    // The job runs at most one statement that writes, and none when it fails; so it needs no
    // savepoint of its own (which costs a copy of every page the job touches: 8 % of a
    // CreateTask's instructions).
    bool one_write = false;
  };

  using WakeTime = std::optional<std::chrono::steady_clock::time_point>;

  struct Hooks {
    // Runs every `housekeeping_interval` on the runner thread.
    std::function<void()> housekeeping;
    std::chrono::milliseconds housekeeping_interval{60'000};
    // Runs on the runner thread after every batch and whenever the time it asked for comes;
    // returns when it next wants to run (nullopt: only after the next batch).
    std::function<WakeTime()> tick;
    // Runs on the runner thread right after the `done` callbacks of each batch, e.g. to hand
    // what they collected to another thread at once.
    std::function<void()> batch_done;
  };

  // `store` must outlive the runner. The thread starts at once; hooks may run from then on.
  BatchRunner(core::TaskStore& store, Hooks hooks);
  // Finishes the queued jobs, then stops the thread.
  ~BatchRunner();

  BatchRunner(const BatchRunner&) = delete;
  BatchRunner& operator=(const BatchRunner&) = delete;

  // Thread-safe. Jobs run in the order they were submitted. Wakes the runner only when it sleeps.
  void Submit(Job job);
  // Submits several jobs at once (one wake-up at most), in order; empties `jobs`.
  void Submit(std::vector<Job>& jobs);

 private:
  void Loop();
  void RunBatch(std::deque<Job>& batch);

  core::TaskStore& store_;
  Hooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stopping_ = false;
  bool idle_ = false;  // The runner waits on cv_.
  std::thread thread_;
};

}  // namespace cte::store
