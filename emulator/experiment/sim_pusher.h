// SimPusher: the Pusher of a simulated run. It sends nothing: each request's answer comes from
// the modelled worker of its queue and is delivered as an event at the simulated time it would
// arrive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/pusher.h"
#include "experiment/worker_model.h"

namespace cte::experiment {

// Not thread-safe: the simulation's one thread owns it.
class SimPusher final : public core::Pusher {
 public:
  // `clock` must outlive the pusher; `start` is when the run began (outages count from it).
  SimPusher(const core::Clock& clock, core::TimePoint start);

  // Requests to `url` are answered by `worker` (drawn with `seed`).
  void AddWorker(const std::string& url, const WorkerModel& worker, uint64_t seed);

  // core::Pusher. The worker receives the request `request.delay` (simulated time) after the
  // push, and its answer comes its latency after that. A request to a URL with no worker fails
  // with a connection error, once its delay is over.
  uint64_t Push(core::PushRequest request, std::function<void(core::PushResult)> done) override;
  void Cancel(uint64_t id) override;

  // When the next answer is due; nullopt when none is pending.
  std::optional<core::TimePoint> NextAnswer() const;
  // Delivers every answer due at or before `now` (calls their `done`), oldest first. Returns how
  // many it delivered.
  int DeliverDue(core::TimePoint now);
  // Requests sent and not answered yet (requests that will time out included).
  size_t Outstanding() const { return pending_.size(); }

 private:
  struct Pending {
    std::function<void(core::PushResult)> done;
    core::PushResult result;
  };
  struct Due {
    core::TimePoint at;
    uint64_t seq;  // Answers due at the same time come in the order they were made.
    uint64_t id;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  const core::Clock& clock_;
  core::TimePoint start_;
  std::map<std::string, WorkerDraw> workers_;
  std::unordered_map<uint64_t, Pending> pending_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  uint64_t last_id_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace cte::experiment
