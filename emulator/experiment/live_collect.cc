// The emulator's clock as seen from a live run, and the reading of what the run did; see
// live_parts.h.
#include <algorithm>
#include <cmath>
#include <thread>

#include "core/time_util.h"
#include "experiment/live_parts.h"

namespace cte::experiment::live {

namespace {

using core::Duration;
using core::Status;

// Round trips per clock sample; the quickest tells the emulator's time best.
constexpr int kClockTrips = 5;
// How far apart the two samples that measure the clock's pace are.
constexpr std::chrono::milliseconds kPaceSpan(200);
// Attempts a page: the most /emulator/v1/attempts gives.
constexpr int kAttemptPage = 10000;
constexpr int kTaskPage = 1000;

struct Sample {
  SteadyTime at;
  core::TimePoint emulator;
};

core::Result<Sample> SampleClock(client::Client& client) {
  std::optional<Sample> best;
  std::chrono::steady_clock::duration best_trip{};
  for (int i = 0; i < kClockTrips; ++i) {
    SteadyTime sent = std::chrono::steady_clock::now();
    auto clock = client.GetClock();
    SteadyTime back = std::chrono::steady_clock::now();
    if (!clock.ok()) return clock.status();
    if (clock->mode == "manual") {
      return core::InvalidArgument(
          "--emulator: its clock is manual; a live run needs a running clock");
    }
    auto time = core::ParseTimestamp(clock->time);
    if (!time) return core::Internal("the emulator's clock time \"" + clock->time + "\"");
    if (!best || back - sent < best_trip) {
      best = Sample{sent + (back - sent) / 2, *time};
      best_trip = back - sent;
    }
  }
  return *best;
}

AttemptOutcome OutcomeOf(const client::AttemptRecord& a) {
  if (a.outcome == "RESPONSE") return OutcomeOfStatus(a.http_status);
  if (a.outcome == "DEADLINE_EXCEEDED") return AttemptOutcome::kTimeout;
  if (a.outcome == "DISCARDED") return AttemptOutcome::kDiscarded;
  return AttemptOutcome::kConnectionError;
}

// Adds one attempt of the log to `run`, or marks its task open when it had not ended by the stop.
void AddAttempt(const client::AttemptRecord& a, const Window& window, RunData& run) {
  const core::TimePoint start = window.start;
  const std::optional<Duration>& stop = window.stop;
  auto index = TaskIndex(std::string_view(a.task).substr(a.task.rfind('/') + 1));
  auto dispatched = core::ParseTimestamp(a.dispatch_time);
  if (!index || *index >= run.tasks.size() || !dispatched || *dispatched < window.since) return;
  auto answered = core::ParseTimestamp(a.response_time);
  if (a.outcome == "IN_FLIGHT" || !answered || (stop && *answered - start > *stop)) {
    run.tasks[*index].open = true;
    return;
  }
  AttemptRecord r;
  r.task = *index;
  r.attempt = a.attempt;
  r.dispatched = *dispatched - start;
  r.answered = *answered - start;
  r.outcome = OutcomeOf(a);
  r.status = a.http_status;
  r.duplicate = a.duplicate;
  run.attempts.push_back(r);
}

Status CollectAttempts(client::Client& client, const std::string& queue, const Window& window,
                       RunData& run) {
  client::ListOptions page;
  page.page_size = kAttemptPage;
  do {
    auto attempts = client.ListAttempts(queue, "", page);
    if (!attempts.ok()) return attempts.status();
    for (const client::AttemptRecord& a : attempts->items) AddAttempt(a, window, run);
    page.page_token = attempts->next_page_token;
  } while (!page.page_token.empty());
  return Status::Ok();
}

Status MarkOpenTasks(client::Client& client, const std::string& queue, RunData& run) {
  client::ListOptions page;
  page.page_size = kTaskPage;
  do {
    auto tasks = client.ListTasks(queue, page);
    if (!tasks.ok()) return tasks.status();
    for (const client::Task& t : tasks->items) {
      auto index = TaskIndex(std::string_view(t.name).substr(t.name.rfind('/') + 1));
      if (index && *index < run.tasks.size()) run.tasks[*index].open = true;
    }
    page.page_token = tasks->next_page_token;
  } while (!page.page_token.empty());
  return Status::Ok();
}

}  // namespace

core::TimePoint ClockMap::At(SteadyTime t) const {
  return at_ref + std::chrono::duration_cast<Duration>(
                      std::chrono::duration<double, std::nano>(t - ref) * scale);
}

std::chrono::steady_clock::duration ClockMap::Real(Duration scenario) const {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::nano>(scenario) / scale);
}

core::Result<ClockMap> MapClock(client::Client& client, double scale) {
  auto first = SampleClock(client);
  if (!first.ok()) return first.status();
  std::this_thread::sleep_for(kPaceSpan);
  auto second = SampleClock(client);
  if (!second.ok()) return second.status();
  double pace = std::chrono::duration<double>(second->emulator - first->emulator).count() /
                std::chrono::duration<double>(second->at - first->at).count();
  if (std::abs(pace / scale - 1) > 0.1) {
    char message[160];
    std::snprintf(message, sizeof message,
                  "--emulator: its clock runs %.3g times as fast as real time, not %g "
                  "(--time-scale); start it with --time-scale %g",
                  pace, scale, scale);
    return core::InvalidArgument(message);
  }
  return ClockMap{second->at, second->emulator, scale};
}

Status Collect(client::Client& client, const Window& window, RunData& run) {
  for (const QueueInfo& q : run.queues) {
    CTE_RETURN_IF_ERROR(CollectAttempts(client, q.name, window, run));
    CTE_RETURN_IF_ERROR(MarkOpenTasks(client, q.name, run));
  }
  // The order the attempts ended in, as a simulated run records them.
  std::stable_sort(run.attempts.begin(), run.attempts.end(),
                   [](const AttemptRecord& a, const AttemptRecord& b) {
                     return a.answered != b.answered ? a.answered < b.answered : a.task < b.task;
                   });
  return Status::Ok();
}

}  // namespace cte::experiment::live
