#include "dispatch/dispatcher.h"

#include <algorithm>
#include <climits>

#include "dispatch/dispatcher_state.h"

namespace cte::dispatch {

namespace {

using core::Result;
using core::Status;
using core::TimePoint;

// At most this many tasks leave the queues, all together, in one step, so that a huge backlog does
// not hold the store thread: the step runs again at once, after the calls and outcomes that came
// meanwhile. When the bound was per queue, 100 queues at 500/s with bursts of 100 sent 10,000
// tasks a step, 300 ms in which no API call was answered (issue 17: resuming 100 queues one after
// the other took 12.6 s during a backlog drain; 4.7 s now).
constexpr int kMaxPerStep = 256;
constexpr auto kRateWindow = std::chrono::seconds(10);

}  // namespace

Dispatcher::Dispatcher(core::TaskStore& store, const core::Clock& clock, core::Pusher& pusher,
                       PostWork post_result, DispatcherOptions options)
    : store_(store),
      clock_(clock),
      pusher_(pusher),
      post_result_(std::move(post_result)),
      options_(std::move(options)) {}

Dispatcher::~Dispatcher() { *alive_ = false; }

Status Dispatcher::Recover() {
  CTE_RETURN_IF_ERROR(store_.tasks().ClearInFlight());
  return store_.attempts().EndInFlight("interrupted: the emulator stopped");
}

int Dispatcher::InFlight() const { return static_cast<int>(flights_.size() + duplicates_.size()); }

int Dispatcher::FreeFlights() const {
  return options_.max_in_flight > 0 ? options_.max_in_flight - InFlight() : INT_MAX;
}

std::optional<TimePoint> Dispatcher::Block(QueueState& q) {
  blocked_.insert(q.config.name);
  return std::nullopt;
}

void Dispatcher::WakeBlocked() {
  for (const std::string& name : blocked_) {
    if (QueueState* q = Find(name)) WakeAt(*q, clock_.Now());
  }
  blocked_.clear();
}

Dispatcher::QueueState* Dispatcher::Find(std::string_view queue_name) {
  auto it = queues_.find(queue_name);
  return it == queues_.end() ? nullptr : it->second.get();
}

Result<Dispatcher::QueueState*> Dispatcher::Load(const std::string& queue_name) {
  if (QueueState* q = Find(queue_name)) return q;
  auto found = store_.queues().Find(queue_name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return static_cast<QueueState*>(nullptr);
  auto state = std::make_unique<QueueState>(std::move(**found), clock_.Now());
  QueueState* q = queues_.emplace(queue_name, std::move(state)).first->second.get();
  WakeAt(*q, clock_.Now());
  return q;
}

void Dispatcher::WakeAt(QueueState& q, TimePoint at) {
  if (!q.wake || at < *q.wake) SetWake(q, at);
}

void Dispatcher::SetWake(QueueState& q, std::optional<TimePoint> at) {
  if (q.wake) wakes_.erase({*q.wake, q.config.name});
  q.wake = at;
  if (at) wakes_.emplace(*at, q.config.name);
}

void Dispatcher::DropQueue(const std::string& queue_name) {
  auto it = queues_.find(queue_name);
  if (it == queues_.end()) return;
  SetWake(*it->second, std::nullopt);
  queues_.erase(it);
}

std::vector<Dispatcher::QueueState*> Dispatcher::TakeWoken(TimePoint now) {
  if (wake_all_) {
    for (auto& [name, q] : queues_) WakeAt(*q, now);
    wake_all_ = false;
  }
  std::vector<QueueState*> woken;
  while (!wakes_.empty() && wakes_.begin()->first <= now) {
    QueueState* q = Find(wakes_.begin()->second);
    wakes_.erase(wakes_.begin());
    if (q == nullptr) continue;
    q->wake.reset();
    woken.push_back(q);
  }
  std::sort(woken.begin(), woken.end(), [](const QueueState* a, const QueueState* b) {
    return a->config.name < b->config.name;
  });
  // After a step that ran out of room, the queues it did not reach come first.
  auto after = std::upper_bound(
      woken.begin(), woken.end(), next_first_,
      [](const std::string& name, const QueueState* q) { return name < q->config.name; });
  if (!next_first_.empty()) std::rotate(woken.begin(), after, woken.end());
  return woken;
}

// Reads a queue's settings again (keeping its bucket and counters), or forgets a deleted queue.
Status Dispatcher::Reload(const std::string& name) {
  // A change rolled back leaves the settings read here wrong: read them again then.
  store_.OnRollback([this, alive = alive_, name] {
    if (*alive) stale_.insert(name);
  });
  auto found = store_.queues().Find(name);
  if (!found.ok()) {
    stale_.insert(name);
    return found.status();
  }
  auto it = queues_.find(name);
  if (!found->has_value()) {
    DropQueue(name);
    return Status::Ok();
  }
  if (it == queues_.end()) return Load(name).status();
  QueueState& q = *it->second;
  q.config = std::move(**found);
  q.bucket.Reconfigure(q.config.rate_limits.max_dispatches_per_second,
                       q.config.rate_limits.max_burst_size, clock_.Now());
  q.next_due_known = false;
  WakeAt(q, clock_.Now());  // Resumed, or a new rate or cap.
  return Status::Ok();
}

void Dispatcher::QueueChanged(std::string_view queue_name) {
  // A failure to read is remembered (stale_) and read again at the next Step.
  (void)Reload(std::string(queue_name));
}

void Dispatcher::TaskCreated(std::string_view queue_name, TimePoint schedule_time) {
  // Loaded if need be (before the first step, after a reset), so that the task is counted. A
  // store that fails to read the queue has failed the transaction too.
  auto q = Load(std::string(queue_name));
  if (!q.ok() || *q == nullptr) return;
  // Kept when the change is rolled back: an early next_due only makes a step look for nothing.
  if ((*q)->next_due_known) (*q)->next_due = Earliest((*q)->next_due, schedule_time);
  WakeAt(**q, schedule_time);
  Count((*q)->config.name, {core::QueueEvent::Kind::kCreated});
}

void Dispatcher::TaskRemoved(std::string_view queue_name) {
  // Read again when next needed; harmless when the change is rolled back.
  if (QueueState* q = Find(queue_name)) q->next_due_known = false;
}

Status Dispatcher::LoadAll() {
  if (!all_loaded_) {
    auto all = store_.queues().List("", "", INT_MAX);
    if (!all.ok()) return all.status();
    for (const core::Queue& q : *all) CTE_RETURN_IF_ERROR(Load(q.name).status());
    all_loaded_ = true;
  }
  while (!stale_.empty()) {
    std::string name = *stale_.begin();
    stale_.erase(stale_.begin());
    CTE_RETURN_IF_ERROR(Reload(name));
  }
  return Status::Ok();
}

Result<std::optional<TimePoint>> Dispatcher::Step() {
  TimePoint now = clock_.Now();
  CTE_RETURN_IF_ERROR(LoadAll());
  CTE_RETURN_IF_ERROR(RecordLeftOver());
  CTE_RETURN_IF_ERROR(ExpireDeadlines(now));
  std::vector<QueueState*> woken = TakeWoken(now);
  // The wakes this step clears or moves are undone with it only in part: look at all again.
  if (!woken.empty()) {
    store_.OnRollback([this, alive = alive_] {
      if (*alive) wake_all_ = true;
    });
  }
  int budget = kMaxPerStep;
  for (size_t i = 0; i < woken.size(); ++i) {
    QueueState* q = woken[i];
    if (q->config.state != core::QueueState::kRunning) continue;  // Resuming wakes it.
    // Out of room: the rest go first in the next step, which runs at once, or once a request
    // in flight ends.
    if (budget <= 0 || FreeFlights() <= 0) {
      for (; i < woken.size(); ++i) {
        if (budget <= 0) {
          WakeAt(*woken[i], now);
        } else {
          Block(*woken[i]);
        }
      }
      break;
    }
    ++queue_looks_;
    auto next = StepQueue(*q, now, budget);
    if (!next.ok()) return next.status();
    SetWake(*q, *next);
    next_first_ = q->config.name;
  }
  if (budget > 0 && FreeFlights() > 0) next_first_.clear();
  std::optional<TimePoint> wake;
  if (wake_all_) wake = now;
  if (!wakes_.empty()) wake = Earliest(wake, wakes_.begin()->first);
  // After the sends: the deadlines of the requests this step sent count too.
  if (!deadlines_.empty()) wake = Earliest(wake, deadlines_.begin()->first);
  if (!duplicate_deadlines_.empty()) wake = Earliest(wake, duplicate_deadlines_.begin()->first);
  return wake;
}

Status Dispatcher::RefreshNextDue(QueueState& q) {
  auto next = store_.tasks().NextScheduleTime(q.config.name);
  if (!next.ok()) return next.status();
  q.next_due = *next;
  q.next_due_known = true;
  return Status::Ok();
}

Result<std::optional<TimePoint>> Dispatcher::StepQueue(QueueState& q, TimePoint now, int& budget) {
  using Wake = std::optional<TimePoint>;
  if (!q.next_due_known) CTE_RETURN_IF_ERROR(RefreshNextDue(q));
  if (!q.next_due) return Wake();
  if (*q.next_due > now) return q.next_due;
  int room = q.config.rate_limits.max_concurrent_dispatches - q.in_flight;
  if (room <= 0) return Wake();          // An outcome will make room.
  room = std::min(room, FreeFlights());  // Step called it with some left.
  int tokens = q.bucket.Available(now);
  if (tokens <= 0) return Wake(q.bucket.NextTokenAt(now));
  auto due = store_.tasks().Due(q.config.name, now, std::min({room, tokens, budget}));
  if (!due.ok()) return due.status();
  budget -= static_cast<int>(due->size());
  for (core::Task& task : *due) {
    if (!q.bucket.TryTake(now)) break;
    // Nothing goes out when the step is rolled back: the token comes back then.
    store_.OnRollback([this, alive = alive_, name = q.config.name] {
      if (!*alive) return;
      if (QueueState* back = Find(name)) back->bucket.Refund();
    });
    CTE_RETURN_IF_ERROR(Send(q, std::move(task), now));
  }
  CTE_RETURN_IF_ERROR(RefreshNextDue(q));
  if (!q.next_due) return Wake();
  if (*q.next_due > now) return q.next_due;
  if (q.in_flight >= q.config.rate_limits.max_concurrent_dispatches) return Wake();
  if (FreeFlights() <= 0) return Block(q);
  return Wake(q.bucket.NextTokenAt(now));
}

std::vector<QueueActivity> Dispatcher::Activity(bool with_next_due) {
  TimePoint now = clock_.Now();
  std::vector<QueueActivity> out;
  for (auto& [name, q] : queues_) {
    // Unknown stays unknown on failure.
    if (with_next_due && !q->next_due_known) (void)RefreshNextDue(*q);
    while (!q->recent.empty() && q->recent.front() < now - kRateWindow) q->recent.pop_front();
    double window_s = std::chrono::duration<double>(kRateWindow).count();
    out.push_back({name, q->config.state, q->in_flight, q->duplicates_in_flight, q->next_due,
                   q->bucket.Level(now), q->counters,
                   static_cast<double>(q->recent.size()) / window_s, q->bucket.NextTokenAt(now),
                   q->config.rate_limits});
  }
  return out;
}

void Dispatcher::Reset(std::string_view queue_name) {
  store_.OnCommit([this, alive = alive_, queue = std::string(queue_name)] {
    if (!*alive) return;
    for (auto it = flights_.begin(); it != flights_.end();) {
      auto next = std::next(it);
      if (queue.empty() || it->second.queue == queue) {
        if (it->second.push_id) pusher_.Cancel(*it->second.push_id);
        Untrack(it);
      }
      it = next;
    }
    ResetDuplicates(queue);
    std::erase_if(unrecorded_, [&](const Outcome& o) {
      return queue.empty() || o.task.rfind(queue + "/tasks/", 0) == 0;
    });
    if (queue.empty()) {
      queues_.clear();
      wakes_.clear();
      blocked_.clear();
      next_first_.clear();
      all_loaded_ = false;
    } else {
      DropQueue(queue);
      stale_.insert(queue);
    }
  });
}

}  // namespace cte::dispatch
