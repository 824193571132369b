// Arrivals: when each task of a queue is created, from the scenario's phases.
#pragma once

#include <vector>

#include "core/clock.h"
#include "experiment/scenario.h"

namespace cte::experiment {

// The arrival offsets (from the start of the run) of every phase, merged and sorted. Evenly
// spaced within a phase: Count puts task i at at + i * over / count; Rate at at + i / rate for
// i < rate * duration (rounded to the nearest whole task); Ramp places tasks where the integral of
// the linearly changing rate reaches i + 0.5; Csv at at + each offset. Deterministic: no random
// draws. Count, and Rate with a whole rate, are computed in integer nanoseconds (exact to the
// nanosecond, rounded to the nearest); the others in doubles, rounded to the nearest nanosecond.
// Requires: phases within the bounds ReadScenario checks (kMaxTasksPerPhase, kMaxScenarioDuration,
// positive rates and durations).
std::vector<core::Duration> ArrivalOffsets(const std::vector<ArrivalPhase>& phases);

}  // namespace cte::experiment
