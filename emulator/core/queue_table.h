// QueueTable: the store port's queues and queue-name tombstones.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace cte::core {

// Implementations return UNAVAILABLE (the storage cannot be written or read now: a full disk,
// an I/O error, a busy database) or INTERNAL (anything else) for failures of the storage
// itself; absence is reported through std::optional or bool, never as an error, so that the
// caller chooses the message Cloud Tasks gives for the method at hand.
//
// Every call must happen inside a transaction of the store (core/transactions.h). Not
// thread-safe: one thread owns a store.
class QueueTable {
 public:
  virtual ~QueueTable() = default;

  virtual Result<std::optional<Queue>> Find(std::string_view name) = 0;
  // Queues whose names start with `prefix` and sort after `after`, in name order.
  virtual Result<std::vector<Queue>> List(std::string_view prefix, std::string_view after,
                                          int limit) = 0;
  // Inserts the queue, or replaces the settings and state of the queue of that name (its tasks
  // and IAM policy stay).
  virtual Status Put(const Queue& queue) = 0;
  // Deletes the queue with its tasks, task tombstones and IAM policy. A missing queue: no-op.
  virtual Status Delete(std::string_view name) = 0;
  // The distinct location names ("projects/p/locations/l") that hold queues of a project.
  virtual Result<std::vector<std::string>> ListLocations(std::string_view project) = 0;

  // Tombstones keep a deleted queue's name blocked until `until`; expired ones read as absent.
  virtual Status PutTombstone(std::string_view name, TimePoint until) = 0;
  virtual Result<bool> HasTombstone(std::string_view name, TimePoint now) = 0;
  virtual Status DeleteTombstone(std::string_view name) = 0;
  // Forgets every queue tombstone, or those that expired before `now`.
  virtual Status DeleteAllTombstones() = 0;
  virtual Status DeleteExpiredTombstones(TimePoint now) = 0;

  // CMEK configs (CmekConfig.kmsKey): the Cloud KMS key name set for a location
  // ("projects/p/locations/l"); "" when none. A location's key stays when its queues go.
  virtual Result<std::string> GetKmsKey(std::string_view location) = 0;
  // Sets the location's key; "" removes it.
  virtual Status PutKmsKey(std::string_view location, std::string_view kms_key) = 0;
  // Forgets every location's key (the harness's reset).
  virtual Status DeleteAllKmsKeys() = 0;
};

}  // namespace cte::core
