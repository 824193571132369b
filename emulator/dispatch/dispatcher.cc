#include "dispatch/dispatcher.h"

#include <algorithm>

#include <climits>

#include "core/retry_schedule.h"

namespace cte::dispatch {

namespace {

using core::AttemptLogEntry;
using core::PushResult;
using core::TimePoint;

// At most this many tasks leave one queue in one step, so that a huge backlog does not hold
// the store thread; the step runs again at once.
constexpr int kMaxPerStep = 256;
constexpr auto kRateWindow = std::chrono::seconds(10);

std::optional<TimePoint> Earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

std::string QueueOf(const std::string& task_name) {
  return task_name.substr(0, task_name.rfind("/tasks/"));
}

}  // namespace

struct Dispatcher::QueueState {
  QueueState(core::Queue q, TimePoint now)
      : config(std::move(q)),
        bucket(config.rate_limits.max_dispatches_per_second, config.rate_limits.max_burst_size,
               now) {}
  core::Queue config;
  core::TokenBucket bucket;
  int in_flight = 0;
  bool next_due_known = false;
  std::optional<TimePoint> next_due;
  int64_t dispatched = 0, succeeded = 0, retried = 0, given_up = 0;
  std::deque<TimePoint> recent;  // Dispatch times within the rate window.
};

Dispatcher::Dispatcher(core::TaskStore& store, const core::Clock& clock, core::Pusher& pusher,
                       std::function<void(std::function<void()>)> post_result,
                       DispatcherOptions options)
    : store_(store),
      clock_(clock),
      pusher_(pusher),
      post_result_(std::move(post_result)),
      options_(std::move(options)) {}

Dispatcher::~Dispatcher() { *alive_ = false; }

core::Status Dispatcher::Recover() { return store_.ClearInFlight(); }

int Dispatcher::InFlight() const { return static_cast<int>(flights_.size()); }

Dispatcher::QueueState* Dispatcher::Load(const std::string& queue_name) {
  if (auto it = queues_.find(queue_name); it != queues_.end()) return it->second.get();
  auto found = store_.FindQueue(queue_name);
  if (!found.ok() || !found->has_value()) return nullptr;
  auto state = std::make_unique<QueueState>(std::move((*found)->queue), clock_.Now());
  return queues_.emplace(queue_name, std::move(state)).first->second.get();
}

void Dispatcher::QueueChanged(std::string_view queue_name) {
  std::string name(queue_name);
  auto found = store_.FindQueue(name);
  auto it = queues_.find(name);
  if (!found.ok() || !found->has_value()) {
    if (it != queues_.end()) queues_.erase(it);
    return;
  }
  if (it == queues_.end()) {
    Load(name);
    return;
  }
  QueueState& q = *it->second;
  q.config = std::move((*found)->queue);
  q.bucket.Reconfigure(q.config.rate_limits.max_dispatches_per_second,
                       q.config.rate_limits.max_burst_size, clock_.Now());
  q.next_due_known = false;
}

void Dispatcher::TaskScheduled(std::string_view queue_name, TimePoint schedule_time) {
  auto it = queues_.find(queue_name);
  if (it == queues_.end() || !it->second->next_due_known) return;
  it->second->next_due = Earliest(it->second->next_due, schedule_time);
}

std::optional<TimePoint> Dispatcher::Step() {
  TimePoint now = clock_.Now();
  if (!all_loaded_) {
    auto all = store_.ListQueues("", "", INT_MAX);
    if (!all.ok()) return now + std::chrono::seconds(1);
    for (auto& stored : *all) Load(stored.queue.name);
    all_loaded_ = true;
  }
  ExpireDeadlines(now);
  std::optional<TimePoint> wake;
  if (!deadlines_.empty()) wake = deadlines_.begin()->first;
  for (auto& [name, q] : queues_) {
    if (q->config.state != core::QueueState::kRunning) continue;
    wake = Earliest(wake, StepQueue(*q, now));
  }
  return wake;
}

std::optional<TimePoint> Dispatcher::StepQueue(QueueState& q, TimePoint now) {
  const std::string& name = q.config.name;
  auto refresh = [&]() -> bool {
    auto next = store_.NextScheduleTime(name);
    if (!next.ok()) return false;
    q.next_due = *next;
    q.next_due_known = true;
    return true;
  };
  if (!q.next_due_known && !refresh()) return now + std::chrono::seconds(1);
  if (!q.next_due) return std::nullopt;
  if (*q.next_due > now) return q.next_due;
  int room = q.config.rate_limits.max_concurrent_dispatches - q.in_flight;
  if (room <= 0) return std::nullopt;  // A result will make room.
  int tokens = q.bucket.Available(now);
  if (tokens <= 0) return q.bucket.NextTokenAt(now);
  auto due = store_.DueTasks(name, now, std::min({room, tokens, kMaxPerStep}));
  if (!due.ok()) return now + std::chrono::seconds(1);
  for (core::Task& task : *due) {
    if (!q.bucket.TryTake(now)) break;
    Send(q, std::move(task), now);
  }
  if (!refresh()) return now + std::chrono::seconds(1);
  if (!q.next_due) return std::nullopt;
  if (*q.next_due > now) return q.next_due;
  if (q.in_flight >= q.config.rate_limits.max_concurrent_dispatches) return std::nullopt;
  return q.bucket.NextTokenAt(now);
}

void Dispatcher::Send(QueueState& q, core::Task task, TimePoint now) {
  if (!task.http_request) return;
  core::Task for_request = task;  // Its counters describe the attempts before this one.
  task.dispatch_count += 1;
  if (!task.first_attempt) task.first_attempt = core::Attempt{{}, now, {}, {}};
  // RunTask can send a task before its schedule time: the attempt was scheduled for now then.
  task.last_attempt = core::Attempt{std::min(*task.schedule_time, now), now, {}, {}};
  if (auto updated = store_.UpdateTaskState(task, true); !updated.ok() || !*updated) return;
  std::string url = core::RewriteUrl(task.http_request->url, options_.rewrites);
  std::string token = options_.token_for ? options_.token_for(*task.http_request, url) : "";
  std::string queue_id = q.config.name.substr(q.config.name.rfind('/') + 1);
  core::PushRequest request =
      core::BuildPushRequest(for_request, queue_id, options_.rewrites, token);
  // The request's own deadline runs in real time; the emulator-time deadline is checked by Step.
  request.deadline = clock_.RealDelay(task.dispatch_deadline).value_or(std::chrono::hours(24));
  Flight flight{q.config.name,
                task.dispatch_count,
                now + task.dispatch_deadline,
                std::chrono::steady_clock::now(),
                0,
                {}};
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
                               {}};
  if (auto id = store_.InsertAttempt(flight.log); id.ok()) flight.log.id = *id;
  ++q.in_flight;
  ++q.dispatched;
  q.recent.push_back(now);
  flight.push_id =
      pusher_.Push(std::move(request), [this, alive = alive_, post = post_result_, name = task.name,
                                        attempt = task.dispatch_count](PushResult result) {
        post([this, alive, name, attempt, result = std::move(result)] {
          if (*alive) OnResult(name, attempt, result);
        });
      });
  deadlines_.emplace(flight.deadline, task.name);
  flights_[task.name] = std::move(flight);
}

