#include "core/time_util.h"

#include <doctest/doctest.h>

using namespace cte::core;
using namespace std::chrono;

TEST_CASE("timestamps print as RFC 3339 UTC with 0, 3, 6 or 9 fraction digits") {
  TimePoint t = sys_days(year(2026) / 11 / 29) + hours(20) + minutes(4) + seconds(5);
  CHECK(FormatTimestamp(t) == "2026-11-29T20:04:05Z");
  CHECK(FormatTimestamp(t + milliseconds(100)) == "2026-11-29T20:04:05.100Z");
  CHECK(FormatTimestamp(t + microseconds(110255)) == "2026-11-29T20:04:05.110255Z");
  CHECK(FormatTimestamp(t + nanoseconds(1)) == "2026-11-29T20:04:05.000000001Z");
}

TEST_CASE("timestamps parse with fractions and offsets") {
  TimePoint t = sys_days(year(2030) / 1 / 2) + hours(2) + minutes(4) + seconds(5);
  CHECK(ParseTimestamp("2030-01-02T02:04:05Z") == t);
  CHECK(ParseTimestamp("2030-01-02T03:04:05.123+01:00") == t + milliseconds(123));
  CHECK(ParseTimestamp("2030-01-01T21:04:05-05:00") == t);
  CHECK(ParseTimestamp("2030-01-02T02:04:05.5Z") == t + milliseconds(500));
  for (const char* bad :
       {"", "2030-01-02", "2030-01-02T02:04:05", "2030-13-02T02:04:05Z", "2030-02-30T02:04:05Z",
        "2030-01-02T02:04:05.1234567890Z", "2030-01-02T02:04:05+0100", "tomorrow"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseTimestamp(bad).has_value());
  }
}

TEST_CASE("US Pacific rendering follows daylight saving time") {
  TimePoint winter = sys_days(year(2026) / 12 / 31) + hours(8);
  CHECK(FormatPacificRfc3339(winter) == "2026-12-31T00:00:00-08:00");
  TimePoint summer = sys_days(year(2026) / 7 / 1) + hours(19) + milliseconds(250);
  CHECK(FormatPacificRfc3339(summer) == "2026-07-01T12:00:00-07:00");
}

TEST_CASE("durations print and parse as proto3 JSON") {
  CHECK(FormatDuration(seconds(600)) == "600s");
  CHECK(FormatDuration(milliseconds(100)) == "0.100s");
  CHECK(FormatDuration(milliseconds(1500)) == "1.500s");
  CHECK(FormatDuration(microseconds(1)) == "0.000001s");
  CHECK(FormatDuration(Duration(0)) == "0s");
  CHECK(ParseDuration("0.1s") == milliseconds(100));
  CHECK(ParseDuration("10s") == seconds(10));
  CHECK(ParseDuration("-1.5s") == milliseconds(-1500));
  for (const char* bad : {"30m", "1h", "s", "1.s", "1.0000000001s", "abc", "10", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
}
