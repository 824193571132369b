// The field readers of the scenario file; see scenario_fields.h.
#include "experiment/scenario_fields.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/time_util.h"

namespace cte::experiment {

using core::Status;

Status FieldError(const std::string& path, std::string_view what) {
  return core::InvalidArgument(path + ": " + std::string(what));
}

std::string Sub(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status CheckObject(const Json& j, const std::string& path,
                   std::initializer_list<std::string_view> allowed) {
  if (!j.is_object()) return FieldError(path, "must be an object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return FieldError(Sub(path, key), "unknown field");
    }
  }
  return Status::Ok();
}

Status CheckArray(const Json& j, const std::string& path) {
  return j.is_array() ? Status::Ok() : FieldError(path, "must be an array");
}

const Json* Find(const Json& j, std::string_view key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

core::Result<const Json*> Require(const Json& j, const std::string& path, std::string_view key) {
  const Json* v = Find(j, key);
  if (v == nullptr) return FieldError(Sub(path, key), "required");
  return v;
}

Status ReadDuration(const Json& j, const std::string& path, Lower lower, core::Duration& out) {
  std::optional<core::Duration> d;
  if (j.is_string()) d = core::ParseDuration(j.get_ref<const std::string&>());
  if (!d) return FieldError(path, "must be a duration such as \"1.5s\"");
  if (lower == Lower::kPositive && d->count() <= 0) {
    return FieldError(path, "must be greater than 0");
  }
  if (d->count() < 0) return FieldError(path, "must not be negative");
  if (*d > kMaxScenarioDuration) {
    return FieldError(path, "must be at most " + core::FormatDuration(kMaxScenarioDuration));
  }
  out = *d;
  return Status::Ok();
}

Status ReadNumber(const Json& j, const std::string& path, double& out) {
  if (!j.is_number()) return FieldError(path, "must be a number");
  out = j.get<double>();
  // nlohmann reads 1e999 as infinity.
  if (!std::isfinite(out)) return FieldError(path, "must be a finite number");
  return Status::Ok();
}

Status ReadProbability(const Json& j, const std::string& path, double& out) {
  CTE_RETURN_IF_ERROR(ReadNumber(j, path, out));
  if (out < 0 || out > 1) return FieldError(path, "must be between 0 and 1");
  return Status::Ok();
}

Status ReadInteger(const Json& j, const std::string& path, int64_t min, int64_t max, int64_t& out) {
  // Whole numbers written as 1e4 or 10000.0 count: proto3 JSON reads them as integers too.
  double d = j.is_number() ? j.get<double>() : 0.5;
  if (!j.is_number_integer() && !(std::isfinite(d) && d == std::floor(d))) {
    return FieldError(path, "must be an integer");
  }
  int64_t v;
  if (j.is_number_unsigned()) {
    v = static_cast<int64_t>(
        std::min<uint64_t>(j.get<uint64_t>(), std::numeric_limits<int64_t>::max()));
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else {
    v = static_cast<int64_t>(std::clamp(d, -9e18, 9e18));
  }
  if (v < min) {
    return FieldError(path, min == 0   ? "must not be negative"
                            : min == 1 ? "must be greater than 0"
                                       : "must be at least " + std::to_string(min));
  }
  if (v > max) return FieldError(path, "must be at most " + std::to_string(max));
  out = v;
  return Status::Ok();
}

}  // namespace cte::experiment
