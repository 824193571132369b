// The /metrics page: the emulator's counters (api::Stats) and the process's figures in
// Prometheus' text exposition format 0.0.4; docs/metrics.md lists every metric.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/emulator.h"

namespace cte::api {

// What every answer of /metrics is, whatever the request's Accept header asks for.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The process's own figures, under the names every Prometheus client library gives them.
struct ProcessSample {
  double cpu_seconds = 0;  // User and system.
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;
  double start_time_seconds = 0;  // Since the Unix epoch.
};

// The page: per queue (label `queue`, the full name) its counters, gauges and histograms, then
// the store's histograms, then the process's figures when given. Each family has its HELP and
// TYPE lines and all its samples together. Thread-safe; about 6 KB a queue.
std::string MetricsText(const Stats& stats, const std::optional<ProcessSample>& process);

}  // namespace cte::api
