#include "experiment/simulation.h"

#include <algorithm>
#include <deque>

#include "api/service.h"
#include "core/transaction.h"
#include "dispatch/dispatcher.h"
#include "experiment/arrivals.h"
#include "experiment/sim_pusher.h"
#include "pipeline/executor.h"
#include "store/memory_store.h"

namespace cte::experiment {

namespace {

using core::Duration;
using core::Status;
using core::TimePoint;

// Where the tasks of queue `id` go; the SimPusher answers for it.
std::string WorkerUrl(const std::string& id) { return "http://" + id + ".worker.sim/"; }

AttemptRecord RecordOf(const core::AttemptLogEntry& e, uint32_t task) {
  using Outcome = core::AttemptLogEntry::Outcome;
  AttemptRecord a;
  a.task = task;
  a.attempt = e.attempt;
  a.dispatched = e.dispatch_time.value_or(kSimulationStart) - kSimulationStart;
  a.answered = e.response_time.value_or(kSimulationStart) - kSimulationStart;
  a.status = e.http_status;
  a.duplicate = e.duplicate;
  switch (e.outcome) {
    case Outcome::kResponse:
      a.outcome = OutcomeOfStatus(e.http_status);
      break;
    case Outcome::kDeadlineExceeded:
      a.outcome = AttemptOutcome::kTimeout;
      break;
    case Outcome::kDiscarded:
      a.outcome = AttemptOutcome::kDiscarded;
      break;
    default:
      a.outcome = AttemptOutcome::kConnectionError;
  }
  return a;
}

class Simulation {
 public:
  Simulation(const Scenario& scenario, const SimulationOptions& options)
      : scenario_(scenario),
        options_(options),
        service_(store_, clock_, api::ServiceOptions{Duration(0), Duration(0), false}),
        pusher_(clock_, kSimulationStart),
        dispatcher_(
            store_, clock_, pusher_,
            [this](auto work, auto done) {
              posted_.push_back({std::move(work), std::move(done)});
            },
            DispatcherOptions()) {
    service_.SetDispatchControl(&dispatcher_);
  }

  core::Result<RunData> Run() {
    auto wall_start = std::chrono::steady_clock::now();
    run_.name = scenario_.name;
    run_.mode = "simulated";
    run_.seed = scenario_.seed;
    CTE_RETURN_IF_ERROR(CreateQueues());
    std::optional<TimePoint> wake = clock_.Now();
    while (auto next = NextEvent(wake)) {
      if (scenario_.until && *next - kSimulationStart > *scenario_.until) {
        next = kSimulationStart + *scenario_.until;
      } else if (*next - kSimulationStart > options_.limit) {
        next = kSimulationStart + options_.limit;
      }
      if (*next > clock_.Now()) clock_.Advance(*next - clock_.Now());
      auto stepped = Turn();
      if (!stepped.ok()) return stepped.status();
      wake = *stepped;
      if (Elapsed() >= scenario_.until.value_or(options_.limit)) break;
      Report(false);
    }
    CTE_RETURN_IF_ERROR(MarkOpenTasks());
    run_.stopped = Elapsed();
    run_.wall_time = std::chrono::steady_clock::now() - wall_start;
    Report(true);
    return std::move(run_);
  }

 private:
  dispatch::DispatcherOptions DispatcherOptions() {
    dispatch::DispatcherOptions d;
    d.task_tombstone = Duration(0);
    d.store_attempts = false;  // Recorded by on_attempt.
    d.on_attempt = [this](const core::AttemptLogEntry& e) { Record(e); };
    // The scenario's cloudTasks block, drawn with its seed: the same choices in every run.
    d.imperfections = scenario_.cloud_tasks;
    d.imperfection_seed = scenario_.seed;
    return d;
  }

  Duration Elapsed() const { return clock_.Now() - kSimulationStart; }

  Status CreateQueues() {
    for (uint32_t i = 0; i < scenario_.queues.size(); ++i) {
      const QueueScenario& qs = scenario_.queues[i];
      std::string parent = qs.queue.name.substr(0, qs.queue.name.find("/queues/"));
      core::Queue made;
      Status s = core::InTransaction(store_, [&]() -> Status {
        auto q = service_.CreateQueue(parent, qs.queue);
        if (q.ok()) made = std::move(*q);
        return q.status();
      });
      if (!s.ok()) {
        return core::InvalidArgument("queues[" + std::to_string(i) + "].queue: " + s.message());
      }
      QueueInfo info{made.name,
                     made.name.substr(made.name.rfind('/') + 1),
                     made.rate_limits.max_dispatches_per_second,
                     made.rate_limits.max_burst_size,
                     made.rate_limits.max_concurrent_dispatches,
                     made};
      pusher_.AddWorker(WorkerUrl(info.id), qs.worker, WorkerSeed(scenario_.seed, i));
      run_.queues.push_back(std::move(info));
      bodies_.emplace_back(static_cast<size_t>(qs.task.body_bytes), 'x');
    }
    arrivals_ = ScenarioArrivals(scenario_);
    run_.tasks.reserve(arrivals_.size());
    return Status::Ok();
  }

