// Simulate: runs a scenario in simulated time. The server's own queue code (Service, Dispatcher,
// its token bucket, concurrency cap and retry schedule) runs on a MemoryStore under a manual
// clock, and a modelled worker (SimPusher) answers; no sockets, no threads.
#pragma once

#include <cstdint>
#include <functional>

#include "core/clock.h"
#include "core/status.h"
#include "experiment/run_data.h"
#include "experiment/scenario.h"

namespace cte::experiment {

struct Progress {
  core::Duration simulated{0};  // Simulated time so far.
  int64_t tasks_created = 0;
  int64_t tasks_total = 0;  // Arrivals of the whole scenario.
  int64_t attempts = 0;     // Attempts ended so far.
};

struct SimulationOptions {
  // Called now and then (about every 200 ms of wall time) while the run goes on. Optional.
  std::function<void(const Progress&)> progress;
  // A run "until drained" stops at this simulated time anyway (Cloud Tasks keeps a task at most
  // 31 days), with the tasks left counted as unfinished.
  core::Duration limit = std::chrono::hours(24 * 31);
};

// The simulated clock starts here, so that a run's timestamps are the same every time.
inline const core::TimePoint kSimulationStart =
    std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);

// INVALID_ARGUMENT when a queue of the scenario is refused by CreateQueue (with its message).
core::Result<RunData> Simulate(const Scenario& scenario, const SimulationOptions& options = {});

}  // namespace cte::experiment
