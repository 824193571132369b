// Scenario: a load and retry experiment, read from its JSON file (docs/experiments.md): the
// queues, how tasks arrive on each, what the modelled worker answers, and when the run ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/imperfections.h"
#include "core/latency.h"
#include "core/model.h"
#include "core/status.h"

namespace cte::experiment {

// Bounds that keep every offset and count of a run within 64-bit nanoseconds and memory: each
// Duration of the file (offsets, windows, latencies, `until`) is at most a year, each phase
// brings at most 100 million tasks.
inline constexpr core::Duration kMaxScenarioDuration = core::kMaxLatency;
inline constexpr int64_t kMaxTasksPerPhase = 100'000'000;

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
  // Initialised here, as core::Latency::shape is: inside ArrivalPhase, Count (a nested struct with
  // default member initializers) is not yet default-constructible (CWG 1397), so the variant's
  // default constructor, and with it ArrivalPhase's, would be deleted. For the same reason
  // shape.emplace<Count>() does not compile: assign Count{} instead.
  std::variant<Count, Rate, Ramp, Csv> shape = Count{};
};

// How long the modelled worker takes to answer (and Cloud Tasks' extra delay).
using Latency = core::Latency;

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

// Cloud Tasks' own imperfections (`cloudTasks`), off by default; the run's `seed` keys their draws.
using Imperfections = core::Imperfections;

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  std::vector<QueueScenario> queues;
  std::optional<core::Duration> until;  // nullopt: "drained".
  Imperfections cloud_tasks;
};

// Reads a scenario (the schema of docs/experiments.md). Queue names may be short
// ("image-generation-queue": projects/emulator/locations/us-central1 is added) or full. The queue
// is checked as CreateQueue checks it, on a copy; `QueueScenario::queue` keeps what the file said.
// CSV paths are relative to `base_dir` unless absolute; their files are read here. A bad file is
// an INVALID_ARGUMENT whose message is one line starting with the JSON path of the field, e.g.
// "queues[0].arrivals[1].rate: must be greater than 0"; a bad queue gives CreateQueue's own
// message after its path ("queues[0].queue: RateLimits.maxConcurrentDispatches cannot be
// negative."); malformed JSON gives the parser's message.
core::Result<Scenario> ReadScenario(const std::string& json_text, const std::string& base_dir);

// Reads the file at `path`, then ReadScenario with the file's folder as `base_dir`.
// INVALID_ARGUMENT "cannot read scenario \"PATH\": REASON" when the file cannot be read.
core::Result<Scenario> ReadScenarioFile(const std::string& path);

// Reads a worker model alone, in the form of the file's queues[].worker, with the same rules and
// messages; the JSON paths in them start with "worker" ("worker.failures[0].probability: must be
// between 0 and 1"). For cloud-tasks-worker, which builds this object from its flags.
core::Result<WorkerModel> ReadWorkerModel(const std::string& json_text);

}  // namespace cte::experiment
