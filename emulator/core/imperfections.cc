#include "core/imperfections.h"

#include "core/random.h"

namespace cte::core {

namespace {

// Keeps these draws apart from any other draw keyed by the same seed, task and attempt (the
// experiments' modelled worker's).
constexpr uint64_t kSalt = 0x436c6f7564546173ULL;  // "CloudTas"

// The i-th number of the key's stream (SplitMix64's increment).
uint64_t Nth(uint64_t key, uint64_t i) { return Mix64(key + (i + 1) * 0x9e3779b97f4a7c15ULL); }

}  // namespace

AttemptImperfection DrawImperfection(const Imperfections& imperfections, uint64_t seed,
                                     std::string_view task, int attempt) {
  const uint64_t key = MixKey(seed ^ kSalt, task, static_cast<uint64_t>(attempt));
  AttemptImperfection out;
  out.duplicate = UnitDouble(Nth(key, 0)) < imperfections.duplicate_rate;
  if (imperfections.extra_delay) {
    out.delay = DrawLatency(*imperfections.extra_delay, Nth(key, 1));
    if (out.duplicate) out.duplicate_delay = DrawLatency(*imperfections.extra_delay, Nth(key, 2));
  }
  return out;
}

}  // namespace cte::core
