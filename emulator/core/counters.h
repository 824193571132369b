// Counters: what the emulator counts as it runs (per queue: tasks created, attempts and how they
// ended, their latencies; the store's commits), kept as events happen so that reading them costs
// nothing: /emulator/v1/stats and /metrics (docs/metrics.md) read them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/attempt_log.h"
#include "core/clock.h"

namespace cte::core {

// Bucket bounds: inclusive upper bounds, ascending; microseconds for times.
inline constexpr std::array<int64_t, 14> kDispatchLatencyBoundsUs = {
    5'000,     10'000,    25'000,    50'000,     100'000,    250'000,    500'000,
    1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000, 600'000'000};
inline constexpr std::array<int64_t, 11> kScheduleLagBoundsUs = {
    1'000,     5'000,     10'000,     50'000,     100'000,    500'000,
    1'000'000, 5'000'000, 10'000'000, 60'000'000, 600'000'000};
inline constexpr std::array<int64_t, 12> kCommitLatencyBoundsUs = {
    100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};
inline constexpr std::array<int64_t, 11> kBatchSizeBounds = {1,  2,   4,   8,   16,  32,
                                                             64, 128, 256, 512, 1024};
inline constexpr size_t kMaxBuckets = 16;

// Observations sorted into the buckets of one set of bounds (kept by the user, never stored),
// plus one bucket above them all. Not cumulative: Prometheus' form is made when written.
struct Histogram {
  std::array<int64_t, kMaxBuckets + 1> counts{};  // [i]: values <= bounds[i], > bounds[i - 1].
  int64_t sum = 0;

  // Adds `value` (sign 1), or takes it back (sign -1). Requires: bounds.size() <= kMaxBuckets.
  void Add(std::span<const int64_t> bounds, int64_t value, int sign);
  int64_t Count() const;
};

// How an attempt ended: as its attempt log entry says, a response by the class of its status.
enum class AttemptEnd : uint8_t {
  k2xx,
  k3xx,
  k4xx,
  k5xx,
  kOtherStatus,  // A status outside 200-599.
  kDeadlineExceeded,
  kConnectionError,
  kDiscarded,  // Its task was deleted, purged or sent again by RunTask meanwhile.
};
inline constexpr size_t kAttemptEnds = 8;

// The AttemptEnd of a finished attempt log entry (not kInFlight).
AttemptEnd AttemptEndOf(const AttemptLogEntry& entry);

// One change to a queue's counters: applied with sign 1 when it happens, with -1 when the
// transaction it happened in is undone.
struct QueueEvent {
  enum class Kind : uint8_t { kCreated, kSent, kEnded };
  enum class Verdict : uint8_t { kNone, kSucceeded, kRetried, kGivenUp };
  Kind kind = Kind::kCreated;
  Duration time{0};  // kSent: its schedule lag; kEnded: its latency (not kept for kDiscarded).
  AttemptEnd end = AttemptEnd::kDiscarded;  // kEnded.
  Verdict verdict = Verdict::kNone;         // kEnded: what the attempt made of its task.
};

// One queue's, since it was loaded (the emulator started, or a reset). Not thread-safe.
struct QueueCounters {
  int64_t created = 0;     // Tasks created.
  int64_t dispatched = 0;  // Attempts sent (second deliveries of --duplicate-rate not counted).
  std::array<int64_t, kAttemptEnds> ended{};  // Attempts ended, by AttemptEnd.
  int64_t succeeded = 0;                      // Tasks deleted after a 2xx.
  int64_t retried = 0;                        // Failed attempts whose task was scheduled again.
  int64_t given_up = 0;                       // Tasks deleted after their last failed attempt.
  Histogram dispatch_latency;                 // kDispatchLatencyBoundsUs: request sent to its end.
  Histogram schedule_lag;  // kScheduleLagBoundsUs: schedule time to sent (emulator time).

  void Apply(const QueueEvent& event, int sign);
};

// The store's: owned by the thread that owns the store.
struct StoreCounters {
  Histogram commit_latency;  // kCommitLatencyBoundsUs: each COMMIT that succeeded.
  Histogram batch_size;      // kBatchSizeBounds: the jobs of each executor batch.
};

}  // namespace cte::core
