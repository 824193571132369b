// A live run: the processes, the queues, the start, the wait; the parts are in live_parts.h.
#include "experiment/live.h"

#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "api/json_codec.h"
#include "core/time_util.h"
#include "experiment/child_process.h"
#include "experiment/live_parts.h"
#include "experiment/worker_model.h"

namespace cte::experiment {

namespace {

using core::Duration;
using core::Status;
using live::SteadyTime;

// Real time between telling the workers when the run starts and its first arrival.
constexpr std::chrono::milliseconds kLead(100);
// How long one waitIdle call waits (real time) before the run reports progress and asks again.
constexpr std::chrono::milliseconds kWaitStep(200);

std::string Number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

// The emulator's --dispatch-jitter spec for `delay` (app::ParseDispatchJitter reads it back), in
// whole nanoseconds so that nothing is rounded.
std::string JitterSpec(const core::Latency& delay) {
  auto ns = [](Duration d) { return std::to_string(d.count()) + "ns"; };
  if (const auto* f = std::get_if<core::Latency::Fixed>(&delay.shape)) {
    return "fixed:" + ns(f->value);
  }
  if (const auto* u = std::get_if<core::Latency::Uniform>(&delay.shape)) {
    return "uniform:" + ns(u->min) + "," + ns(u->max);
  }
  const auto& l = std::get<core::Latency::LogNormal>(delay.shape);
  return "lognormal:" + ns(l.p50) + "," + ns(l.p99);
}

// The flags of the emulator a live run starts: in memory, at the run's time scale, with the
// scenario's cloudTasks drawn with its seed (the draws a simulated run makes for the same names).
std::vector<std::string> EmulatorArgs(const Scenario& scenario, double time_scale) {
  // SQLite in memory: on a file, a commit that meets a WAL checkpoint waits for the disk, and on a
  // shared machine that held answers back by hundreds of ms. To measure with a file, start the
  // emulator with --db and pass --emulator.
  std::vector<std::string> args = {"--host",      "127.0.0.1", "--port",       "0",
                                   "--db",        ":memory:",  "--time-scale", Number(time_scale),
                                   "--log-level", "error"};
  const core::Imperfections& cloud_tasks = scenario.cloud_tasks;
  if (!cloud_tasks.Any()) return args;
  args.insert(args.end(), {"--duplicate-rate", Number(cloud_tasks.duplicate_rate),
                           "--imperfection-seed", std::to_string(scenario.seed)});
  if (cloud_tasks.extra_delay) {
    args.insert(args.end(), {"--dispatch-jitter", JitterSpec(*cloud_tasks.extra_delay)});
  }
  return args;
}

class LiveRun {
 public:
  LiveRun(const Scenario& scenario, const LiveOptions& options)
      : scenario_(scenario), options_(options) {}

  ~LiveRun() {
    workers_.clear();
    emulator_.reset();
  }

  core::Result<RunData> Run() {
    auto wall_start = std::chrono::steady_clock::now();
    run_.name = scenario_.name;
    run_.mode = "live";
    run_.seed = scenario_.seed;
    CTE_RETURN_IF_ERROR(StartEmulator());
    client_ = std::make_unique<client::Client>(endpoint_);
    CTE_RETURN_IF_ERROR(StartWorkers());
    CTE_RETURN_IF_ERROR(Reached(CreateQueues()));
    auto clock = live::MapClock(*client_, options_.time_scale);
    if (!clock.ok()) return Reached(clock.status());
    clock_ = *clock;
    start_ = std::chrono::steady_clock::now() + kLead;
    CTE_RETURN_IF_ERROR(StartWorkerClocks());
    CTE_RETURN_IF_ERROR(Reached(Arrive()));
    CTE_RETURN_IF_ERROR(Reached(WaitForEnd()));
    live::Window window{clock_.at_ref, clock_.At(start_), scenario_.until};
    CTE_RETURN_IF_ERROR(Reached(live::Collect(*client_, window, run_)));
    run_.stopped = scenario_.until.value_or(LastMoment());
    run_.wall_time = std::chrono::steady_clock::now() - wall_start;
    Report();
    return std::move(run_);
  }

 private:
  // A call to the emulator that could not reach it, or timed out, names it.
  Status Reached(Status s) const {
    if (s.code() != core::Code::kUnavailable && s.code() != core::Code::kDeadlineExceeded) return s;
    return Status(s.code(), "the emulator at " + endpoint_ + ": " + s.message());
  }

  std::string Binary(const char* name) const { return options_.bin_dir + "/" + name; }

  Status StartEmulator() {
    if (!options_.emulator.empty()) {
      endpoint_ = options_.emulator;
      return Status::Ok();
    }
    auto child = ChildProcess::Start(Binary("cloud-tasks-emulator"),
                                     EmulatorArgs(scenario_, options_.time_scale));
    if (!child.ok()) return child.status();
    emulator_ = std::move(*child);
    endpoint_ = emulator_->url();
    return Status::Ok();
  }

  // One cloud-tasks-worker per queue, with that queue's model from the scenario file.
  Status StartWorkers() {
    for (uint32_t i = 0; i < scenario_.queues.size(); ++i) {
      const std::string& name = scenario_.queues[i].queue.name;
      std::string id = name.substr(name.rfind('/') + 1);
      if (!options_.worker_url.empty()) {
        urls_.push_back(options_.worker_url);
        continue;
      }
      auto child = ChildProcess::Start(
          Binary("cloud-tasks-worker"),
          {"--port", "0", "--record", "light", "--scenario", options_.scenario_file, "--queue",
           name, "--model-seed", std::to_string(WorkerSeed(scenario_.seed, i)), "--time-scale",
           Number(options_.time_scale)});
      if (!child.ok()) return child.status();
      urls_.push_back((*child)->url() + "/" + id);
      workers_.push_back(std::move(*child));
    }
    return Status::Ok();
  }

