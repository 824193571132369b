// Imperfections: Cloud Tasks' own departures from a perfect queue, which a user may ask the
// emulator to reproduce (off by default): second deliveries of an attempt (Cloud Tasks delivers
// at least once) and extra delay before a dispatch (when it throttles itself); and the seeded
// draw that decides what they do to each attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/latency.h"

namespace cte::core {

struct Imperfections {
  // Each attempt is delivered a second time with this probability, in [0, 1].
  double duplicate_rate = 0;
  // Drawn for each delivery and waited before it goes out; nullopt: none.
  std::optional<Latency> extra_delay;

  // Whether any is asked for. With none, nothing is drawn and dispatch is exactly as without.
  bool Any() const { return duplicate_rate > 0 || extra_delay.has_value(); }
};

// What the imperfections do to one attempt.
struct AttemptImperfection {
  Duration delay{0};            // Waited before the delivery goes out.
  bool duplicate = false;       // The attempt is delivered a second time.
  Duration duplicate_delay{0};  // Waited before the second delivery goes out.
};

// Draws what happens to attempt `attempt` (1 for the first) of task `task` (its full name) from
// (seed, task, attempt) alone: the same in any order, on any machine, in every run with that
// seed. The duplicate and each delay take numbers of their own, so a change of duplicate_rate
// moves no delay. Requires: an `imperfections` whose extra delay DrawLatency accepts.
AttemptImperfection DrawImperfection(const Imperfections& imperfections, uint64_t seed,
                                     std::string_view task, int attempt);

}  // namespace cte::core
