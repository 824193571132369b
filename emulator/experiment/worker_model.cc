#include "experiment/worker_model.h"

#include <algorithm>
#include <cassert>

#include "core/random.h"

namespace cte::experiment {

using core::Duration;

WorkerDraw::WorkerDraw(const WorkerModel& model, uint64_t seed)
    : model_(model), seed_(seed), random_(seed) {
  assert(std::is_sorted(model_.outages.begin(), model_.outages.end(),
                        [](const Outage& a, const Outage& b) { return a.from < b.from; }));
}

Reply WorkerDraw::Next(Duration since_start) { return Draw(since_start, random_); }

Reply WorkerDraw::Next(Duration since_start, std::string_view task, int attempt) {
  std::mt19937_64 random(core::MixKey(seed_, task, static_cast<uint64_t>(attempt)));
  return Draw(since_start, random);
}

Reply WorkerDraw::Draw(Duration since_start, std::mt19937_64& random) const {
  // The first outage that has not ended yet; outages are sorted and do not overlap.
  auto outage = std::partition_point(model_.outages.begin(), model_.outages.end(),
                                     [&](const Outage& o) { return o.to <= since_start; });
  if (outage != model_.outages.end() && outage->from <= since_start) {
    return Reply{outage->answer, Duration(0)};
  }
  // One number for the latency whatever its shape, so that the draws after it do not depend on
  // the shape.
  const Duration latency = core::DrawLatency(model_.latency, random());
  const double u = core::UnitDouble(random());
  double cumulative = 0;
  for (const Failure& failure : model_.failures) {
    cumulative += failure.probability;
    if (u < cumulative) {
      bool never = failure.answer.kind == Answer::Kind::kTimeout;
      return Reply{failure.answer, never ? Duration::max() : latency};
    }
  }
  return Reply{Answer{}, latency};
}

}  // namespace cte::experiment
