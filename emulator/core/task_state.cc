#include "core/task_state.h"

#include <array>

namespace cte::core {

namespace {
// In the enum's order.
constexpr std::array<std::string_view, 4> kNames = {"scheduled", "due", "inFlight", "retrying"};
}  // namespace

TaskState StateOf(bool in_flight, int32_t dispatch_count, TimePoint schedule_time, TimePoint now) {
  if (in_flight) return TaskState::kInFlight;
  if (dispatch_count > 0) return TaskState::kRetrying;
  return schedule_time <= now ? TaskState::kDue : TaskState::kScheduled;
}

std::string_view TaskStateName(TaskState state) { return kNames[static_cast<size_t>(state)]; }

std::optional<TaskState> ParseTaskState(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

}  // namespace cte::core
