#include "core/time_util.h"

#include <cstdio>

namespace cte::core {

namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::floor;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;

// Appends `v` (0 <= v < 10^width) as exactly `width` digits. snprintf took most of the time of
// a CreateTask answer's two timestamps.
void AppendDigits(std::string& out, int64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

// Writes the fraction of `nanos` (0..999'999'999) with 0, 3, 6 or 9 digits.
void AppendFraction(std::string& out, int64_t nanos) {
  if (nanos == 0) return;
  out += '.';
  if (nanos % 1'000'000 == 0) {
    AppendDigits(out, nanos / 1'000'000, 3);
  } else if (nanos % 1000 == 0) {
    AppendDigits(out, nanos / 1000, 6);
  } else {
    AppendDigits(out, nanos, 9);
  }
}

std::string FormatCivil(TimePoint t, bool with_fraction) {
  auto day = floor<days>(t);
  std::chrono::year_month_day ymd{sys_days(day)};
  auto since_midnight = duration_cast<nanoseconds>(t - day);
  int64_t secs = duration_cast<seconds>(since_midnight).count();
  int year = static_cast<int>(ymd.year());
  std::string out;
  out.reserve(40);
  if (year >= 0 && year <= 9999) {
    AppendDigits(out, year, 4);
  } else {  // Not reachable with nanosecond time points (1678..2261); printf's way, as before.
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", year);
    out += buf;
  }
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  AppendDigits(out, secs / 3600, 2);
  out += ':';
  AppendDigits(out, secs / 60 % 60, 2);
  out += ':';
  AppendDigits(out, secs % 60, 2);
  if (with_fraction) AppendFraction(out, (since_midnight - seconds(secs)).count());
  return out;
}

bool ReadDigits(std::string_view& s, size_t n, int& out) {
  if (s.size() < n) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return true;
}

bool Expect(std::string_view& s, char c1, char c2 = 0) {
  if (s.empty() || (s[0] != c1 && (c2 == 0 || s[0] != c2))) return false;
  s.remove_prefix(1);
  return true;
}

// Reads ".ddddddddd" (1 to 9 digits) as nanoseconds; absent means 0.
bool ReadFraction(std::string_view& s, int64_t& nanos) {
  nanos = 0;
  if (s.empty() || s[0] != '.') return true;
  s.remove_prefix(1);
  int digits = 0;
  while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
    if (++digits > 9) return false;
    nanos = nanos * 10 + (s[0] - '0');
    s.remove_prefix(1);
  }
  if (digits == 0) return false;
  for (int i = digits; i < 9; ++i) nanos *= 10;
  return true;
}

}  // namespace

std::string FormatTimestamp(TimePoint t) {
  std::string out = FormatCivil(t, true);
  out += 'Z';
  return out;
}

std::string FormatPacificRfc3339(TimePoint t) {
  using namespace std::chrono;
  // US rules since 2007: PDT from the second Sunday of March, 02:00 PST (10:00 UTC), to the
  // first Sunday of November, 02:00 PDT (09:00 UTC).
  year y = year_month_day{floor<days>(t)}.year();
  TimePoint dst_start = sys_days(y / March / Sunday[2]) + hours(10);
  TimePoint dst_end = sys_days(y / November / Sunday[1]) + hours(9);
  bool dst = t >= dst_start && t < dst_end;
  hours offset = dst ? hours(-7) : hours(-8);
  return FormatCivil(floor<seconds>(t) + offset, false) + (dst ? "-07:00" : "-08:00");
}

std::optional<TimePoint> ParseTimestamp(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  int64_t nanos;
  if (!ReadDigits(s, 4, y) || !Expect(s, '-') || !ReadDigits(s, 2, mo) || !Expect(s, '-') ||
      !ReadDigits(s, 2, d) || !Expect(s, 'T', 't') || !ReadDigits(s, 2, h) || !Expect(s, ':') ||
      !ReadDigits(s, 2, mi) || !Expect(s, ':') || !ReadDigits(s, 2, sec) ||
      !ReadFraction(s, nanos)) {
    return std::nullopt;
  }
  int offset_minutes = 0;
  if (!s.empty() && (s[0] == 'Z' || s[0] == 'z')) {
    s.remove_prefix(1);
  } else if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh, om;
    if (!ReadDigits(s, 2, oh) || !Expect(s, ':') || !ReadDigits(s, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  // Nanosecond time points cover 1678..2261.
  if (!s.empty() || y < 1678 || y > 2261 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  auto tp = sys_days(ymd) + hours(h) + minutes(mi - offset_minutes) + seconds(sec);
  return TimePoint(duration_cast<TimePoint::duration>(tp.time_since_epoch()) + nanoseconds(nanos));
}

std::string FormatDuration(Duration d) {
  int64_t total = d.count();
  int64_t magnitude = total < 0 ? -total : total;
  std::string out = total < 0 ? "-" : "";
  out += std::to_string(magnitude / 1'000'000'000);
  AppendFraction(out, magnitude % 1'000'000'000);
  out += 's';
  return out;
}

std::optional<Duration> ParseDuration(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  int64_t secs = 0;
  int digits = 0;
  while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
    secs = secs * 10 + (s[0] - '0');
    // Nanosecond durations end near 292 years; nothing in Cloud Tasks comes close.
    if (++digits > 10 || secs > 9'000'000'000) return std::nullopt;
    s.remove_prefix(1);
  }
  int64_t nanos;
  if (digits == 0 || !ReadFraction(s, nanos) || s != "s") return std::nullopt;
  int64_t total = secs * 1'000'000'000 + nanos;
  return Duration(negative ? -total : total);
}

int64_t ToMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

}  // namespace cte::core