  // The next moment something happens: an arrival, an answer, or a step the dispatcher asked
  // for. nullopt when nothing is left to happen.
  std::optional<TimePoint> NextEvent(std::optional<TimePoint> wake) const {
    std::optional<TimePoint> next = wake;
    auto earliest = [&](std::optional<TimePoint> t) {
      if (t && (!next || *t < *next)) next = t;
    };
    if (next_arrival_ < arrivals_.size()) {
      earliest(kSimulationStart + arrivals_[next_arrival_].at);
    }
    earliest(pusher_.NextAnswer());
    return next;
  }

  // Everything due now: arrivals, answers (their records), then a dispatcher step. Returns when
  // the dispatcher next needs to run.
  core::Result<std::optional<TimePoint>> Turn() {
    TimePoint now = clock_.Now();
    Status created = core::InTransaction(store_, [&] { return CreateDue(now); });
    if (!created.ok()) return created;
    pusher_.DeliverDue(now);
    std::deque<pipeline::Job> batch;
    batch.swap(posted_);
    if (!batch.empty()) pipeline::Executor::RunBatch(store_, batch);
    std::optional<TimePoint> wake;
    Status stepped = core::InTransaction(store_, [&]() -> Status {
      auto next = dispatcher_.Step();
      if (next.ok()) wake = *next;
      return next.status();
    });
    if (!stepped.ok()) return stepped;
    return wake;
  }

  Status CreateDue(TimePoint now) {
    for (;
         next_arrival_ < arrivals_.size() && kSimulationStart + arrivals_[next_arrival_].at <= now;
         ++next_arrival_) {
      uint32_t q = arrivals_[next_arrival_].queue;
      const QueueScenario& qs = scenario_.queues[q];
      auto index = static_cast<uint32_t>(run_.tasks.size());
      core::Task task;
      task.name = run_.queues[q].name + "/tasks/" + TaskId(index);
      task.http_request.emplace();
      task.http_request->url = WorkerUrl(run_.queues[q].id);
      task.http_request->http_method = core::HttpMethod::kPost;
      task.http_request->body = bodies_[q];
      task.schedule_time = now + qs.task.schedule_delay;
      task.dispatch_deadline = qs.task.dispatch_deadline;
      auto made = service_.CreateTask(run_.queues[q].name, std::move(task), core::TaskView::kBasic);
      if (!made.ok()) return made.status();
      run_.tasks.push_back({q, now - kSimulationStart, false});
    }
    return Status::Ok();
  }

  void Record(const core::AttemptLogEntry& e) {
    auto index = TaskIndex(std::string_view(e.task).substr(e.task.rfind('/') + 1));
    if (!index || *index >= run_.tasks.size()) return;
    run_.attempts.push_back(RecordOf(e, *index));
  }

  // Marks the tasks still in their queues when the run stops.
  Status MarkOpenTasks() {
    return core::InTransaction(store_, [&]() -> Status {
      for (const QueueInfo& q : run_.queues) {
        int64_t after = 0;
        for (;;) {
          auto page = store_.tasks().List(q.name, after, 1000, false);
          if (!page.ok()) return page.status();
          if (page->tasks.empty()) break;
          for (const core::Task& t : page->tasks) {
            auto index = TaskIndex(std::string_view(t.name).substr(t.name.rfind('/') + 1));
            if (index && *index < run_.tasks.size()) run_.tasks[*index].open = true;
          }
          after = page->last_position;
        }
      }
      return Status::Ok();
    });
  }

  void Report(bool force) {
    if (!options_.progress) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && (++turns_ % 1024 != 0 || now - last_report_ < std::chrono::milliseconds(200))) {
      return;
    }
    last_report_ = now;
    options_.progress({Elapsed(), static_cast<int64_t>(run_.tasks.size()),
                       static_cast<int64_t>(arrivals_.size()),
                       static_cast<int64_t>(run_.attempts.size())});
  }

  const Scenario& scenario_;
  SimulationOptions options_;
  core::ManualClock clock_{kSimulationStart};
  store::MemoryStore store_;
  api::Service service_;
  SimPusher pusher_;
  std::deque<pipeline::Job> posted_;
  dispatch::Dispatcher dispatcher_;
  std::vector<Arrival> arrivals_;  // In time order; the i-th is task i.
  size_t next_arrival_ = 0;
  std::vector<std::string> bodies_;  // By queue.
  RunData run_;
  uint64_t turns_ = 0;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace

core::Result<RunData> Simulate(const Scenario& scenario, const SimulationOptions& options) {
  return Simulation(scenario, options).Run();
}

}  // namespace cte::experiment
