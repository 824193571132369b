// MemoryAttemptTable: the memory store's attempt log. Internal to the memory store (see
// store/memory_store.h).
#pragma once

#include "core/attempt_table.h"
#include "store/memory_data.h"

namespace cte::store {

// Insert, Update and List are O(log n) (plus the page; a List that filters by queue or task reads
// only that queue's or task's entries); Delete is O(1) for every queue, else O(log n) per entry
// it removes; EndInFlight visits every entry. IDs are never reused. Never fails. Each write
// records its undo in `data.undo`. `data` must outlive the table.
class MemoryAttemptTable final : public core::AttemptTable {
 public:
  explicit MemoryAttemptTable(MemoryData& data) : data_(data), log_(data.attempts) {}

  core::Result<int64_t> Insert(const core::AttemptLogEntry& entry) override;
  core::Status Update(const core::AttemptLogEntry& entry) override;
  core::Result<std::vector<core::AttemptLogEntry>> List(std::string_view queue,
                                                        std::string_view task, int64_t after_id,
                                                        int limit) override;
  core::Status Delete(std::string_view queue) override;
  core::Status EndInFlight(std::string_view error) override;

 private:
  // Puts the entry (with its ID) into the log and its indexes.
  void Add(core::AttemptLogEntry entry);
  // Takes the entry out of the log and its indexes. Requires: it exists.
  core::AttemptLogEntry Remove(int64_t id);

  MemoryData& data_;
  AttemptLog& log_;
};

}  // namespace cte::store
