// The process's own figures for /metrics, read from /proc as Prometheus' client libraries do.
#pragma once

#include "api/metrics_text.h"

namespace cte::app {

// CPU time, memory, file descriptors and start time of this process; a figure that cannot be
// read is 0. Thread-safe; reads a few small /proc files and lists /proc/self/fd.
api::ProcessSample SampleProcess();

}  // namespace cte::app
