#include "experiment/sim_pusher.h"

#include <charconv>
#include <utility>

namespace cte::experiment {

using core::PushResult;

namespace {

PushResult ResultOf(const Answer& answer) {
  PushResult r;
  switch (answer.kind) {
    case Answer::Kind::kStatus:
      r.outcome = PushResult::Outcome::kResponse;
      r.http_status = answer.status;
      r.retry_after = answer.retry_after;
      break;
    case Answer::Kind::kReset:
      r.error = "connection reset by the worker";
      break;
    case Answer::Kind::kRefuse:
      r.error = "connection refused";
      break;
    case Answer::Kind::kTimeout:
      break;  // Never delivered: the dispatch deadline ends the attempt.
  }
  return r;
}

}  // namespace

SimPusher::SimPusher(const core::Clock& clock, core::TimePoint start)
    : clock_(clock), start_(start) {}

void SimPusher::AddWorker(const std::string& url, const WorkerModel& worker, uint64_t seed) {
  workers_.insert_or_assign(url, WorkerDraw(worker, seed));
}

uint64_t SimPusher::Push(core::PushRequest request, std::function<void(PushResult)> done) {
  uint64_t id = ++last_id_;
  // The worker has the request once its delay is over (PushRequest::delay is in simulated time
  // here: the clock is manual): its outages are looked up then, and its latency runs from then.
  core::TimePoint received = clock_.Now() + request.delay;
  auto worker = workers_.find(request.url);
  if (worker == workers_.end()) {
    PushResult refused;
    refused.error = "no modelled worker at " + request.url;
    pending_.emplace(id, Pending{std::move(done), std::move(refused)});
    due_.push({received, ++seq_, id});
    return id;
  }
  // Keyed by the task and attempt, as the live worker draws it (see WorkerDraw::Next).
  std::string_view task, retries;
  for (const auto& [name, value] : request.headers) {
    if (name == "X-CloudTasks-TaskName") task = value;
    if (name == "X-CloudTasks-TaskRetryCount") retries = value;
  }
  int attempt = 1;
  std::from_chars(retries.data(), retries.data() + retries.size(), attempt);
  Reply reply = worker->second.Next(received - start_, task, retries.empty() ? 1 : attempt + 1);
  pending_.emplace(id, Pending{std::move(done), ResultOf(reply.answer)});
  if (reply.answer.kind != Answer::Kind::kTimeout) due_.push({received + reply.after, ++seq_, id});
  return id;
}

void SimPusher::Cancel(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  it->second.result = PushResult();
  it->second.result.error = "cancelled";
  due_.push({clock_.Now(), ++seq_, id});  // Its done runs with the next delivery, never here.
}

std::optional<core::TimePoint> SimPusher::NextAnswer() const {
  if (due_.empty()) return std::nullopt;
  return due_.top().at;
}

int SimPusher::DeliverDue(core::TimePoint now) {
  int delivered = 0;
  while (!due_.empty() && due_.top().at <= now) {
    uint64_t id = due_.top().id;
    due_.pop();
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;  // Answered already (a cancel raced its answer).
    Pending p = std::move(it->second);
    pending_.erase(it);
    p.done(std::move(p.result));
    ++delivered;
  }
  return delivered;
}

}  // namespace cte::experiment
