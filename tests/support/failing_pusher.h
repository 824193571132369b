// FailingPusher: a Pusher that forwards to another one (a FakePusher, say) and fails the pushes a
// test chooses, the way FailingStore fails store calls: a failed push ends with a connection
// error or a deadline-exceeded result and never reaches the inner pusher.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/pusher.h"

namespace cte::testing {

// Honours core::Pusher's contract: a failed push's `done` runs exactly once, never inside Push,
// but from Flush(), which the test calls. Thread-safe.
class FailingPusher final : public core::Pusher {
 public:
  using Outcome = core::PushResult::Outcome;

  // `inner` must outlive the wrapper.
  explicit FailingPusher(core::Pusher& inner) : inner_(inner) {}

  // The `nth` push from now (1: the very next) fails with `outcome` (kConnectionError or
  // kDeadlineExceeded) and `error` (empty: what HttpPusher says for that outcome).
  void FailNth(int nth, Outcome outcome, std::string error = "") {
    std::lock_guard lock(mu_);
    plan_ = Plan{nth, outcome, error.empty() ? DefaultError(outcome) : std::move(error)};
  }
  // Every push from now fails so, until Heal().
  void FailAll(Outcome outcome, std::string error = "") { FailNth(0, outcome, std::move(error)); }
  void Heal() {
    std::lock_guard lock(mu_);
    plan_.reset();
  }

  uint64_t Push(core::PushRequest request, std::function<void(core::PushResult)> done) override {
    std::unique_lock lock(mu_);
    uint64_t id = next_id_++;
    if (std::optional<core::PushResult> failure = TakeFailure()) {
      ++failed_;
      queued_.push_back({std::move(done), std::move(*failure)});
      return id;
    }
    lock.unlock();
    uint64_t inner_id = inner_.Push(std::move(request), std::move(done));
    lock.lock();
    forwarded_[id] = inner_id;
    return id;
  }

  // A forwarded push is cancelled in the inner pusher; a failed one ends with its failure anyway.
  void Cancel(uint64_t id) override {
    std::unique_lock lock(mu_);
    auto it = forwarded_.find(id);
    if (it == forwarded_.end()) return;
    uint64_t inner_id = it->second;
    lock.unlock();
    inner_.Cancel(inner_id);
  }

  // Runs the `done` of the failed pushes not ended yet, oldest first; returns how many ran.
  int Flush() {
    std::deque<Queued> run;
    {
      std::lock_guard lock(mu_);
      run.swap(queued_);
    }
    for (Queued& q : run) q.done(std::move(q.result));
    return static_cast<int>(run.size());
  }

  // Failed pushes whose `done` has not run yet.
  size_t Pending() const {
    std::lock_guard lock(mu_);
    return queued_.size();
  }
  // Pushes failed so far.
  int Failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }

  static std::string DefaultError(Outcome outcome) {
    return outcome == Outcome::kDeadlineExceeded ? "no response before the dispatch deadline"
                                                 : "Connection refused";
  }

 private:
  struct Plan {
    int countdown = 0;  // Fails when it reaches 1; 0: every push.
    Outcome outcome = Outcome::kConnectionError;
    std::string error;
  };
  struct Queued {
    std::function<void(core::PushResult)> done;
    core::PushResult result;
  };

  // The failure for the push being made, if the plan fails it. Requires: mu_ held.
  std::optional<core::PushResult> TakeFailure() {
    if (!plan_) return std::nullopt;
    if (plan_->countdown > 1) {
      --plan_->countdown;
      return std::nullopt;
    }
    core::PushResult r;
    r.outcome = plan_->outcome;
    r.error = plan_->error;
    if (plan_->countdown == 1) plan_.reset();
    return r;
  }

  core::Pusher& inner_;
  mutable std::mutex mu_;
  std::optional<Plan> plan_;
  std::deque<Queued> queued_;
  std::unordered_map<uint64_t, uint64_t> forwarded_;  // Our ID -> the inner pusher's.
  uint64_t next_id_ = 0;
  int failed_ = 0;
};

}  // namespace cte::testing
