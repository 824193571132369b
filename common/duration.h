// Durations as people write them, Go's time.ParseDuration forms ("90s", "1.5s", "30m", "1h30m",
// "250ms", "0"), plus "d" for days: what the emulator's flags, the harness API
// (/emulator/v1) and the tools all accept. (The Cloud Tasks API itself takes Google's "1800s"
// only; see core::ParseDuration.)
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cte {

// Non-negative only; nullopt for anything else, or past what int64 nanoseconds hold.
std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

}  // namespace cte
