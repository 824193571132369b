// RAII guards over core::Transactions: a transaction or savepoint that rolls back when it goes
// out of scope unless it was committed or released (as SQLiteCpp's Transaction does).
#pragma once

#include <utility>

#include "core/status.h"
#include "core/transactions.h"

namespace cte::core {

// Begins a transaction; status() says whether it began. Not thread-safe.
class Transaction {
 public:
  explicit Transaction(Transactions& tx) : tx_(tx), status_(tx.Begin()), open_(status_.ok()) {}
  ~Transaction() {
    if (open_) tx_.Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& status() const { return status_; }
  // Commits; on failure everything since Begin is rolled back. Requires: status().ok().
  Status Commit() {
    open_ = false;
    return tx_.Commit();
  }
  // Rolls back now. Requires: status().ok().
  void Rollback() {
    open_ = false;
    tx_.Rollback();
  }

 private:
  Transactions& tx_;
  Status status_;
  bool open_;
};

// Begins a savepoint in the open transaction; status() says whether it began. Not thread-safe.
class Savepoint {
 public:
  explicit Savepoint(Transactions& tx)
      : tx_(tx), status_(tx.BeginSavepoint()), open_(status_.ok()) {}
  // Rolls back unless released or rolled back, or the transaction itself already ended.
  ~Savepoint() {
    if (open_ && tx_.InTransaction()) (void)tx_.RollbackSavepoint();
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  const Status& status() const { return status_; }
  // Either fails only when the storage failed, and then the whole transaction is rolled back.
  // Requires: status().ok().
  Status Release() {
    open_ = false;
    return tx_.ReleaseSavepoint();
  }
  Status Rollback() {
    open_ = false;
    return tx_.RollbackSavepoint();
  }

 private:
  Transactions& tx_;
  Status status_;
  bool open_;
};

// Runs `f` (returning a Status) in a transaction of its own, which commits when `f` returns OK
// and rolls back otherwise. Returns `f`'s error, or why the transaction could not begin or
// commit.
template <typename F>
Status InTransaction(Transactions& tx, F&& f) {
  Transaction t(tx);
  CTE_RETURN_IF_ERROR(t.status());
  Status s = std::forward<F>(f)();
  if (!s.ok()) return s;  // Rolled back by `t`.
  return t.Commit();
}

}  // namespace cte::core
