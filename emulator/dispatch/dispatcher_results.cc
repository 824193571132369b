// How the dispatcher records what came of an attempt; see dispatcher.h.
#include "core/retry_schedule.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_state.h"

namespace cte::dispatch {

using core::AttemptLogEntry;
using core::PushResult;
using core::Status;
using core::TimePoint;

void Dispatcher::PostOutcome(Dispatcher* self, const std::shared_ptr<bool>& alive,
                             const PostWork& post, Outcome outcome) {
  // The outcome goes to whichever half needs it, never both: no copy of it per half.
  struct Posted {
    Outcome outcome;
    bool ran = false;
  };
  auto posted = std::make_shared<Posted>(Posted{std::move(outcome)});
  post(
      [self, alive, posted] {
        posted->ran = true;  // From here on a failure undoes the record, and that keeps it.
        return *alive ? self->Record(std::move(posted->outcome)) : Status::Ok();
      },
      [self, alive, posted](const Status& s) {
        if (!*alive || s.ok() || posted->ran) return;
        posted->outcome.at = self->clock_.Now();
        self->unrecorded_.push_back(std::move(posted->outcome));
      });
}

Status Dispatcher::RecordLeftOver() {
  std::deque<Outcome> left;
  left.swap(unrecorded_);
  while (!left.empty()) {
    Status s = Record(left.front());  // A failure keeps it (see Record).
    left.pop_front();
    if (!s.ok()) {
      for (Outcome& o : left) unrecorded_.push_back(std::move(o));
      return s;
    }
  }
  return Status::Ok();
}

bool Dispatcher::Unrecorded(uint64_t flight_id) const {
  for (const Outcome& o : unrecorded_) {
    if (o.flight == flight_id) return true;
  }
  return false;
}

void Dispatcher::KeepOnRollback(const Outcome& outcome) {
  store_.OnRollback([this, alive = alive_, outcome] {
    if (*alive) unrecorded_.push_back(outcome);
  });
}

Status Dispatcher::Record(Outcome outcome) {
  if (outcome.duplicate) return RecordDuplicate(std::move(outcome));
  auto it = flights_.find(outcome.task);
  // The request may be one that a reset forgot, of a task made again since under its name.
  if (it == flights_.end() || it->second.id != outcome.flight) return Status::Ok();
  // An earlier outcome of this request waits to be recorded (a timeout whose record failed):
  // that one stands, and this later answer is dropped.
  if (Unrecorded(outcome.flight)) return Status::Ok();
  if (outcome.expired) CancelOnCommit(it->second);
  // The attempt ended when the answer came (spec 4.5: the retry counts from then).
  if (!outcome.at) outcome.at = clock_.Now();
  KeepOnRollback(outcome);
  TimePoint now = *outcome.at;
  QueueState* q = Find(it->second.queue);
  const PushResult& result = outcome.result;
  bool responded = result.outcome == PushResult::Outcome::kResponse;
  bool succeeded = responded && result.http_status >= 200 && result.http_status < 300;
  if (succeeded && q != nullptr) return RecordSuccess(*q, it, outcome.attempt, result, now);
  auto found = store_.tasks().Find(outcome.task);
  if (!found.ok()) return found.status();
  bool gone = q == nullptr || !found->has_value() || (*found)->dispatch_count != outcome.attempt;
  auto ended = LogOutcome(it->second, outcome.result, now, gone);
  if (!ended.ok()) return ended.status();
  Forget(it);
  if (gone) {  // Deleted, purged or superseded meanwhile: never retried.
    if (q != nullptr) Count(q->config.name, *ended);
    return Status::Ok();
  }
  if (succeeded) {  // Its queue was deleted meanwhile.
    ended->verdict = core::QueueEvent::Verdict::kSucceeded;
    Count(q->config.name, *ended);
    return Finish(**found, now);
  }
  return Retry(*q, std::move(**found), result, now, *ended);
}

// A 2xx: the task is deleted unless it changed meanwhile (deleted, or sent again by RunTask), all
// without reading it back (issue 17: the read was a tenth of the store thread's time per task).
Status Dispatcher::RecordSuccess(QueueState& q, Flights::iterator it, int attempt,
                                 const PushResult& result, TimePoint now) {
  std::string name = it->first;
  auto deleted = store_.tasks().DeleteAttempted(name, attempt);
  if (!deleted.ok()) return deleted.status();
  auto ended = LogOutcome(it->second, result, now, !*deleted);
  if (!ended.ok()) return ended.status();
  Forget(it);
  if (*deleted) ended->verdict = core::QueueEvent::Verdict::kSucceeded;
  Count(q.config.name, *ended);
  if (!*deleted) return Status::Ok();  // Gone meanwhile: never retried.
  return Tombstone(name, now);
}

Status Dispatcher::Retry(QueueState& q, core::Task task, const PushResult& result, TimePoint now,
                         core::QueueEvent ended) {
  bool responded = result.outcome == PushResult::Outcome::kResponse;
  task.last_attempt->response_time = now;
  task.last_attempt->response_status = core::AttemptStatus(result);
  if (responded) ++task.response_count;
  if (responded && result.http_status < 500) ++task.execution_count;
  // No answer: 504 for an HTTP target, 0 for App Engine (spec 6.1, 6.5).
  bool app_engine = task.app_engine_http_request.has_value();
  task.previous_response = responded ? result.http_status : app_engine ? 0 : 504;
  core::RetrySchedule schedule(q.config.retry_config);
  TimePoint first = task.first_attempt ? task.first_attempt->dispatch_time.value_or(now) : now;
  if (schedule.GiveUp(task.dispatch_count, first, now)) {
    ended.verdict = core::QueueEvent::Verdict::kGivenUp;
    Count(q.config.name, ended);
    return Finish(task, now);
  }
  ended.verdict = core::QueueEvent::Verdict::kRetried;
  Count(q.config.name, ended);
  task.schedule_time = now + schedule.DelayAfter(task.dispatch_count);
  auto updated = store_.tasks().UpdateState(task, false);
  if (!updated.ok()) return updated.status();
  if (q.next_due_known) q.next_due = Earliest(q.next_due, task.schedule_time);
  WakeAt(q, *task.schedule_time);
  // App Engine targets are throttled by 503 only (spec 6.3).
  bool throttles = result.http_status == 503 || (result.http_status == 429 && !app_engine);
  if (responded && throttles && result.retry_after) {
    q.bucket.BlockUntil(now + *result.retry_after);  // Slows the whole queue down.
  }
  return Status::Ok();
}

core::Result<core::QueueEvent> Dispatcher::LogOutcome(Flight& flight, const PushResult& result,
                                                      TimePoint now, bool discarded) {
  // A copy without the headers, which are written again only when the pusher added one.
  core::HeaderList headers = std::move(flight.log.headers);
  AttemptLogEntry e = flight.log;
  flight.log.headers = std::move(headers);
  if (!result.authorization.empty()) {
    e.headers = flight.log.headers;
    e.headers.emplace_back("Authorization", result.authorization);
  }
  e.response_time = now;
  e.latency =
      std::chrono::duration_cast<core::Duration>(std::chrono::steady_clock::now() - flight.sent);
  e.http_status = result.outcome == PushResult::Outcome::kResponse ? result.http_status : 0;
  e.error = result.error;
  switch (result.outcome) {
    case PushResult::Outcome::kResponse:
      e.outcome = AttemptLogEntry::Outcome::kResponse;
      break;
    case PushResult::Outcome::kDeadlineExceeded:
      e.outcome = AttemptLogEntry::Outcome::kDeadlineExceeded;
      break;
    case PushResult::Outcome::kConnectionError:
      e.outcome = AttemptLogEntry::Outcome::kConnectionError;
      break;
  }
  if (discarded) e.outcome = AttemptLogEntry::Outcome::kDiscarded;
  if (e.id != 0) CTE_RETURN_IF_ERROR(store_.attempts().Update(e));
  core::QueueEvent ended{core::QueueEvent::Kind::kEnded, e.latency, core::AttemptEndOf(e)};
  if (options_.on_attempt) {
    if (e.headers.empty()) e.headers = flight.log.headers;
    store_.OnCommit([this, alive = alive_, e = std::move(e)]() mutable {
      if (*alive) options_.on_attempt(std::move(e));
    });
  }
  return ended;
}

Status Dispatcher::ExpireDeadlines(TimePoint now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::string name = deadlines_.begin()->second;
    auto it = flights_.find(name);
    if (it == flights_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    PushResult timeout;
    timeout.outcome = PushResult::Outcome::kDeadlineExceeded;
    timeout.error = "no response before the dispatch deadline";
    CTE_RETURN_IF_ERROR(
        Record({name, it->second.id, it->second.attempt, timeout, now, true, false}));
  }
  return ExpireDuplicates(now);
}

Status Dispatcher::Finish(const core::Task& task, TimePoint now) {
  CTE_RETURN_IF_ERROR(store_.tasks().Delete(task.name).status());
  return Tombstone(task.name, now);
}

Status Dispatcher::Tombstone(const std::string& task_name, TimePoint now) {
  if (options_.task_tombstone.count() > 0) {
    return store_.tasks().PutTombstone(task_name, now + options_.task_tombstone);
  }
  return Status::Ok();
}

}  // namespace cte::dispatch
