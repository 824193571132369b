// Reads queues[].worker and latency shapes of the scenario file; see scenario_fields.h.
#include <algorithm>

#include "experiment/scenario_fields.h"

namespace cte::experiment {

namespace {

using core::Duration;
using core::Status;

// Floating-point sums of probabilities such as 0.1 + 0.2 + 0.7 land a hair above 1.
constexpr double kProbabilitySlack = 1e-9;

Status ReadHttpStatus(const Json& j, const std::string& path, int& out) {
  int64_t status = 0;
  if (!j.is_number() || !ReadInteger(j, path, 100, 599, status).ok()) {
    return FieldError(path, "must be an HTTP status between 100 and 599");
  }
  out = static_cast<int>(status);
  return Status::Ok();
}

Status ReadFailureAnswer(const Json& j, const std::string& path, Answer& out) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "timeout" || s == "reset") {
      out.kind = s == "timeout" ? Answer::Kind::kTimeout : Answer::Kind::kReset;
      out.status = 0;
      return Status::Ok();
    }
    return FieldError(path, "must be an HTTP status, \"timeout\" or \"reset\"");
  }
  out.kind = Answer::Kind::kStatus;
  return ReadHttpStatus(j, path, out.status);
}

// `retryAfter`, read after the answer it goes with.
Status ReadRetryAfter(const Json& j, const std::string& path, Answer& out) {
  const Json* retry_after = Find(j, "retryAfter");
  if (retry_after == nullptr) return Status::Ok();
  std::string field = Sub(path, "retryAfter");
  if (out.kind != Answer::Kind::kStatus || (out.status != 429 && out.status != 503)) {
    return FieldError(field, "only with status 429 or 503");
  }
  Duration d{0};
  CTE_RETURN_IF_ERROR(ReadDuration(*retry_after, field, Lower::kNonNegative, d));
  out.retry_after = d;
  return Status::Ok();
}

Status ReadFailure(const Json& j, const std::string& path, Failure& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"status", "probability", "retryAfter"}));
  auto status = Require(j, path, "status");
  if (!status.ok()) return status.status();
  CTE_RETURN_IF_ERROR(ReadFailureAnswer(**status, Sub(path, "status"), out.answer));
  auto probability = Require(j, path, "probability");
  if (!probability.ok()) return probability.status();
  CTE_RETURN_IF_ERROR(ReadProbability(**probability, Sub(path, "probability"), out.probability));
  return ReadRetryAfter(j, path, out.answer);
}

Status ReadFailures(const Json& j, const std::string& path, std::vector<Failure>& out) {
  CTE_RETURN_IF_ERROR(CheckArray(j, path));
  double sum = 0;
  for (size_t i = 0; i < j.size(); ++i) {
    CTE_RETURN_IF_ERROR(ReadFailure(j[i], Index(path, i), out.emplace_back()));
    sum += out.back().probability;
  }
  if (sum > 1 + kProbabilitySlack) return FieldError(path, "probabilities add up to more than 1");
  return Status::Ok();
}

Status ReadOutageAnswer(const Json& j, const std::string& path, Answer& out) {
  const Json* status = Find(j, "status");
  const Json* refuse = Find(j, "refuse");
  if ((status == nullptr) == (refuse == nullptr)) {
    return FieldError(path, "give one of status or refuse");
  }
  if (refuse != nullptr) {
    if (!refuse->is_boolean() || !refuse->get<bool>()) {
      return FieldError(Sub(path, "refuse"), "must be true");
    }
    out.kind = Answer::Kind::kRefuse;
    out.status = 0;
    return Status::Ok();
  }
  out.kind = Answer::Kind::kStatus;
  return ReadHttpStatus(*status, Sub(path, "status"), out.status);
}

