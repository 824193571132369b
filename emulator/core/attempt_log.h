// AttemptLogEntry: one dispatch attempt as the inspection API reports it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace cte::core {

struct AttemptLogEntry {
  enum class Outcome {
    kInFlight = 0,          // Sent, no result yet.
    kResponse = 1,          // The worker answered `http_status`.
    kDeadlineExceeded = 2,  // No answer by the dispatch deadline.
    kConnectionError = 3,   // Could not connect, or the connection broke: see `error`.
    kDiscarded = 4,         // The task was deleted (or its queue purged) while in flight.
  };

  int64_t id = 0;       // Assigned by the store, in the order attempts started.
  std::string queue;    // Full queue name.
  std::string task;     // Full task name.
  int32_t attempt = 0;  // 1 for the first attempt.
  std::optional<TimePoint> schedule_time;
  std::optional<TimePoint> dispatch_time;
  std::optional<TimePoint> response_time;
  std::string method;
  std::string url;                                           // After --rewrite.
  std::vector<std::pair<std::string, std::string>> headers;  // As sent.
  Outcome outcome = Outcome::kInFlight;
  int32_t http_status = 0;
  std::string error;
  Duration latency{0};  // Real time from sending to the result.
  // A second delivery of the attempt (Imperfections::duplicate_rate): the same request sent
  // again, whose outcome is logged here and changes nothing for the task.
  bool duplicate = false;
};

}  // namespace cte::core