  // Each queue as the scenario has it, on a clean slate: a queue that exists is reset (its tasks,
  // attempts and tombstones go) and deleted first.
  Status CreateQueues() {
    for (uint32_t i = 0; i < scenario_.queues.size(); ++i) {
      const core::Queue& queue = scenario_.queues[i].queue;
      std::string parent = queue.name.substr(0, queue.name.find("/queues/"));
      auto existing = client_->GetQueue(queue.name);
      if (existing.ok()) {
        CTE_RETURN_IF_ERROR(client_->Reset(queue.name));
        CTE_RETURN_IF_ERROR(client_->DeleteQueue(queue.name));
      } else if (!core::IsNotFound(existing.status())) {
        return existing.status();
      }
      auto made = client_->Call("POST", "/v2/" + parent + "/queues", api::QueueToJson(queue, {}));
      core::Queue created;
      Status read = made.ok() ? api::ReadQueue(*made, "queue", created) : made.status();
      if (!read.ok()) {
        return Status(read.code(), "queues[" + std::to_string(i) + "].queue: " + read.message());
      }
      const core::RateLimits& limits = created.rate_limits;
      run_.queues.push_back({created.name, created.name.substr(created.name.rfind('/') + 1),
                             limits.max_dispatches_per_second, limits.max_burst_size,
                             limits.max_concurrent_dispatches, created});
    }
    return Status::Ok();
  }

  // Tells each worker we started when the run starts, so that its outages count from then.
  Status StartWorkerClocks() {
    auto start = std::chrono::system_clock::now() +
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(
                     start_ - std::chrono::steady_clock::now());
    for (const auto& worker : workers_) {
      client::Client control(worker->url());
      auto started =
          control.Call("POST", "/_worker/start", {{"startTime", core::FormatTimestamp(start)}});
      if (!started.ok()) return started.status();
    }
    return Status::Ok();
  }

  Status Arrive() {
    live::ArrivalPlan plan{endpoint_, ScenarioArrivals(scenario_), {}, clock_, start_};
    if (scenario_.until) {
      std::erase_if(plan.arrivals, [&](const Arrival& a) { return a.at > *scenario_.until; });
    }
    for (uint32_t i = 0; i < scenario_.queues.size(); ++i) {
      const TaskTemplate& task = scenario_.queues[i].task;
      plan.queues.push_back({run_.queues[i].name, urls_[i],
                             std::string(static_cast<size_t>(task.body_bytes), 'x'),
                             task.dispatch_deadline, task.schedule_delay});
    }
    total_ = static_cast<int64_t>(plan.arrivals.size());
    auto tasks = live::CreateArrivals(plan, [&](int64_t created) {
      created_ = created;
      Report();
    });
    if (!tasks.ok()) return tasks.status();
    run_.tasks = std::move(*tasks);
    created_ = total_;
    WarnIfLate(plan.arrivals);
    return Status::Ok();
  }

  // Until drained: waitIdle, counting scheduled tasks and retries, as often as it takes. Until a
  // time: then the queues are paused, so that nothing more is sent.
  Status WaitForEnd() {
    if (scenario_.until) {
      SteadyTime end = start_ + clock_.Real(*scenario_.until);
      while (std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_until(std::min(end, std::chrono::steady_clock::now() + kWaitStep));
        Report();
      }
      for (const QueueInfo& q : run_.queues) {
        CTE_RETURN_IF_ERROR(client_->PauseQueue(q.name).status());
      }
      return Status::Ok();
    }
    std::vector<std::string> names;
    for (const QueueInfo& q : run_.queues) names.push_back(q.name);
    for (;;) {
      Status idle = client_->WaitIdle(names, kWaitStep, /*include_scheduled=*/true);
      if (idle.ok()) return idle;
      if (idle.code() != core::Code::kDeadlineExceeded) return idle;
      Report();
    }
  }

  // When the last thing happened: the last answer, or the last arrival.
  Duration LastMoment() const {
    Duration last{0};
    for (const TaskRecord& t : run_.tasks) last = std::max(last, t.created);
    for (const AttemptRecord& a : run_.attempts) last = std::max(last, a.answered);
    return last;
  }

  // Creating tasks takes real time: at a high time scale the emulator may not keep up.
  void WarnIfLate(const std::vector<Arrival>& arrivals) const {
    Duration late{0};
    for (size_t i = 0; i < arrivals.size(); ++i) {
      late = std::max(late, run_.tasks[i].created - arrivals[i].at);
    }
    if (options_.warning && late > std::chrono::seconds(1)) {
      options_.warning("tasks were created up to " + core::FormatDuration(late) +
                       " (scenario time) after their arrival; a lower --time-scale keeps time");
    }
  }

  void Report() const {
    if (!options_.progress) return;
    auto elapsed = std::chrono::steady_clock::now() - start_;
    options_.progress({std::chrono::duration_cast<Duration>(
                           std::chrono::duration<double, std::nano>(elapsed) * clock_.scale),
                       created_, total_, -1});
  }

  const Scenario& scenario_;
  const LiveOptions& options_;
  std::unique_ptr<ChildProcess> emulator_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::string endpoint_;
  std::unique_ptr<client::Client> client_;
  std::vector<std::string> urls_;  // Where each queue's tasks go.
  live::ClockMap clock_;
  SteadyTime start_;
  int64_t created_ = 0, total_ = 0;
  RunData run_;
};

}  // namespace

core::Result<RunData> RunLive(const Scenario& scenario, const LiveOptions& options) {
  return LiveRun(scenario, options).Run();
}

}  // namespace cte::experiment
