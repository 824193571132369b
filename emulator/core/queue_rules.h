// Queue defaults and limits (spec section 4.2) and the derived max_burst_size (4.3).
#pragma once

#include <cstdint>

#include "core/model.h"
#include "core/status.h"

namespace cte::core {

inline constexpr double kMaxDispatchesPerSecondLimit = 500;
inline constexpr int32_t kMaxConcurrentDispatchesLimit = 5000;

// Checks the limits of spec 4.2 on a queue as the caller sent it (zero means "default").
// Returns INVALID_ARGUMENT with the real service's message for the first broken limit.
Status ValidateQueueLimits(const Queue& queue);

// Replaces unset (zero) settings with the defaults of a new queue, derives max_burst_size, and
// then checks that min_backoff <= max_backoff (INVALID_ARGUMENT otherwise). An empty httpTarget
// becomes none; one that is set must pass ValidateHttpTarget (core/http_target.h).
Status ApplyQueueDefaults(Queue& queue);

// Implements RateLimits.max_burst_size: derived from max_dispatches_per_second as
// clamp(ceil(rate), 1, 100), which gives 100 for the default 500/s (spec 4.3, unverified).
int32_t DeriveMaxBurstSize(double max_dispatches_per_second);

}  // namespace cte::core
