// RunData: what an experiment recorded, the same in both modes: its queues, every task and
// every attempt, at offsets from the start of the run. Analysis and the run folder read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/model.h"

namespace cte::experiment {

// How an attempt ended, as the report groups them.
enum class AttemptOutcome : uint8_t {
  kSuccess,          // 2xx.
  kClientError,      // 4xx.
  kServerError,      // Any other status.
  kTimeout,          // No answer by the dispatch deadline.
  kConnectionError,  // Refused, reset, or no worker.
  kDiscarded,        // The task was deleted while the request was out.
};

std::string_view OutcomeName(AttemptOutcome o);

struct QueueInfo {
  std::string name;  // Full name.
  std::string id;    // Its last segment.
  double max_dispatches_per_second = 0;
  int32_t max_burst_size = 0;
  int32_t max_concurrent_dispatches = 0;
  core::Queue config;  // As created, Cloud Tasks' defaults applied.
};

struct TaskRecord {
  uint32_t queue = 0;  // Index into RunData::queues.
  core::Duration created{0};
  bool open = false;  // Still in its queue when the run stopped (waiting or in flight).
};

struct AttemptRecord {
  uint32_t task = 0;  // Index into RunData::tasks.
  int32_t attempt = 0;
  core::Duration dispatched{0};
  core::Duration answered{0};  // When the attempt ended (for a timeout: its deadline).
  AttemptOutcome outcome = AttemptOutcome::kSuccess;
  int32_t status = 0;      // The HTTP status; 0 when none came.
  bool duplicate = false;  // A second delivery of the same attempt.
};

struct RunData {
  std::string name;
  std::string mode;  // "simulated" or "live".
  uint64_t seed = 0;
  std::vector<QueueInfo> queues;
  std::vector<TaskRecord> tasks;  // Indexed by task number (see TaskId).
  std::vector<AttemptRecord> attempts;
  core::Duration stopped{0};  // When the run stopped.
  core::Duration wall_time{0};
};

// Task IDs of an experiment: "t" and the task's index, 8 digits or more ("t00000042").
std::string TaskId(uint32_t index);
// The index of a task ID made by TaskId; nullopt for any other ID.
std::optional<uint32_t> TaskIndex(std::string_view id);

// The outcome group of an HTTP status.
AttemptOutcome OutcomeOfStatus(int status);

}  // namespace cte::experiment
