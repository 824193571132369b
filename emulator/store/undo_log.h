// UndoLog: how to take back each write of an open transaction, so that a rollback restores the
// exact state it started from (the memory store's journal).
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace cte::store {

// Not thread-safe: owned by one store.
class UndoLog {
 public:
  // Records `undo`, a callable run at most once, when the write it follows is taken back. It may
  // own what the write removed (a node extracted from a container), so it need not be copyable.
  template <typename F>
  void Push(F undo) {
    steps_.push_back(std::make_unique<Step<F>>(std::move(undo)));
  }

  // How many steps are recorded: a mark to roll back to.
  size_t size() const { return steps_.size(); }

  // Runs the steps recorded after the first `mark`, newest first, and forgets them.
  // Requires: mark <= size().
  void RollbackTo(size_t mark) {
    assert(mark <= steps_.size());
    while (steps_.size() > mark) {
      steps_.back()->Run();
      steps_.pop_back();
    }
  }

  // Forgets every step without running it: the writes stay.
  void Clear() { steps_.clear(); }

 private:
  struct StepBase {
    virtual ~StepBase() = default;
    virtual void Run() = 0;
  };
  template <typename F>
  struct Step final : StepBase {
    explicit Step(F f) : undo(std::move(f)) {}
    void Run() override { undo(); }
    F undo;
  };

  std::vector<std::unique_ptr<StepBase>> steps_;
};

}  // namespace cte::store
