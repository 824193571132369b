// Reads queues[].arrivals[] of the scenario file, CSV files included; see scenario_fields.h.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/time_util.h"
#include "experiment/scenario_fields.h"

namespace cte::experiment {

namespace {

using core::Duration;
using core::Status;

std::string TooManyTasks() {
  return "gives more than " + std::to_string(kMaxTasksPerPhase) + " tasks";
}

// One line of an arrivals CSV: seconds from `at`, written as a Duration without its "s", so that
// "0.000001" is exactly one microsecond.
std::optional<Duration> ParseOffsetLine(std::string_view line) {
  if (line.empty() || line[0] == '-') return std::nullopt;
  std::optional<Duration> d = core::ParseDuration(std::string(line) + "s");
  if (!d || *d > kMaxScenarioDuration) return std::nullopt;
  return d;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Blank lines are skipped; any other line must be an offset. `name` is the file as the scenario
// gives it, for messages.
Status ParseCsv(std::string_view text, const std::string& path, const std::string& name,
                std::vector<Duration>& out) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // A UTF-8 byte order mark.
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty()) continue;
    std::optional<Duration> offset = ParseOffsetLine(line);
    if (!offset) {
      return FieldError(path, "\"" + name + "\" line " + std::to_string(line_number) + ": \"" +
                                  std::string(line) +
                                  "\" is not a number of seconds between 0 and " +
                                  std::to_string(kMaxScenarioDuration.count() / 1'000'000'000));
    }
    if (static_cast<int64_t>(out.size()) == kMaxTasksPerPhase) {
      return FieldError(path, "\"" + name + "\" " + TooManyTasks());
    }
    out.push_back(*offset);
  }
  if (out.empty()) return FieldError(path, "\"" + name + "\" has no arrival offsets");
  std::sort(out.begin(), out.end());
  return Status::Ok();
}

Status ReadCsv(const Json& j, const std::string& path, const std::string& base_dir,
               ArrivalPhase::Csv& out) {
  if (!j.is_string() || j.get_ref<const std::string&>().empty()) {
    return FieldError(path, "must be a file name");
  }
  const std::string& name = j.get_ref<const std::string&>();
  std::filesystem::path file(name);
  if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
  out.path = file.string();
  core::Result<std::string> text = ReadTextFile(out.path);
  if (!text.ok()) {
    return FieldError(path, "cannot read \"" + name + "\": " + text.status().message());
  }
  return ParseCsv(*text, path, name, out.offsets);
}

Status ReadCount(const Json& phase, const std::string& path, ArrivalPhase::Count& out) {
  CTE_RETURN_IF_ERROR(
      ReadInteger(phase["count"], Sub(path, "count"), 1, kMaxTasksPerPhase, out.count));
  if (const Json* over = Find(phase, "over")) {
    CTE_RETURN_IF_ERROR(ReadDuration(*over, Sub(path, "over"), Lower::kNonNegative, out.over));
  }
  return Status::Ok();
}

double Seconds(Duration d) { return static_cast<double>(d.count()) / 1e9; }

Status ReadRate(const Json& phase, const std::string& path, ArrivalPhase::Rate& out) {
  CTE_RETURN_IF_ERROR(ReadNumber(phase["rate"], Sub(path, "rate"), out.rate));
  if (out.rate <= 0) return FieldError(Sub(path, "rate"), "must be greater than 0");
  auto duration = Require(phase, path, "for");
  if (!duration.ok()) return duration.status();
  CTE_RETURN_IF_ERROR(ReadDuration(**duration, Sub(path, "for"), Lower::kPositive, out.duration));
  if (out.rate * Seconds(out.duration) > static_cast<double>(kMaxTasksPerPhase)) {
    return FieldError(path,
                      "rate for " + core::FormatDuration(out.duration) + " " + TooManyTasks());
  }
  return Status::Ok();
}

Status ReadRamp(const Json& j, const std::string& path, ArrivalPhase::Ramp& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"from", "to", "for"}));
  for (auto [key, value] : {std::pair{"from", &out.from}, std::pair{"to", &out.to}}) {
    auto field = Require(j, path, key);
    if (!field.ok()) return field.status();
    CTE_RETURN_IF_ERROR(ReadNumber(**field, Sub(path, key), *value));
    if (*value < 0) return FieldError(Sub(path, key), "must not be negative");
  }
  if (out.from == 0 && out.to == 0) return FieldError(path, "from and to cannot both be 0");
  auto duration = Require(j, path, "for");
  if (!duration.ok()) return duration.status();
  CTE_RETURN_IF_ERROR(ReadDuration(**duration, Sub(path, "for"), Lower::kPositive, out.duration));
  if ((out.from + out.to) / 2 * Seconds(out.duration) > static_cast<double>(kMaxTasksPerPhase)) {
    return FieldError(path, TooManyTasks());
  }
  return Status::Ok();
}

Status ReadPhase(const Json& j, const std::string& path, const std::string& base_dir,
                 ArrivalPhase& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"at", "count", "over", "rate", "for", "ramp", "csv"}));
  int shapes = 0;
  for (const char* key : {"count", "rate", "ramp", "csv"}) shapes += j.contains(key) ? 1 : 0;
  if (shapes != 1) return FieldError(path, "give one of count, rate, ramp or csv");
  if (j.contains("over") && !j.contains("count")) {
    return FieldError(Sub(path, "over"), "only with count");
  }
  if (j.contains("for") && !j.contains("rate")) {
    return FieldError(Sub(path, "for"), "only with rate");
  }
  if (const Json* at = Find(j, "at")) {
    CTE_RETURN_IF_ERROR(ReadDuration(*at, Sub(path, "at"), Lower::kNonNegative, out.at));
  }
  if (j.contains("count")) return ReadCount(j, path, Become<ArrivalPhase::Count>(out.shape));
  if (j.contains("rate")) return ReadRate(j, path, Become<ArrivalPhase::Rate>(out.shape));
  if (j.contains("ramp")) {
    return ReadRamp(j["ramp"], Sub(path, "ramp"), Become<ArrivalPhase::Ramp>(out.shape));
  }
  return ReadCsv(j["csv"], Sub(path, "csv"), base_dir, Become<ArrivalPhase::Csv>(out.shape));
}

}  // namespace

core::Result<std::string> ReadTextFile(const std::string& file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (f == nullptr) return core::InvalidArgument(std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f.get())) > 0) text.append(buffer, n);
  // A folder opens, then fails to read (EISDIR).
  if (std::ferror(f.get())) return core::InvalidArgument(std::strerror(errno));
  return text;
}

Status ReadArrivals(const Json& j, const std::string& path, const std::string& base_dir,
                    std::vector<ArrivalPhase>& out) {
  CTE_RETURN_IF_ERROR(CheckArray(j, path));
  if (j.empty()) return FieldError(path, "must not be empty");
  for (size_t i = 0; i < j.size(); ++i) {
    CTE_RETURN_IF_ERROR(ReadPhase(j[i], Index(path, i), base_dir, out.emplace_back()));
  }
  return Status::Ok();
}

}  // namespace cte::experiment
