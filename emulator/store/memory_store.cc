#include "store/memory_store.h"

#include <cassert>
#include <utility>

#include "store/memory_attempt_table.h"
#include "store/memory_data.h"
#include "store/memory_queue_table.h"
#include "store/memory_task_table.h"

namespace cte::store {

using core::Status;

MemoryStore::MemoryStore()
    : data_(std::make_unique<MemoryData>()),
      queues_(std::make_unique<MemoryQueueTable>(*data_)),
      tasks_(std::make_unique<MemoryTaskTable>(*data_)),
      attempts_(std::make_unique<MemoryAttemptTable>(*data_)),
      policies_(std::make_unique<MemoryPolicyTable>(*data_)) {}

MemoryStore::~MemoryStore() { Rollback(); }

Status MemoryStore::Begin() {
  assert(!data_->in_transaction && "Requires: no transaction is open");
  data_->in_transaction = true;
  return Status::Ok();
}

Status MemoryStore::Commit() {
  assert(data_->in_transaction && "Requires: a transaction is open");
  data_->undo.Clear();
  savepoint_.reset();
  data_->in_transaction = false;
  // After the flag drops, so that an action sees the transaction over.
  actions_.Committed();
  return Status::Ok();
}

void MemoryStore::Rollback() {
  if (!data_->in_transaction) return;
  data_->undo.RollbackTo(0);
  savepoint_.reset();
  data_->in_transaction = false;
  actions_.RolledBack();
}

Status MemoryStore::BeginSavepoint() {
  assert(data_->in_transaction && !savepoint_ && "Requires: a transaction and no savepoint");
  savepoint_ = data_->undo.size();
  actions_.Savepoint();
  return Status::Ok();
}

Status MemoryStore::ReleaseSavepoint() {
  assert(data_->in_transaction && savepoint_ && "Requires: an open savepoint");
  savepoint_.reset();
  actions_.Release();
  return Status::Ok();
}

Status MemoryStore::RollbackSavepoint() {
  assert(data_->in_transaction && savepoint_ && "Requires: an open savepoint");
  data_->undo.RollbackTo(*savepoint_);
  savepoint_.reset();
  actions_.RollbackSavepoint();
  return Status::Ok();
}

bool MemoryStore::InTransaction() const { return data_->in_transaction; }

void MemoryStore::OnCommit(std::function<void()> action) {
  assert(data_->in_transaction && "Requires: InTransaction()");
  actions_.OnCommit(std::move(action));
}

void MemoryStore::OnRollback(std::function<void()> action) {
  assert(data_->in_transaction && "Requires: InTransaction()");
  actions_.OnRollback(std::move(action));
}

core::QueueTable& MemoryStore::queues() { return *queues_; }
core::TaskTable& MemoryStore::tasks() { return *tasks_; }
core::AttemptTable& MemoryStore::attempts() { return *attempts_; }
core::PolicyTable& MemoryStore::policies() { return *policies_; }

}  // namespace cte::store
