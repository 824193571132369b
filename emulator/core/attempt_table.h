// AttemptTable: the store port's log of dispatch attempts (the harness's /attempts).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/attempt_log.h"
#include "core/status.h"

namespace cte::core {

// Failures and threading as in QueueTable (core/queue_table.h).
class AttemptTable {
 public:
  virtual ~AttemptTable() = default;

  // Returns the new entry's ID; IDs grow in the order attempts are inserted.
  virtual Result<int64_t> Insert(const AttemptLogEntry& entry) = 0;
  // Rewrites the outcome fields (response time, outcome, status, error, latency) and, when
  // `entry.headers` is not empty, the headers of the entry with `entry.id`; the rest (`duplicate`
  // included) stays as inserted.
  virtual Status Update(const AttemptLogEntry& entry) = 0;
  // Entries after `after_id` in ID order, of one queue and task when they are not empty.
  virtual Result<std::vector<AttemptLogEntry>> List(std::string_view queue, std::string_view task,
                                                    int64_t after_id, int limit) = 0;
  // Forgets the entries of one queue, or of every queue when `queue` is empty.
  virtual Status Delete(std::string_view queue) = 0;
  // Ends every entry still in flight as a connection error with this `error` text (used at
  // start: the emulator that sent them stopped).
  virtual Status EndInFlight(std::string_view error) = 0;
};

}  // namespace cte::core
