// Executor: the thread that owns a store and runs every piece of store work, in batches that
// share one transaction and one commit (group commit), each job hearing its own outcome.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/transactions.h"
#include "pipeline/job.h"

namespace cte::pipeline {

class Executor {
 public:
  using WakeTime = std::optional<std::chrono::steady_clock::time_point>;

  struct Hooks {
    // Runs every `housekeeping_interval` on the executor's thread.
    std::function<void()> housekeeping;
    std::chrono::milliseconds housekeeping_interval{60'000};
    // Runs on the executor's thread after every batch and whenever the time it asked for comes;
    // returns when it next wants to run (nullopt: only after the next batch).
    std::function<WakeTime()> tick;
    // Runs on the executor's thread after each batch of jobs, with how many jobs it held.
    std::function<void(size_t jobs)> batch_ran;
  };

  // `store` must outlive the executor. The thread starts at once; hooks may run from then on.
  Executor(core::Transactions& store, Hooks hooks);
  // Runs the jobs already submitted, then stops the thread.
  ~Executor();
  // The same, ahead of the destructor: whoever owns the lanes stops the executor before they go
  // (its last batch delivers to them). Jobs submitted afterwards never run. Idempotent; not
  // from the executor's own thread.
  void Stop();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Thread-safe. Wakes the executor only when it sleeps: jobs submitted while a batch runs make
  // up the next batch. In a batch, reads run first, then writes in the order submitted.
  void Submit(Job job);
  // Submits several jobs at once (one lock, one wake-up at most), in order; empties `jobs`.
  void Submit(std::vector<Job>& jobs);

  // Runs one batch on the calling thread: for tests and for work before the thread has any.
  // Requires: no other thread uses the store meanwhile.
  static void RunBatch(core::Transactions& store, std::deque<Job>& batch);

 private:
  void Loop();

  core::Transactions& store_;
  Hooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stopping_ = false;
  bool idle_ = false;  // The executor waits on cv_.
  std::thread thread_;
};

}  // namespace cte::pipeline
