// MemoryQueueTable and MemoryPolicyTable: the memory store's queues, queue tombstones and IAM
// policies. Internal to the memory store (see store/memory_store.h).
#pragma once

#include "core/policy_table.h"
#include "core/queue_table.h"
#include "store/memory_data.h"

namespace cte::store {

// Every call is O(log n) in the number of queues, plus what it returns or removes; Delete takes
// the queue's tasks out in O(1) (and its task tombstones in O(t log n)). Never fails. Each write
// records its undo in `data.undo`. `data` must outlive the table.
class MemoryQueueTable final : public core::QueueTable {
 public:
  explicit MemoryQueueTable(MemoryData& data) : data_(data) {}

  core::Result<std::optional<core::Queue>> Find(std::string_view name) override;
  core::Result<std::vector<core::Queue>> List(std::string_view prefix, std::string_view after,
                                              int limit) override;
  core::Status Put(const core::Queue& queue) override;
  core::Status Delete(std::string_view name) override;
  core::Result<std::vector<std::string>> ListLocations(std::string_view project) override;

  core::Status PutTombstone(std::string_view name, core::TimePoint until) override;
  core::Result<bool> HasTombstone(std::string_view name, core::TimePoint now) override;
  core::Status DeleteTombstone(std::string_view name) override;
  core::Status DeleteAllTombstones() override;
  core::Status DeleteExpiredTombstones(core::TimePoint now) override;

  core::Result<std::string> GetKmsKey(std::string_view location) override;
  core::Status PutKmsKey(std::string_view location, std::string_view kms_key) override;
  core::Status DeleteAllKmsKeys() override;

 private:
  MemoryData& data_;
};

// Policies live in their queue's row. Never fails. `data` must outlive the table.
class MemoryPolicyTable final : public core::PolicyTable {
 public:
  explicit MemoryPolicyTable(MemoryData& data) : data_(data) {}

  core::Result<std::string> Get(std::string_view queue) override;
  core::Status Put(std::string_view queue, std::string_view policy) override;

 private:
  MemoryData& data_;
};

}  // namespace cte::store
