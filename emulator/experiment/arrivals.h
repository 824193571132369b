// Arrivals: when each task of a queue is created, from the scenario's phases.
#pragma once

#include <cstdint>
#include <utility>
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

// One arrival of a scenario: when, and on which queue (an index into Scenario::queues).
struct Arrival {
  core::Duration at;
  uint32_t queue = 0;
};

// Every arrival of every queue, in time order; arrivals at the same moment in queue order. The
// i-th arrival is task i (TaskId(i)) in both modes, so that the keyed worker draws
// (WorkerDraw::Next) see the same task names.
std::vector<Arrival> ScenarioArrivals(const Scenario& scenario);

}  // namespace cte::experiment
