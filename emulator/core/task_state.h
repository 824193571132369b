// TaskState: where a task stands in its queue, as the dashboard filters tasks (scheduled, due,
// in flight, retrying); every task is in exactly one. Cloud Tasks has no such field.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.h"

namespace cte::core {

enum class TaskState : uint8_t {
  kScheduled,  // Never sent, and its schedule time is still to come.
  kDue,        // Never sent, and its schedule time has come: it waits for the queue.
  kInFlight,   // Sent; its outcome is not recorded yet.
  kRetrying,   // Sent before and failed; waits for its next attempt (due or not).
};

// The state at `now` of a task with that in-flight flag, dispatch_count and schedule time.
TaskState StateOf(bool in_flight, int32_t dispatch_count, TimePoint schedule_time, TimePoint now);

// "scheduled", "due", "inFlight", "retrying".
std::string_view TaskStateName(TaskState state);
// The state a name above names; nullopt for anything else.
std::optional<TaskState> ParseTaskState(std::string_view name);

}  // namespace cte::core
