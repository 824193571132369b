// Text forms of time used on the wire: RFC 3339 timestamps and proto3 JSON durations ("1.5s").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace cte::core {

// Formats as RFC 3339 in UTC with a "Z" suffix and 0, 3, 6 or 9 fractional digits (the fewest
// that represent the value exactly), as the proto3 JSON mapping writes Timestamp.
std::string FormatTimestamp(TimePoint t);

// Formats as RFC 3339 with a numeric offset and no fraction, in US Pacific time (PST/PDT), the way
// Cloud Tasks names a time inside some error messages.
std::string FormatPacificRfc3339(TimePoint t);

// Parses RFC 3339 ("2026-01-02T03:04:05.123Z", "...+01:00"), up to 9 fractional digits.
// Returns nullopt when the text is malformed or the date is out of the range 0001..9999.
std::optional<TimePoint> ParseTimestamp(std::string_view text);

// Formats a Duration as proto3 JSON does: seconds with 0, 3, 6 or 9 fractional digits and "s".
std::string FormatDuration(Duration d);

// Parses "<seconds>[.<fraction up to 9 digits>]s", optionally negative. nullopt when malformed.
std::optional<Duration> ParseDuration(std::string_view text);

// Microseconds since the epoch, the unit the store keeps times in.
int64_t ToMicros(TimePoint t);
TimePoint FromMicros(int64_t us);

}  // namespace cte::core
