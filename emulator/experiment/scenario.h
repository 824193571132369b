// Scenario: a load and retry experiment, read from its JSON file (docs/experiments.md): the
// queues, how tasks arrive on each, what the modelled worker answers, and when the run ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/status.h"

namespace cte::experiment {

// One phase of arrivals, at offsets from the start of the run.
struct ArrivalPhase {
  // `count` tasks spread evenly over [at, at + over); over = 0: all at `at`.
  struct Count {
    int64_t count = 0;
    core::Duration over{0};
  };
  // `rate` tasks a second for `duration`, evenly spaced.
  struct Rate {
    double rate = 0;
    core::Duration duration{0};
  };
  // A rate moving linearly from `from` to `to` over `duration`.
  struct Ramp {
    double from = 0;
    double to = 0;
    core::Duration duration{0};
  };
  // Offsets (seconds, from `at`) read from a CSV file, one a line; already read and sorted.
  struct Csv {
    std::string path;
    std::vector<core::Duration> offsets;
  };
  core::Duration at{0};
  std::variant<Count, Rate, Ramp, Csv> shape;
};

// How long the modelled worker takes to answer.
struct Latency {
  struct Fixed {
    core::Duration value{0};
  };
  struct Uniform {
    core::Duration min{0}, max{0};
  };
  // Log-normal with the given median and 99th percentile.
  struct LogNormal {
    core::Duration p50{0}, p99{0};
  };
  std::variant<Fixed, Uniform, LogNormal> shape = Fixed{};
};

// What an attempt that gets no 2xx looks like.
struct Answer {
  enum class Kind { kStatus, kTimeout, kReset, kRefuse };
  Kind kind = Kind::kStatus;
  int status = 200;                           // With kStatus.
  std::optional<core::Duration> retry_after;  // With kStatus 429 or 503.
};

struct Failure {
  Answer answer;
  double probability = 0;  // In [0, 1].
};

// A window of the run, [from, to), during which every request gets `answer` (a status or
// kRefuse).
struct Outage {
  core::Duration from{0}, to{0};
  Answer answer;
};

struct WorkerModel {
  Latency latency;
  std::vector<Failure> failures;  // Drawn in order; their probabilities sum to at most 1.
  std::vector<Outage> outages;    // Sorted, not overlapping.
};

struct TaskTemplate {
  int64_t body_bytes = 0;
  core::Duration dispatch_deadline = std::chrono::seconds(600);  // Cloud Tasks' default.
  core::Duration schedule_delay{0};  // Each task's scheduleTime is its arrival plus this.
};

struct QueueScenario {
  core::Queue queue;  // As read from the file: full name, fields not given unset (0).
  std::vector<ArrivalPhase> arrivals;
  TaskTemplate task;
  WorkerModel worker;
};

// Cloud Tasks' own imperfections, off by default.
struct Imperfections {
  double duplicate_rate = 0;                // Each attempt delivered a second time.
  std::optional<Latency> extra_delay;       // Added before each dispatch.
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  std::vector<QueueScenario> queues;
  std::optional<core::Duration> until;  // nullopt: "drained".
  Imperfections cloud_tasks;
};

// Reads a scenario. Queue names may be short ("image-generation-queue": projects/emulator/
// locations/us-central1 is added) or full. CSV paths are relative to `base_dir`. A bad file is an
// INVALID_ARGUMENT whose message is one line naming the field, e.g.
// "queues[0].arrivals[1].rate: must be greater than 0".
core::Result<Scenario> ReadScenario(const std::string& json_text, const std::string& base_dir);
core::Result<Scenario> ReadScenarioFile(const std::string& path);

}  // namespace cte::experiment
