// PolicyTable: the store port's IAM policies, one per queue, kept as the caller serialized them.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cte::core {

// Failures and threading as in QueueTable (core/queue_table.h).
class PolicyTable {
 public:
  virtual ~PolicyTable() = default;

  // The queue's policy; "" when none was set or the queue does not exist.
  virtual Result<std::string> Get(std::string_view queue) = 0;
  // Requires: the queue exists. Its policy goes with it (QueueTable::Delete).
  virtual Status Put(std::string_view queue, std::string_view policy) = 0;
};

}  // namespace cte::core
