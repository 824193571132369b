// The --config file: queues to create or update at start.
//
//   {"queues": [{"name": "projects/P/locations/L/queues/Q",
//                "rateLimits": {...}, "retryConfig": {...}}, ...]}
//
// Each entry is a Queue in the REST JSON form. Its "state", RUNNING or PAUSED, is applied at
// start (and by a reset); without one, a new queue runs and an existing one keeps its state.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"

namespace cte::app {

// INVALID_ARGUMENT naming the file and the problem when it cannot be read or is malformed: the
// line and column of a JSON syntax error, the entry (queues[N]) of a bad queue, of a DISABLED
// state, or of a queue configured twice.
core::Result<std::vector<core::Queue>> LoadQueueConfig(const std::string& path);

}  // namespace cte::app
