#include "pipeline/executor.h"

#include <algorithm>
#include <pthread.h>
#include <utility>

#include "core/transaction.h"

namespace cte::pipeline {

namespace {

using core::Status;

// Runs a job's work; an exception from third-party code becomes INTERNAL.
Status Run(Job& job) {
  try {
    return job.run();
  } catch (const std::exception& e) {
    return core::Internal(std::string("internal error: ") + e.what());
  }
}

// The outcome of a job that never ran, or whose writes a storage failure undid.
Status Undone(const Status& cause) {
  return cause.ok() ? core::Unavailable("The call did not run.") : cause;
}

// One batch, run in one transaction: leveldb's writer queue, where every writer carries its own
// status and hears it.
class Batch {
 public:
  Batch(core::Transactions& store, std::deque<Job>& jobs)
      : store_(store), jobs_(jobs), status_(jobs.size()), ran_(jobs.size(), false) {}

  void Run() {
    core::Transaction tx(store_);
    if (!tx.status().ok()) return Abort(tx.status());
    for (size_t i = 0; i < jobs_.size() && !aborted_; ++i) {
      if (jobs_[i].access == Access::kRead) RunJob(i);
    }
    for (size_t i = 0; i < jobs_.size() && !aborted_; ++i) {
      if (jobs_[i].access != Access::kRead) RunJob(i);
    }
    if (aborted_) return;  // `tx` rolls back what is left.
    Status commit = tx.Commit();
    if (!commit.ok()) FailWrites(commit);
  }

  // Completions go to their lanes in the order of the lanes' first jobs, each lane's in the
  // order submitted; those without a lane run here first.
  void Deliver() {
    std::vector<std::pair<Lane*, std::vector<std::function<void()>>>> by_lane;
    for (size_t i = 0; i < jobs_.size(); ++i) {
      Job& job = jobs_[i];
      if (!job.done) continue;
      auto completion = [done = std::move(job.done), s = std::move(status_[i])] { done(s); };
      if (job.lane == nullptr) {
        completion();
        continue;
      }
      auto it = std::find_if(by_lane.begin(), by_lane.end(),
                             [&](const auto& entry) { return entry.first == job.lane; });
      if (it == by_lane.end()) it = by_lane.insert(by_lane.end(), {job.lane, {}});
      it->second.push_back(std::move(completion));
    }
    for (auto& [lane, completions] : by_lane) lane->Deliver(std::move(completions));
  }

 private:
  void RunJob(size_t i) {
    Job& job = jobs_[i];
    std::optional<core::Savepoint> savepoint;
    if (job.access == Access::kWrite) {
      savepoint.emplace(store_);
      if (!savepoint->status().ok()) return Abort(savepoint->status());
    }
    Status s = pipeline::Run(job);
    ran_[i] = true;
    status_[i] = s;
    // A storage failure (a full disk) can end the whole transaction, and every write before.
    if (!store_.InTransaction() || (!s.ok() && job.access == Access::kWriteOrAbort)) {
      return Abort(s.ok() ? core::Unavailable("The storage ended the transaction.") : s);
    }
    if (savepoint) {
      Status undo = s.ok() ? savepoint->Release() : savepoint->Rollback();
      if (!undo.ok()) return Abort(undo);
    }
  }

  // Ends the batch: the writes so far are gone, and the jobs not run yet do not run.
  void Abort(const Status& cause) {
    aborted_ = true;
    store_.Rollback();  // Also when the storage ended the transaction: its actions must run.
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (!ran_[i]) {
        status_[i] = Undone(cause);
      } else if (jobs_[i].access != Access::kRead && status_[i].ok()) {
        status_[i] = Undone(cause);
      }
    }
  }

  void FailWrites(const Status& cause) {
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (jobs_[i].access != Access::kRead && status_[i].ok()) status_[i] = cause;
    }
  }

  core::Transactions& store_;
  std::deque<Job>& jobs_;
  std::vector<Status> status_;
  std::vector<bool> ran_;
  bool aborted_ = false;
};

}  // namespace

Executor::Executor(core::Transactions& store, Hooks hooks)
    : store_(store), hooks_(std::move(hooks)), thread_([this] { Loop(); }) {}

Executor::~Executor() { Stop(); }

void Executor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Executor::Submit(Job job) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(job));
    wake = idle_;
  }
  if (wake) cv_.notify_one();
}

void Executor::Submit(std::vector<Job>& jobs) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    for (Job& job : jobs) pending_.push_back(std::move(job));
    wake = idle_;
  }
  jobs.clear();
  if (wake) cv_.notify_one();
}

void Executor::RunBatch(core::Transactions& store, std::deque<Job>& jobs) {
  Batch batch(store, jobs);
  batch.Run();
  batch.Deliver();
  jobs.clear();
}

void Executor::Loop() {
  pthread_setname_np(pthread_self(), "cte-executor");  // For top -H, perf and gdb.
  using SteadyClock = std::chrono::steady_clock;
  auto next_housekeeping = SteadyClock::now() + hooks_.housekeeping_interval;
  WakeTime next_tick = SteadyClock::now();
  std::deque<Job> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      auto until = next_tick ? std::min(*next_tick, next_housekeeping) : next_housekeeping;
      idle_ = true;
      cv_.wait_until(lock, until, [&] { return stopping_ || !pending_.empty(); });
      idle_ = false;
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    bool ran = !batch.empty();
    if (ran) {
      size_t jobs = batch.size();
      RunBatch(store_, batch);
      if (hooks_.batch_ran) hooks_.batch_ran(jobs);
    }
    auto now = SteadyClock::now();
    if (hooks_.tick && (ran || (next_tick && now >= *next_tick))) next_tick = hooks_.tick();
    if (hooks_.housekeeping && now >= next_housekeeping) {
      hooks_.housekeeping();
      next_housekeeping = SteadyClock::now() + hooks_.housekeeping_interval;
    }
  }
}

}  // namespace cte::pipeline
