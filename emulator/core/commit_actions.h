// CommitActions: the OnCommit / OnRollback bookkeeping of a Transactions implementation,
// written once for every store.
#pragma once

#include <cassert>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace cte::core {

// Not thread-safe: owned by a store. Actions run with no lock held and may register nothing.
class CommitActions {
 public:
  void OnCommit(std::function<void()> f) { on_commit_.push_back(std::move(f)); }
  void OnRollback(std::function<void()> f) { on_rollback_.push_back(std::move(f)); }

  // A savepoint starts: remembers where its actions begin.
  void Savepoint() { marks_.push_back({on_commit_.size(), on_rollback_.size()}); }
  // The savepoint's writes stay: its actions join the transaction's.
  void Release() {
    assert(!marks_.empty());
    marks_.pop_back();
  }
  // The savepoint's writes are undone: its rollback actions run, its commit actions go.
  void RollbackSavepoint() {
    assert(!marks_.empty());
    Mark m = marks_.back();
    marks_.pop_back();
    on_commit_.resize(m.commit);
    RunRollbacks(m.rollback);
  }
  // The transaction committed: its commit actions run in order.
  void Committed() {
    marks_.clear();
    on_rollback_.clear();
    std::vector<std::function<void()>> run;
    run.swap(on_commit_);
    for (auto& f : run) f();
  }
  // The transaction was undone: its rollback actions run, newest first.
  void RolledBack() {
    marks_.clear();
    on_commit_.clear();
    RunRollbacks(0);
  }

 private:
  struct Mark {
    size_t commit;
    size_t rollback;
  };
  void RunRollbacks(size_t from) {
    std::vector<std::function<void()>> run(std::make_move_iterator(on_rollback_.begin() + from),
                                           std::make_move_iterator(on_rollback_.end()));
    on_rollback_.resize(from);
    for (auto it = run.rbegin(); it != run.rend(); ++it) (*it)();
  }

  std::vector<std::function<void()>> on_commit_;
  std::vector<std::function<void()>> on_rollback_;
  std::vector<Mark> marks_;
};

}  // namespace cte::core
