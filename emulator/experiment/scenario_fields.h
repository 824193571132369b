// The field readers of the scenario file, shared by scenario.cc, scenario_phases.cc and
// scenario_worker.cc. Private to experiment/. Every error is INVALID_ARGUMENT "PATH: what is
// wrong", PATH being the JSON path of the field ("queues[0].worker.failures[1].probability").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "experiment/scenario.h"

namespace cte::experiment {

using Json = nlohmann::json;

// Makes `v` hold a T and returns it. Unlike v.emplace<T>(), this compiles for the first
// alternative of ArrivalPhase::shape and Latency::shape (see ArrivalPhase::shape).
template <typename T, typename Variant>
T& Become(Variant& v) {
  v = T{};
  return std::get<T>(v);
}

// INVALID_ARGUMENT "PATH: WHAT".
core::Status FieldError(const std::string& path, std::string_view what);

// "queues[0]" + "worker" -> "queues[0].worker"; "" + "name" -> "name".
std::string Sub(const std::string& path, std::string_view key);
// "queues" + 2 -> "queues[2]".
std::string Index(const std::string& path, size_t i);

// Checks that `j` is an object whose keys are all in `allowed` ("PATH.KEY: unknown field").
core::Status CheckObject(const Json& j, const std::string& path,
                         std::initializer_list<std::string_view> allowed);
// Checks that `j` is an array ("PATH: must be an array").
core::Status CheckArray(const Json& j, const std::string& path);

// The member `key` of object `j`, or nullptr when it is not there.
const Json* Find(const Json& j, std::string_view key);
// The member `key`, or "PATH.KEY: required".
core::Result<const Json*> Require(const Json& j, const std::string& path, std::string_view key);

// How a Duration may be bounded below.
enum class Lower { kNonNegative, kPositive };

// A proto3 JSON Duration string, at least 0 (or more than 0) and at most kMaxScenarioDuration.
core::Status ReadDuration(const Json& j, const std::string& path, Lower lower, core::Duration& out);
// A finite JSON number.
core::Status ReadNumber(const Json& j, const std::string& path, double& out);
// A JSON number in [0, 1].
core::Status ReadProbability(const Json& j, const std::string& path, double& out);
// A JSON integer in [min, max].
core::Status ReadInteger(const Json& j, const std::string& path, int64_t min, int64_t max,
                         int64_t& out);

// A latency shape: {"fixed": D}, {"uniform": [MIN, MAX]} or {"lognormal": {"p50": D, "p99": D}}.
core::Status ReadLatency(const Json& j, const std::string& path, Latency& out);

// queues[i].worker; `path` is "queues[i].worker".
core::Status ReadWorker(const Json& j, const std::string& path, WorkerModel& out);

// The whole of `file`; INVALID_ARGUMENT with the OS's reason ("No such file or directory") as the
// message when it cannot be read.
core::Result<std::string> ReadTextFile(const std::string& file);

// queues[i].arrivals[]; CSV paths are resolved against `base_dir`.
core::Status ReadArrivals(const Json& j, const std::string& path, const std::string& base_dir,
                          std::vector<ArrivalPhase>& out);

}  // namespace cte::experiment
