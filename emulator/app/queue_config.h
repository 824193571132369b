// The --config file: queues to create or update at start.
//
//   {"queues": [{"name": "projects/P/locations/L/queues/Q",
//                "rateLimits": {...}, "retryConfig": {...}}, ...]}
//
// Each entry is a Queue in the REST JSON form.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace cte::app {

// INVALID_ARGUMENT naming the file and the problem when it cannot be read or is malformed.
core::Result<std::vector<core::Queue>> LoadQueueConfig(const std::string& path);

}  // namespace cte::app
