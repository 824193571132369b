// WorkerModel's answers: what the modelled worker does with one request, drawn from a seeded
// random generator so that a scenario and seed give the same run every time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "core/clock.h"
#include "experiment/scenario.h"

namespace cte::experiment {

// One request's fate: its answer, and when it comes, from when the request was sent (for
// kTimeout: never, `after` is Duration::max(), and the dispatch deadline ends the attempt; for
// kRefuse and kReset: `after` is when the connection fails).
struct Reply {
  Answer answer;
  core::Duration after{0};
};

// Draws replies for one queue's worker. Not thread-safe.
class WorkerDraw {
 public:
  // Copies `model`. Requires: a model as ReadScenario makes it (outages sorted by `from` and not
  // overlapping, failure probabilities adding up to at most 1).
  WorkerDraw(const WorkerModel& model, uint64_t seed);

  // The reply to a request received `since_start` after the run began. Inside an outage
  // [from, to): the outage's answer at once (after 0), with no random draw. Otherwise a latency
  // from the model (core::DrawLatency), then a failure drawn by probability in the order given (one
  // uniform u in [0, 1): the first failure whose running sum of probabilities exceeds u), else 200.
  // Uses the same number of random draws for every request outside outages (one latency draw, one
  // failure draw), so that changing a failure's probability does not shift every later latency.
  Reply Next(core::Duration since_start);

  // The same, but drawn from a generator seeded by (seed, task, attempt) alone: a task's attempt
  // gets the same reply whatever order the requests come in, so that a simulated run and a live
  // one (whose worker sees the requests in another order) agree. `task` is the task's ID, as
  // X-CloudTasks-TaskName gives it; `attempt` is 1 for the first (X-CloudTasks-TaskRetryCount
  // plus one).
  Reply Next(core::Duration since_start, std::string_view task, int attempt);

 private:
  Reply Draw(core::Duration since_start, std::mt19937_64& random) const;

  WorkerModel model_;
  uint64_t seed_;
  std::mt19937_64 random_;
};

// The seed of the worker of queue `queue_index` (its index in Scenario::queues) in a run with
// `scenario_seed`: the simulated worker and a live cloud-tasks-worker draw with the same one.
constexpr uint64_t WorkerSeed(uint64_t scenario_seed, size_t queue_index) {
  return scenario_seed * 1'000'003 + queue_index;
}

}  // namespace cte::experiment