core::Result<core::Task> Dispatcher::RunNow(core::Task task) {
  QueueState* q = Load(QueueOf(task.name));
  if (q == nullptr) return core::NotFound("Requested entity was not found.");
  if (!task.http_request) {
    return core::Unimplemented("The emulator does not dispatch App Engine tasks.");
  }
  TimePoint now = clock_.Now();
  if (auto it = flights_.find(task.name); it != flights_.end()) {
    // The request in flight is superseded: its result will be discarded.
    PushResult none;
    none.error = "superseded by RunTask";
    LogOutcome(it->second, none, now, true);
    pusher_.Cancel(it->second.push_id);
    Forget(it);
  }
  Send(*q, task, now);
  auto sent = store_.FindTask(task.name);
  if (!sent.ok()) return sent.status();
  if (!sent->has_value()) return core::NotFound("Requested entity was not found.");
  return std::move(**sent);
}

void Dispatcher::Forget(std::unordered_map<std::string, Flight>::iterator it) {
  if (auto qi = queues_.find(it->second.queue); qi != queues_.end()) --qi->second->in_flight;
  deadlines_.erase({it->second.deadline, it->first});
  flights_.erase(it);
}

void Dispatcher::ExpireDeadlines(TimePoint now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::string name = deadlines_.begin()->second;
    auto it = flights_.find(name);
    if (it == flights_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    pusher_.Cancel(it->second.push_id);
    PushResult timeout;
    timeout.outcome = PushResult::Outcome::kDeadlineExceeded;
    timeout.error = "no response before the dispatch deadline";
    OnResult(name, it->second.attempt, timeout);
  }
}

