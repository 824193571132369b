// What a store keeps of each value: the round-trip rules every TaskStore shares (times at
// microseconds, output-only fields dropped), written once for the memory store.
#pragma once

#include <string>

#include "core/attempt_log.h"
#include "core/model.h"

namespace cte::store {

// The queue as it reads back: times and durations truncated to microseconds, the routing
// override's `host` empty.
core::Queue StoredQueue(const core::Queue& queue);

// The task as Insert keeps it, with its body left out (see BodyOf): the target (an HTTP request
// with one token, OAuth before OIDC, or else an App Engine request with `host` empty), the
// schedule and create times (unset is the epoch), the dispatch deadline, all at microseconds.
// The dispatch state starts at zero; `view` is not kept. Requires: the task has a target.
core::Task StoredTask(const core::Task& task);

// Writes into `stored` what UpdateState keeps of `task`: the schedule time, the counters, the
// first attempt's dispatch time, the last attempt when it has a dispatch time, and the
// bookkeeping.
void ApplyTaskState(core::Task& stored, const core::Task& task);

// The body of the task's target. Requires: the task has a target.
std::string& BodyOf(core::Task& task);
const std::string& BodyOf(const core::Task& task);

// The entry as it reads back: times and latency truncated to microseconds.
core::AttemptLogEntry StoredAttempt(const core::AttemptLogEntry& entry);

}  // namespace cte::store
