// How the dispatcher sends a task, and keeps track of the requests in flight; see dispatcher.h.
#include <algorithm>

#include "core/app_engine_target.h"
#include "core/messages.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_state.h"

namespace cte::dispatch {

using core::AttemptLogEntry;
using core::Result;
using core::Status;
using core::TimePoint;

namespace {

std::string QueueOf(const std::string& task_name) {
  return task_name.substr(0, task_name.rfind("/tasks/"));
}

}  // namespace

void Dispatcher::Track(const std::string& task_name, Flight flight) {
  if (QueueState* q = Find(flight.queue)) ++q->in_flight;
  deadlines_.emplace(flight.deadline, task_name);
  flights_[task_name] = std::move(flight);
}

Dispatcher::Flight Dispatcher::Untrack(Flights::iterator it) {
  if (QueueState* q = Find(it->second.queue)) {
    --q->in_flight;
    WakeAt(*q, clock_.Now());  // It may have waited for room.
  }
  deadlines_.erase({it->second.deadline, it->first});
  Flight flight = std::move(it->second);
  flights_.erase(it);
  WakeBlocked();
  return flight;
}

void Dispatcher::Forget(Flights::iterator it) {
  std::string name = it->first;
  store_.OnRollback([this, alive = alive_, name, flight = Untrack(it)]() mutable {
    if (*alive) Track(name, std::move(flight));
  });
}

void Dispatcher::CancelOnCommit(const Flight& flight) {
  if (!flight.push_id) return;
  store_.OnCommit([this, alive = alive_, id = *flight.push_id] {
    if (*alive) pusher_.Cancel(id);
  });
}

void Dispatcher::Count(const std::string& queue, const core::QueueEvent& event) {
  QueueState* q = Find(queue);
  if (q == nullptr) return;
  q->counters.Apply(event, 1);
  store_.OnRollback([this, alive = alive_, queue, event] {
    if (!*alive) return;
    if (QueueState* back = Find(queue)) back->counters.Apply(event, -1);
  });
}

Result<Dispatcher::Flight> Dispatcher::NewFlight(const QueueState& q, const core::Task& task,
                                                 const core::PushRequest& request, TimePoint now,
                                                 core::Duration delay, bool duplicate) {
  // The delay is waited in real time, or as is under a manual clock (see PushRequest).
  core::Duration push_delay = clock_.RealDelay(delay).value_or(delay);
  Flight flight{q.config.name,
                ++last_flight_id_,
                task.dispatch_count,
                // It counts from when the request goes out.
                now + delay + core::EffectiveDispatchDeadline(task),
                std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(push_delay),
                std::nullopt,
                {},
                push_delay};
  flight.log = AttemptLogEntry{0,
                               q.config.name,
                               task.name,
                               task.dispatch_count,
                               task.schedule_time,
                               now,
                               std::nullopt,
                               request.method,
                               request.url,
                               request.headers,
                               AttemptLogEntry::Outcome::kInFlight,
                               0,
                               "",
                               {},
                               duplicate};
  if (options_.store_attempts) {
    auto id = store_.attempts().Insert(flight.log);
    if (!id.ok()) return id.status();
    flight.log.id = *id;
  }
  return flight;
}

core::Result<core::PushRequest> Dispatcher::RequestFor(const QueueState& q,
                                                       const core::Task& task) const {
  std::string queue_id = q.config.name.substr(q.config.name.rfind('/') + 1);
  if (task.http_request) {
    return core::BuildPushRequest(
        task, queue_id, q.config.http_target ? &*q.config.http_target : nullptr, options_.rewrites);
  }
  // The queue's routing override wins over the task's own (spec 6.5).
  const auto& routing = q.config.app_engine_routing_override
                            ? q.config.app_engine_routing_override
                            : task.app_engine_http_request->app_engine_routing;
  auto base_url = core::AppEngineBaseUrl(options_.app_engine, routing);
  if (!base_url.ok()) return base_url.status();
  return core::BuildAppEngineRequest(task, queue_id, *base_url);
}

// The task is marked in flight and its attempt logged in the open transaction; the request goes
// out only once that commits (StartPush), and a rollback forgets it here too.
Status Dispatcher::Send(QueueState& q, core::Task task, TimePoint now) {
  // Built first, while the task's counters describe the attempts before this one. A request that
  // cannot be built (an App Engine service with no URL) fails at once.
  auto built = RequestFor(q, task);
  task.dispatch_count += 1;
  if (!task.first_attempt) task.first_attempt = core::Attempt{{}, now, {}, {}};
  // RunTask can send a task before its schedule time: the attempt was scheduled for now then.
  task.last_attempt = core::Attempt{std::min(*task.schedule_time, now), now, {}, {}};
  auto updated = store_.tasks().UpdateState(task, true);
  if (!updated.ok()) return updated.status();
  if (!*updated) return Status::Ok();  // Gone meanwhile.
  std::string refused = built.ok() ? "" : built.status().message();
  core::PushRequest request = built.ok() ? std::move(*built) : core::PushRequest{};
  // The request's own deadline runs in real time; the emulator-time deadline is checked by Step.
  core::Duration deadline = core::EffectiveDispatchDeadline(task);
  request.deadline = clock_.RealDelay(deadline).value_or(std::chrono::hours(24));
  core::AttemptImperfection imperfect;
  if (options_.imperfections.Any() && refused.empty()) {
    imperfect = core::DrawImperfection(options_.imperfections, options_.imperfection_seed,
                                       task.name, task.dispatch_count);
  }
  auto flight = NewFlight(q, task, request, now, imperfect.delay, false);
  if (!flight.ok()) return flight.status();
  uint64_t flight_id = flight->id;
  std::optional<uint64_t> duplicate_id;
  if (imperfect.duplicate) {
    auto duplicate = NewFlight(q, task, request, now, imperfect.duplicate_delay, true);
    if (!duplicate.ok()) return duplicate.status();
    duplicate_id = duplicate->id;
    TrackDuplicate(std::move(*duplicate));
  }
  Track(task.name, std::move(*flight));
  // The schedule lag: RunTask's attempt (before its schedule time) has none.
  Count(q.config.name, {core::QueueEvent::Kind::kSent, now - *task.last_attempt->schedule_time});
  q.recent.push_back(now);
  ForgetOnRollback(task.name, flight_id, duplicate_id, now);
  store_.OnCommit([this, alive = alive_, name = task.name, flight_id, duplicate_id,
                   request = std::move(request), refused = std::move(refused)]() mutable {
    if (!*alive) return;
    StartPush(name, flight_id, request, refused);
    if (duplicate_id) StartDuplicate(*duplicate_id, std::move(request));  // Right after.
  });
  return Status::Ok();
}

// A rolled-back Send sent nothing: its flights are forgotten, and it does not count in the
// dispatch rate.
void Dispatcher::ForgetOnRollback(const std::string& name, uint64_t flight_id,
                                  std::optional<uint64_t> duplicate_id, TimePoint now) {
  store_.OnRollback([this, alive = alive_, name, flight_id, duplicate_id, now] {
    if (!*alive) return;
    auto it = flights_.find(name);
    if (it != flights_.end() && it->second.id == flight_id) Untrack(it);
    if (duplicate_id && duplicates_.count(*duplicate_id) > 0) UntrackDuplicate(*duplicate_id);
    if (QueueState* back = Find(QueueOf(name))) {
      back->next_due_known = false;
      auto r = std::find(back->recent.rbegin(), back->recent.rend(), now);
      if (r != back->recent.rend()) back->recent.erase(std::next(r).base());
    }
  });
}

void Dispatcher::StartPush(const std::string& task_name, uint64_t flight_id,
                           core::PushRequest request, const std::string& refused) {
  auto it = flights_.find(task_name);
  if (it == flights_.end() || it->second.id != flight_id) return;  // Reset meanwhile.
  auto done = [this, alive = alive_, post = post_result_, task_name, flight_id,
               attempt = it->second.attempt](core::PushResult result) {
    // Any thread: nothing of the dispatcher's is touched before the store's thread runs it.
    PostOutcome(this, alive, post,
                {task_name, flight_id, attempt, std::move(result), std::nullopt, false, false});
  };
  if (!refused.empty()) {
    core::PushResult failed;  // A connection error: no answer.
    failed.error = refused;
    done(std::move(failed));
    return;
  }
  request.delay = it->second.push_delay;
  it->second.push_id = pusher_.Push(std::move(request), std::move(done));
}

core::Result<core::Task> Dispatcher::RunNow(core::Task task) {
  auto q = Load(QueueOf(task.name));
  if (!q.ok()) return q.status();
  if (*q == nullptr) return core::NotFound(core::kEntityNotFound);
  TimePoint now = clock_.Now();
  if (auto it = flights_.find(task.name); it != flights_.end()) {
    // The request in flight is superseded: its result will be discarded.
    core::PushResult none;
    none.error = "superseded by RunTask";
    auto ended = LogOutcome(it->second, none, now, true);
    if (!ended.ok()) return ended.status();
    Count(it->second.queue, *ended);
    CancelOnCommit(it->second);
    Forget(it);
  }
  CTE_RETURN_IF_ERROR(Send(**q, task, now));
  (*q)->next_due_known = false;  // The task is in flight now: it no longer counts as due.
  auto sent = store_.tasks().Find(task.name);
  if (!sent.ok()) return sent.status();
  if (!sent->has_value()) return core::NotFound(core::kEntityNotFound);
  return std::move(**sent);
}

}  // namespace cte::dispatch
