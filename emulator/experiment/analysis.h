// Analysis: the figures of a run (summary.json) and its per-second series (series.csv), computed
// from RunData alone, so that both modes are measured the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "experiment/run_data.h"

namespace cte::experiment {

// How a task ended.
enum class TaskResult : uint8_t { kSucceeded, kGivenUp, kUnfinished };

struct TaskFate {
  TaskResult result = TaskResult::kUnfinished;
  core::Duration finished{0};  // With kSucceeded and kGivenUp.
  int32_t attempts = 0;        // Not counting duplicates.
};

// Nearest-rank percentiles.
struct Percentiles {
  core::Duration p50{0}, p90{0}, p99{0}, max{0};
};

struct Figures {
  int64_t tasks = 0, succeeded = 0, given_up = 0, unfinished = 0;
  int64_t attempts = 0;    // Not counting duplicates.
  int64_t duplicates = 0;  // Second deliveries.
  // Tasks answered 2xx more than once (a duplicate's and its first delivery's, say): the ones a
  // handler that is not idempotent would have processed twice.
  int64_t processed_twice = 0;
  // From the first arrival to the last task finished; nullopt while tasks are unfinished or when
  // there were none.
  std::optional<core::Duration> drain_time;
  int64_t peak_in_flight = 0;
  int64_t peak_backlog = 0;
  std::optional<Percentiles> latency;  // Creation to success; nullopt when none succeeded.
  double attempts_mean = 0;            // Attempts per task.
  int32_t attempts_max = 0;
};

// One queue's second [second, second + 1) of the run.
struct SeriesRow {
  uint32_t queue = 0;
  int64_t second = 0;
  int64_t arrivals = 0, dispatches = 0;
  int64_t in_flight = 0;  // The most at any moment of the second.
  int64_t backlog = 0;    // Waiting (created, not finished, not in flight) at its end.
  int64_t success = 0, client_error = 0, server_error = 0, timeout = 0, connection_error = 0;
  int64_t given_up = 0, duplicates = 0;
};

struct Analysis {
  std::vector<TaskFate> fates;  // By task index.
  std::vector<Figures> queues;  // By queue index.
  Figures total;
  std::vector<SeriesRow> series;  // By queue, then second.
};

// Requires: attempts of a task in attempt order, each task's index valid.
Analysis Analyze(const RunData& run);

}  // namespace cte::experiment