Status ReadOutage(const Json& j, const std::string& path, Outage& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"from", "to", "status", "refuse", "retryAfter"}));
  for (auto [key, value] : {std::pair{"from", &out.from}, std::pair{"to", &out.to}}) {
    auto field = Require(j, path, key);
    if (!field.ok()) return field.status();
    CTE_RETURN_IF_ERROR(ReadDuration(**field, Sub(path, key), Lower::kNonNegative, *value));
  }
  if (out.to <= out.from) return FieldError(Sub(path, "to"), "must be after from");
  CTE_RETURN_IF_ERROR(ReadOutageAnswer(j, path, out.answer));
  return ReadRetryAfter(j, path, out.answer);
}

Status ReadOutages(const Json& j, const std::string& path, std::vector<Outage>& out) {
  CTE_RETURN_IF_ERROR(CheckArray(j, path));
  for (size_t i = 0; i < j.size(); ++i) {
    CTE_RETURN_IF_ERROR(ReadOutage(j[i], Index(path, i), out.emplace_back()));
    // Windows are [from, to): one may start where another ends.
    for (size_t k = 0; k < i; ++k) {
      if (out[i].from < out[k].to && out[k].from < out[i].to) {
        return FieldError(Index(path, i), "overlaps " + Index(path, k));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Outage& a, const Outage& b) { return a.from < b.from; });
  return Status::Ok();
}

Status ReadUniform(const Json& j, const std::string& path, Latency::Uniform& out) {
  if (!j.is_array() || j.size() != 2) return FieldError(path, "must be [MIN, MAX]");
  CTE_RETURN_IF_ERROR(ReadDuration(j[0], Index(path, 0), Lower::kNonNegative, out.min));
  CTE_RETURN_IF_ERROR(ReadDuration(j[1], Index(path, 1), Lower::kNonNegative, out.max));
  if (out.min > out.max) return FieldError(path, "min is greater than max");
  return Status::Ok();
}

Status ReadLogNormal(const Json& j, const std::string& path, Latency::LogNormal& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"p50", "p99"}));
  for (auto [key, value] : {std::pair{"p50", &out.p50}, std::pair{"p99", &out.p99}}) {
    auto field = Require(j, path, key);
    if (!field.ok()) return field.status();
    CTE_RETURN_IF_ERROR(ReadDuration(**field, Sub(path, key), Lower::kPositive, *value));
  }
  if (out.p99 < out.p50) return FieldError(Sub(path, "p99"), "must not be less than p50");
  return Status::Ok();
}

}  // namespace

Status ReadLatency(const Json& j, const std::string& path, Latency& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"fixed", "uniform", "lognormal"}));
  if (j.size() != 1) return FieldError(path, "give one of fixed, uniform or lognormal");
  if (const Json* fixed = Find(j, "fixed")) {
    auto& shape = Become<Latency::Fixed>(out.shape);
    return ReadDuration(*fixed, Sub(path, "fixed"), Lower::kNonNegative, shape.value);
  }
  if (const Json* uniform = Find(j, "uniform")) {
    return ReadUniform(*uniform, Sub(path, "uniform"), Become<Latency::Uniform>(out.shape));
  }
  return ReadLogNormal(j["lognormal"], Sub(path, "lognormal"),
                       Become<Latency::LogNormal>(out.shape));
}

Status ReadWorker(const Json& j, const std::string& path, WorkerModel& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"latency", "failures", "outages"}));
  if (const Json* latency = Find(j, "latency")) {
    CTE_RETURN_IF_ERROR(ReadLatency(*latency, Sub(path, "latency"), out.latency));
  }
  if (const Json* failures = Find(j, "failures")) {
    CTE_RETURN_IF_ERROR(ReadFailures(*failures, Sub(path, "failures"), out.failures));
  }
  if (const Json* outages = Find(j, "outages")) {
    CTE_RETURN_IF_ERROR(ReadOutages(*outages, Sub(path, "outages"), out.outages));
  }
  return Status::Ok();
}

}  // namespace cte::experiment
