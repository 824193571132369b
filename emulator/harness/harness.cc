#include "harness/harness.h"

#include <algorithm>
#include <cstdint>
#include <memory>

#include "api/names.h"
#include "core/messages.h"
#include "core/time_util.h"

namespace cte::harness {

using core::Result;
using core::Status;

namespace {
constexpr char kClockNotManual[] = "The clock moves by request only with --clock=manual.";
}  // namespace

Harness::Harness(core::TaskStore& store, api::Service& service, dispatch::Dispatcher& dispatcher,
                 const core::Clock& clock, core::ManualClock* manual_clock, HarnessOptions options)
    : store_(store),
      service_(service),
      dispatcher_(dispatcher),
      clock_(clock),
      manual_(manual_clock),
      options_(std::move(options)) {}

Result<api::ClockState> Harness::GetClock() {
  return api::ClockState{clock_.Now(), options_.clock_mode, options_.time_scale};
}

Result<api::ClockState> Harness::AdvanceClock(core::Duration step) {
  if (manual_ == nullptr) {
    return core::FailedPrecondition(kClockNotManual);
  }
  manual_->Advance(step);
  return GetClock();
}

Result<api::ClockState> Harness::SetClock(core::TimePoint time) {
  if (manual_ == nullptr) {
    return core::FailedPrecondition(kClockNotManual);
  }
  if (time < clock_.Now()) return core::InvalidArgument("The clock only moves forward.");
  manual_->Advance(time - clock_.Now());
  return GetClock();
}

Result<api::ListAttemptsResponse> Harness::ListAttempts(const api::ListAttemptsRequest& r) {
  auto rows = store_.attempts().List(r.queue, r.task, r.after_id, r.page_size);
  if (!rows.ok()) return rows.status();
  api::ListAttemptsResponse out;
  out.more = static_cast<int>(rows->size()) == r.page_size;
  out.attempts = std::move(*rows);
  return out;
}

Result<api::Stats> Harness::GetStats() {
  api::Stats out{clock_.Now(), {}, {}};
  for (const auto& a : dispatcher_.Activity(/*with_next_due=*/false)) {
    auto tasks = store_.tasks().Count(a.name);  // Kept by the store: reads no task.
    if (!tasks.ok()) return tasks.status();
    out.queues.push_back({a.name, *tasks - a.in_flight, a.in_flight, a.counters, a.bucket_level,
                          a.dispatch_rate, a.limits});
  }
  if (options_.store_counters != nullptr) out.store = *options_.store_counters;
  return out;
}

// The most tasks one page of ListTaskStates looks at: a page costs at most this much whatever the
// queue holds (docs/dashboard.md has the figures).
constexpr int kMaxTasksScanned = 20'000;

Result<core::TaskStatePage> Harness::ListTaskStates(const api::ListTaskStatesRequest& r) {
  auto queue = store_.queues().Find(r.queue);
  if (!queue.ok()) return queue.status();
  if (!*queue) return core::NotFound(core::kQueueNotFound);
  return store_.tasks().ListByState(r.queue, r.state, clock_.Now(), r.after_position, r.page_size,
                                    kMaxTasksScanned);
}

Result<api::Events> Harness::ListEvents(int64_t after) {
  auto stats = GetStats();
  if (!stats.ok()) return stats.status();
  auto [attempts, last] = feed_.Since(after);
  return api::Events{std::move(*stats), std::move(attempts), last};
}

Status Harness::Reset(const std::string& queue) {
  CTE_RETURN_IF_ERROR(queue.empty() ? ResetAll() : ResetQueue(queue));
  dispatcher_.Reset(queue);
  feed_.Clear();
  return Status::Ok();
}

// Everything goes; the configured queues come back as configured.
Status Harness::ResetAll() {
  auto all = store_.queues().List("", "", INT32_MAX);
  if (!all.ok()) return all.status();
  for (const auto& q : *all) CTE_RETURN_IF_ERROR(store_.queues().Delete(q.name));
  CTE_RETURN_IF_ERROR(store_.attempts().Delete(""));
  CTE_RETURN_IF_ERROR(store_.tasks().DeleteTombstones(""));
  CTE_RETURN_IF_ERROR(store_.queues().DeleteAllTombstones());
  CTE_RETURN_IF_ERROR(store_.queues().DeleteAllKmsKeys());
  for (const core::Queue& q : options_.config_queues) {
    CTE_RETURN_IF_ERROR(service_.ApplyQueueConfig(q));
  }
  return Status::Ok();
}

// The queue's tasks, task tombstones and attempts go; a configured queue gets its settings back
// (and runs), any other queue keeps its settings.
Status Harness::ResetQueue(const std::string& queue) {
  const core::Queue* configured = nullptr;
  for (const core::Queue& q : options_.config_queues) {
    if (q.name == queue) configured = &q;
  }
  auto found = store_.queues().Find(queue);
  if (!found.ok()) return found.status();
  if (!found->has_value() && configured == nullptr) return core::NotFound(core::kQueueNotFound);
  CTE_RETURN_IF_ERROR(store_.tasks().Purge(queue, std::nullopt).status());
  CTE_RETURN_IF_ERROR(store_.attempts().Delete(queue));
  CTE_RETURN_IF_ERROR(store_.tasks().DeleteTombstones(queue));
  if (configured != nullptr) {
    CTE_RETURN_IF_ERROR(store_.queues().Delete(queue));
    CTE_RETURN_IF_ERROR(service_.ApplyQueueConfig(*configured));
  }
  return Status::Ok();
}

Status Harness::CheckQueue(const std::string& name) {
  CTE_RETURN_IF_ERROR(api::ParseQueueName(name).status());
  auto found = store_.queues().Find(name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return core::NotFound("The queue " + name + " does not exist.");
  return Status::Ok();
}

void Harness::WaitIdle(const api::WaitIdleRequest& request,
                       std::function<void(const Status&)> done) {
  // A misspelled or short name must not pass as idle at once.
  for (const std::string& name : request.queues) {
    if (Status s = CheckQueue(name); !s.ok()) return done(s);
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(request.timeout);
  waiters_.push_back({request, deadline, std::move(done)});
}

Harness::Busy Harness::BusyFor(const Waiter& w,
                               const std::vector<dispatch::QueueActivity>& activity) const {
  core::TimePoint now = clock_.Now();
  const auto& queues = w.request.queues;
  Busy busy;
  for (const auto& a : activity) {
    if (!queues.empty() && std::find(queues.begin(), queues.end(), a.name) == queues.end()) {
      continue;
    }
    // Paused queues never dispatch, so their tasks do not keep a waiter waiting.
    bool due = a.state == core::QueueState::kRunning && a.next_due &&
               (w.request.include_scheduled || *a.next_due <= now);
    // A second delivery in flight keeps it busy too: its outcome is not logged yet.
    int in_flight = a.in_flight + a.duplicates_in_flight;
    if (in_flight == 0 && !due) continue;
    if (!busy.description.empty()) busy.description += "; ";
    busy.description += a.name + ": " + std::to_string(in_flight) + " in flight";
    busy.in_flight = busy.in_flight || in_flight > 0;
    if (due) {
      busy.description += ", next task due " + core::FormatTimestamp(*a.next_due);
      // It goes out once it is due and the queue's bucket has a token for it.
      core::TimePoint ready = std::max(*a.next_due, a.next_token);
      if (!busy.next_due || ready < *busy.next_due) busy.next_due = ready;
    }
  }
  return busy;
}

bool Harness::CheckWaiters() {
  if (waiters_.empty()) return false;
  auto activity = dispatcher_.Activity();
  auto now = std::chrono::steady_clock::now();
  bool moved = false;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    Busy busy = BusyFor(*it, activity);
    if (busy.description.empty()) {
      AnswerIdle(std::move(*it));
      it = waiters_.erase(it);
      continue;
    }
    if (now >= it->deadline) {
      it->done(
          core::DeadlineExceeded("The queues did not become idle in time: " + busy.description));
      it = waiters_.erase(it);
      continue;
    }
    // Nothing can happen before the next due time: under the manual clock, go there.
    if (manual_ != nullptr && it->request.include_scheduled && !moved && !busy.in_flight &&
        dispatcher_.InFlight() == 0 && busy.next_due && *busy.next_due > clock_.Now()) {
      manual_->Advance(*busy.next_due - clock_.Now());
      moved = true;
    }
    ++it;
  }
  return moved;
}

// The activity seen here includes the open transaction's writes (outcomes recorded by the
// dispatcher's step): if they do not commit (a full disk), the tasks are in flight again, so the
// waiter hears that all is idle only after the commit, and waits on after a rollback.
void Harness::AnswerIdle(Waiter waiter) {
  auto held = std::make_shared<Waiter>(std::move(waiter));
  store_.OnCommit([held] { held->done(Status::Ok()); });
  store_.OnRollback([this, held] { waiters_.push_back(std::move(*held)); });
}

void Harness::ExpireWaiters(const Status& cause) {
  auto now = std::chrono::steady_clock::now();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (now < it->deadline) {
      ++it;
      continue;
    }
    it->done(core::DeadlineExceeded(
        "The queues did not become idle in time: the dispatcher cannot record its work (" +
        cause.message() + ")"));
    it = waiters_.erase(it);
  }
}

std::optional<std::chrono::steady_clock::time_point> Harness::NextWaiterDeadline() const {
  std::optional<std::chrono::steady_clock::time_point> out;
  for (const auto& w : waiters_) out = out ? std::min(*out, w.deadline) : w.deadline;
  return out;
}

}  // namespace cte::harness
