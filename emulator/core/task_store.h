// TaskStore: the port through which the service, the dispatcher and the harness keep queues,
// tasks, attempts and policies. Split by concern; one transaction spans them all.
#pragma once

#include "core/attempt_table.h"
#include "core/policy_table.h"
#include "core/queue_table.h"
#include "core/task_table.h"
#include "core/transactions.h"

namespace cte::core {

// Implemented by store::SqliteStore and store::MemoryStore; both pass the same contract suite
// (tests/unit/store_contract_test.cc). Not thread-safe: one thread owns a store, and every
// table call happens inside a transaction. The tables live as long as the store.
class TaskStore : public Transactions {
 public:
  virtual QueueTable& queues() = 0;
  virtual TaskTable& tasks() = 0;
  virtual AttemptTable& attempts() = 0;
  virtual PolicyTable& policies() = 0;
};

}  // namespace cte::core
