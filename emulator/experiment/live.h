// RunLive: runs a scenario against a real emulator over HTTP, with real workers, at real time or
// a time scale, and records it as the same RunData a simulated run gives (docs/experiments.md,
// "Live runs").
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "experiment/run_data.h"
#include "experiment/scenario.h"
#include "experiment/simulation.h"

namespace cte::experiment {

struct LiveOptions {
  // Scenario time runs this many times faster than real time (the emulator's --time-scale).
  double time_scale = 1;
  // A running emulator ("http://127.0.0.1:8123"), whose clock must run at `time_scale`; empty:
  // start cloud-tasks-emulator from `bin_dir` on 127.0.0.1, port 0, and stop it at the end.
  std::string emulator;
  // Send every queue's tasks here (the user's own service); empty: start one
  // cloud-tasks-worker per queue from `bin_dir`, with the worker model of its queue in
  // `scenario_file` (the file `scenario` was read from).
  std::string worker_url;
  std::string scenario_file;
  std::string bin_dir;  // Where the emulator and worker binaries are.
  // Called about every 200 ms while the run goes on, from the calling thread; Progress::attempts
  // is -1 (not counted). Optional.
  std::function<void(const Progress&)> progress;
  // Told when the run could not keep to the scenario (tasks created late). Optional.
  std::function<void(const std::string&)> warning;
};

// Runs `scenario`: (re)creates its queues (a queue that exists is reset and deleted first, so
// that the run starts clean), creates the tasks at their arrival times scaled to real time, named
// TaskId(i) as in a simulated run, waits until drained (or `until`), then reads every attempt
// from /emulator/v1/attempts and the tasks left. Times in the RunData are emulator time from the
// run's start. INVALID_ARGUMENT when the emulator refuses a queue (with its message) or its clock
// does not run at `time_scale`; UNAVAILABLE when a process cannot be started or the emulator
// cannot be reached; any other error the emulator answers. Blocks for the length of the run.
core::Result<RunData> RunLive(const Scenario& scenario, const LiveOptions& options);

}  // namespace cte::experiment
