// MemoryStore: the TaskStore kept in process memory, for tests and simulations; nothing persists.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "core/commit_actions.h"
#include "core/task_store.h"

namespace cte::store {

struct MemoryData;
class MemoryQueueTable;
class MemoryTaskTable;
class MemoryAttemptTable;
class MemoryPolicyTable;

// Keeps exactly what SqliteStore keeps (times at microseconds, see store/stored_form.h) and
// passes the same contract suite. Sized for millions of tasks: each table call costs O(log n)
// plus what it returns (the tables' headers give the details). Every write records in an undo
// log how to take itself back; Rollback and RollbackSavepoint replay it newest first, restoring
// the exact earlier state with its indexes, and Commit drops it. Nothing fails for storage
// reasons, so every Status is OK. Not thread-safe: one thread owns the store. A table call
// outside a transaction is a programmer error (assert).
class MemoryStore final : public core::TaskStore {
 public:
  MemoryStore();
  // An open transaction is rolled back, running its OnRollback actions.
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  static std::unique_ptr<MemoryStore> Create() { return std::make_unique<MemoryStore>(); }

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

 private:
  std::unique_ptr<MemoryData> data_;
  std::unique_ptr<MemoryQueueTable> queues_;
  std::unique_ptr<MemoryTaskTable> tasks_;
  std::unique_ptr<MemoryAttemptTable> attempts_;
  std::unique_ptr<MemoryPolicyTable> policies_;
  core::CommitActions actions_;
  std::optional<size_t> savepoint_;  // The undo log's size when the open savepoint began.
};

}  // namespace cte::store
