#include "store/batch_runner.h"

namespace cte::store {

BatchRunner::BatchRunner(core::TaskStore& store, Hooks hooks)
    : store_(store), hooks_(std::move(hooks)), thread_([this] { Loop(); }) {}

BatchRunner::~BatchRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void BatchRunner::Submit(Job job) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(job));
    wake = idle_;
  }
  if (wake) cv_.notify_one();
}

void BatchRunner::Submit(std::vector<Job>& jobs) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    for (Job& job : jobs) pending_.push_back(std::move(job));
    wake = idle_;
  }
  jobs.clear();
  if (wake) cv_.notify_one();
}

void BatchRunner::Loop() {
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
    if (ran) RunBatch(batch);
    auto now = SteadyClock::now();
    if (hooks_.tick && (ran || (next_tick && now >= *next_tick))) next_tick = hooks_.tick();
    if (hooks_.housekeeping && now >= next_housekeeping) {
      hooks_.housekeeping();
      next_housekeeping = SteadyClock::now() + hooks_.housekeeping_interval;
    }
  }
}

void BatchRunner::RunBatch(std::deque<Job>& batch) {
  core::Status status = store_.Begin();
  if (status.ok()) {
    for (Job& job : batch) {
      core::Status mark = job.one_write ? core::Status::Ok() : store_.BeginSavepoint();
      bool ok = false;
      try {
        ok = mark.ok() && job.run();
      } catch (const std::exception&) {  // Jobs report their own errors; this is a last guard.
        ok = false;
      }
      if (!mark.ok() || job.one_write) continue;
      if (!(ok ? store_.ReleaseSavepoint() : store_.RollbackSavepoint()).ok()) break;
    }
    status = store_.Commit();
  }
  for (Job& job : batch) job.done(status);
  batch.clear();
  if (hooks_.batch_done) hooks_.batch_done();
}

}  // namespace cte::store
