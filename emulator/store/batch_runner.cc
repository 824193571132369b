#include "store/batch_runner.h"

namespace cte::store {

BatchRunner::BatchRunner(core::TaskStore& store, std::function<void()> housekeeping,
                         std::chrono::milliseconds housekeeping_interval)
    : store_(store),
      housekeeping_(std::move(housekeeping)),
      housekeeping_interval_(housekeeping_interval),
      thread_([this] { Loop(); }) {}

BatchRunner::~BatchRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void BatchRunner::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void BatchRunner::Loop() {
  auto next_housekeeping = std::chrono::steady_clock::now() + housekeeping_interval_;
  std::deque<Job> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_housekeeping, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
    }
    if (!batch.empty()) RunBatch(batch);
    if (housekeeping_ && std::chrono::steady_clock::now() >= next_housekeeping) {
      housekeeping_();
      next_housekeeping = std::chrono::steady_clock::now() + housekeeping_interval_;
    }
  }
}

void BatchRunner::RunBatch(std::deque<Job>& batch) {
  core::Status status = store_.Begin();
  if (status.ok()) {
    for (Job& job : batch) {
      core::Status mark = store_.BeginSavepoint();
      bool ok = mark.ok() && job.run();
      if (!mark.ok()) continue;
      if (!(ok ? store_.ReleaseSavepoint() : store_.RollbackSavepoint()).ok()) break;
    }
    status = store_.Commit();
  }
  for (Job& job : batch) job.done(status);
  batch.clear();
}

}  // namespace cte::store
