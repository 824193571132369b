// Transactions: the part of the store port that groups writes, and the actions that keep
// in-memory state in step with what a transaction did.
#pragma once

#include <functional>

#include "core/status.h"

namespace cte::core {

// A transaction, with savepoints inside it so that one failed call of a batch leaves nothing
// behind. Not thread-safe: the thread that owns the store makes every call.
class Transactions {
 public:
  virtual ~Transactions() = default;

  // Starts a transaction. Requires: none is open. UNAVAILABLE when the storage cannot start one.
  virtual Status Begin() = 0;
  // Makes the writes since Begin() durable, then runs the OnCommit actions. On failure the
  // writes are rolled back (and the OnRollback actions run), and the Status says why.
  virtual Status Commit() = 0;
  // Undoes the writes since Begin() and runs the OnRollback actions. Does nothing when no
  // transaction is open.
  virtual void Rollback() = 0;

  // A savepoint inside the transaction. Requires: InTransaction() and no savepoint open.
  virtual Status BeginSavepoint() = 0;
  // Keeps the writes since the savepoint (and their actions) in the transaction.
  virtual Status ReleaseSavepoint() = 0;
  // Undoes the writes since the savepoint, runs the OnRollback actions registered since, and
  // drops its OnCommit actions.
  // Either call fails only when the storage failed; the whole transaction is then rolled back
  // (as by Rollback()) and no longer open.
  virtual Status RollbackSavepoint() = 0;

  // Whether a transaction is open. A storage failure (a full disk, an I/O error) can end one
  // early, taking every write since Begin() with it; the caller must then call Rollback().
  virtual bool InTransaction() const = 0;

  // Runs `action` after the open transaction commits: for effects that must not happen unless
  // its writes last, such as sending a request the transaction marked as sent.
  // Requires: InTransaction().
  virtual void OnCommit(std::function<void()> action) = 0;
  // Runs `action` when the writes made since now are undone (a savepoint rolled back, a failed
  // commit, a rollback): for in-memory state that mirrors them. Actions run newest first.
  // Requires: InTransaction().
  virtual void OnRollback(std::function<void()> action) = 0;
};

}  // namespace cte::core
