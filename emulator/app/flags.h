// Command-line flags of cloud-tasks-emulator, each with an environment variable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app/app.h"
#include "core/clock.h"
#include "core/latency.h"
#include "core/status.h"

namespace cte::app {

// Parses --dispatch-jitter: "D" (uniform over [0, D]), "fixed:D", "uniform:MIN,MAX" or
// "lognormal:P50,P99", each duration as ParseGoDuration (common/duration.h) reads it and at most a
// year (core::kMaxLatency), MIN <= MAX, 0 < P50 <= P99. "0" (or any zero D): no jitter, nullopt.
// INVALID_ARGUMENT naming what is wrong.
core::Result<std::optional<core::Latency>> ParseDispatchJitter(std::string_view text);

// Lifts the soft limit on open files to the hard one: a queue may hold 5000 requests in flight,
// each on its own connection (and a worker may take as many).
void RaiseOpenFileLimit();

struct FlagsResult {
  std::optional<AppOptions> options;  // Set when the emulator should start.
  int exit_code = 0;                  // Otherwise: 0 after --help, 2 after a bad flag.
};

// Parses argv (and the CLOUD_TASKS_EMULATOR_* environment). Prints --help to stdout, or a
// one-line error to stderr.
FlagsResult ParseFlags(int argc, char** argv);

}  // namespace cte::app