void Dispatcher::LogOutcome(Flight& flight, const PushResult& result, TimePoint now,
                            bool discarded) {
  AttemptLogEntry& e = flight.log;
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
  if (e.id != 0) (void)store_.UpdateAttempt(e);
  if (options_.on_attempt) options_.on_attempt(e);
}

void Dispatcher::OnResult(const std::string& task_name, int attempt, const PushResult& result) {
  auto it = flights_.find(task_name);
  if (it == flights_.end() || it->second.attempt != attempt) return;  // Superseded.
  TimePoint now = clock_.Now();
  auto found = store_.FindTask(task_name);
  QueueState* q = nullptr;
  if (auto qi = queues_.find(it->second.queue); qi != queues_.end()) q = qi->second.get();
  bool gone =
      q == nullptr || !found.ok() || !found->has_value() || (*found)->dispatch_count != attempt;
  LogOutcome(it->second, result, now, gone);
  Forget(it);
  if (gone) return;  // Deleted, purged or superseded meanwhile: never retried.
  core::Task task = std::move(**found);
  bool responded = result.outcome == PushResult::Outcome::kResponse;
  if (responded && result.http_status >= 200 && result.http_status < 300) {
    ++q->succeeded;
    return Finish(task, now);
  }
  task.last_attempt->response_time = now;
  task.last_attempt->response_status = core::AttemptStatus(result);
  if (responded) ++task.response_count;
  if (responded && result.http_status < 500) ++task.execution_count;
  task.previous_response = responded ? result.http_status : 504;
  core::RetrySchedule schedule(q->config.retry_config);
  TimePoint first = task.first_attempt ? task.first_attempt->dispatch_time.value_or(now) : now;
  if (schedule.GiveUp(task.dispatch_count, first, now)) {
    ++q->given_up;
    return Finish(task, now);
  }
  ++q->retried;
  task.schedule_time = now + schedule.DelayAfter(task.dispatch_count);
  (void)store_.UpdateTaskState(task, false);
  if (q->next_due_known) q->next_due = Earliest(q->next_due, task.schedule_time);
  if (responded && (result.http_status == 429 || result.http_status == 503) && result.retry_after) {
    q->bucket.BlockUntil(now + *result.retry_after);  // Slows the whole queue down.
  }
}

void Dispatcher::Finish(const core::Task& task, TimePoint now) {
  (void)store_.DeleteTask(task.name);
  if (options_.task_tombstone.count() > 0) {
    (void)store_.PutTaskTombstone(task.name, now + options_.task_tombstone);
  }
}

std::vector<QueueActivity> Dispatcher::Activity() {
  TimePoint now = clock_.Now();
  std::vector<QueueActivity> out;
  for (auto& [name, q] : queues_) {
    if (!q->next_due_known) {
      if (auto next = store_.NextScheduleTime(name); next.ok()) {
        q->next_due = *next;
        q->next_due_known = true;
      }
    }
    while (!q->recent.empty() && q->recent.front() < now - kRateWindow) q->recent.pop_front();
    double window_s = std::chrono::duration<double>(kRateWindow).count();
    out.push_back({name, q->config.state, q->in_flight, q->next_due, q->bucket.Level(now),
                   q->dispatched, q->succeeded, q->retried, q->given_up,
                   static_cast<double>(q->recent.size()) / window_s});
  }
  return out;
}

void Dispatcher::Reset(std::string_view queue_name) {
  TimePoint now = clock_.Now();
  for (auto it = flights_.begin(); it != flights_.end();) {
    auto next = std::next(it);
    if (queue_name.empty() || it->second.queue == queue_name) {
      pusher_.Cancel(it->second.push_id);
      Forget(it);
    }
    it = next;
  }
  if (queue_name.empty()) {
    queues_.clear();
    all_loaded_ = false;
    return;
  }
  queues_.erase(std::string(queue_name));
  (void)now;
  Load(std::string(queue_name));
}

}  // namespace cte::dispatch
