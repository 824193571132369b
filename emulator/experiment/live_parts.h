// The parts of a live run, which live.cc puts together: the emulator's clock as seen from here,
// the task creators, and the reading of what happened. Private to experiment/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/lib/client.h"
#include "core/clock.h"
#include "core/status.h"
#include "experiment/arrivals.h"
#include "experiment/run_data.h"

namespace cte::experiment::live {

using SteadyTime = std::chrono::steady_clock::time_point;

// The emulator's clock as seen from this process: emulator time `at_ref` at steady time `ref`,
// running `scale` times faster than real time.
struct ClockMap {
  SteadyTime ref;
  core::TimePoint at_ref;
  double scale = 1;

  core::TimePoint At(SteadyTime t) const;
  // A span of scenario (emulator) time in real time.
  std::chrono::steady_clock::duration Real(core::Duration scenario) const;
};

// Samples the emulator's clock twice, 200 ms apart (each time the quickest of a few round trips,
// its answer taken as the emulator's time at the middle of the trip), and checks that it runs at
// `scale`, within 10 %. INVALID_ARGUMENT when the emulator's clock is manual or runs at another
// pace; the client's error when the emulator cannot be reached.
core::Result<ClockMap> MapClock(client::Client& client, double scale);

// What the task creators need to know of a queue.
struct QueuePlan {
  std::string name;  // Full queue name.
  std::string url;   // Where its tasks go.
  std::string body;
  core::Duration dispatch_deadline{0};
  core::Duration schedule_delay{0};
};

struct ArrivalPlan {
  std::string endpoint;           // The emulator.
  std::vector<Arrival> arrivals;  // Task i is arrivals[i].
  std::vector<QueuePlan> queues;  // By Arrival::queue.
  ClockMap clock;
  SteadyTime start;  // The run's start, real time.
};

// Creates task i (TaskId(i)) at start + arrivals[i].at (in real time) from a few threads, each
// with its own connection, each waiting for its next task's absolute time, so that hundreds a
// second keep to time and lateness does not add up. A task with a schedule delay gets the
// scheduleTime its arrival plus the delay, on the emulator's clock. Calls `progress(created so
// far)` about every 200 ms from the calling thread (may be empty). Returns the tasks, `created`
// being the emulator's createTime from the start, or the first error (the other creators stop).
core::Result<std::vector<TaskRecord>> CreateArrivals(const ArrivalPlan& plan,
                                                     const std::function<void(int64_t)>& progress);

// The span of emulator time a live run's records come from.
struct Window {
  core::TimePoint since;  // Attempts dispatched before (a run before this one) are left out.
  core::TimePoint start;  // The run's start: times in the RunData count from it.
  std::optional<core::Duration> stop;  // From `start`; nullopt: the run went on until drained.
};

// Reads the attempts of each queue of `run` from /emulator/v1/attempts and marks the tasks still
// in their queues open. With a stop, attempts still in flight or ended after it are left out,
// and their tasks count as open. The client's error when a call fails.
core::Status Collect(client::Client& client, const Window& window, RunData& run);

}  // namespace cte::experiment::live
