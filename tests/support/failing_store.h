// FailingStore: a TaskStore that forwards to a real one and fails the calls a test chooses, the
// way leveldb's fault-injection Env wraps the real Env: the code under test runs the path
// production runs, up to the failure.
#pragma once

#include <memory>

#include "core/task_store.h"

namespace cte::testing {

class FailingStore final : public core::TaskStore {
 public:
  // The kinds of call a failure can be aimed at.
  enum class Op { kBegin, kCommit, kSavepoint, kRelease, kRollbackSavepoint, kRead, kWrite };

  // `inner` must outlive the wrapper.
  explicit FailingStore(core::TaskStore& inner);
  ~FailingStore() override;

  // The `nth` next call of kind `op` from now (1: the very next) fails with `status` and does
  // nothing. With `ends_transaction`, the failure also rolls the whole transaction back, as
  // SQLite does on a full disk or an I/O error.
  void FailNth(Op op, int nth, core::Status status, bool ends_transaction = false);
  // Every call of kind `op` from now fails so, until Heal().
  void FailAll(Op op, core::Status status, bool ends_transaction = false);
  void Heal();
  // Calls of kind `op` made so far (failed ones included).
  int Calls(Op op) const;

  core::Status Begin() override;
  core::Status Commit() override;
  void Rollback() override;
  core::Status BeginSavepoint() override;
  core::Status ReleaseSavepoint() override;
  core::Status RollbackSavepoint() override;
  bool InTransaction() const override;
  void OnCommit(std::function<void()> action) override;
  void OnRollback(std::function<void()> action) override;

  core::QueueTable& queues() override;
  core::TaskTable& tasks() override;
  core::AttemptTable& attempts() override;
  core::PolicyTable& policies() override;

  // Counts a call of kind `op`; the failure to return instead of making it, if any. Used by the
  // table wrappers.
  std::optional<core::Status> Check(Op op);

 private:
  struct Tables;
  struct Plan;
  core::TaskStore& inner_;
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<Tables> tables_;
};

}  // namespace cte::testing
