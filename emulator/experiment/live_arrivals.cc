// The task creators of a live run; see live_parts.h.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/time_util.h"
#include "experiment/live_parts.h"

namespace cte::experiment::live {

namespace {

// Creators, each with its own connection. A CreateTask takes a few hundred microseconds of the
// emulator's time; eight in parallel keep a burst of a thousand tasks within tens of ms.
constexpr int kCreators = 8;

class Creators {
 public:
  explicit Creators(const ArrivalPlan& plan) : plan_(plan), tasks_(plan.arrivals.size()) {}

  core::Result<std::vector<TaskRecord>> Run(const std::function<void(int64_t)>& progress) {
    std::vector<std::thread> threads;
    for (int i = 0; i < kCreators; ++i) threads.emplace_back([this] { Loop(); });
    while (done_.load() < kCreators) {
      if (progress) progress(created_.load());
      std::unique_lock lock(mu_);
      finished_.wait_for(lock, std::chrono::milliseconds(200),
                         [&] { return done_.load() == kCreators; });
    }
    for (std::thread& t : threads) t.join();
    if (!error_.ok()) return error_;
    return std::move(tasks_);
  }

 private:
  void Loop() {
    client::Client client(plan_.endpoint);
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= plan_.arrivals.size() || stop_.load()) break;
      std::this_thread::sleep_until(plan_.start + plan_.clock.Real(plan_.arrivals[i].at));
      core::Status made = Create(client, static_cast<uint32_t>(i));
      if (!made.ok()) {
        std::lock_guard lock(mu_);
        if (error_.ok()) error_ = made;
        stop_ = true;
        break;
      }
      ++created_;
    }
    std::lock_guard lock(mu_);
    ++done_;
    finished_.notify_all();
  }

  core::Status Create(client::Client& client, uint32_t i) {
    const Arrival& arrival = plan_.arrivals[i];
    const QueuePlan& q = plan_.queues[arrival.queue];
    const core::TimePoint emulator_start = plan_.clock.At(plan_.start);
    client::TaskSpec spec;
    spec.name = TaskId(i);
    spec.http_request.url = q.url;
    spec.http_request.http_method = "POST";
    spec.http_request.body = q.body;
    spec.dispatch_deadline = core::FormatDuration(q.dispatch_deadline);
    if (q.schedule_delay.count() > 0) {
      spec.schedule_time = core::FormatTimestamp(emulator_start + arrival.at + q.schedule_delay);
    }
    SteadyTime sent = std::chrono::steady_clock::now();
    auto task = client.CreateTask(q.name, spec);
    SteadyTime back = std::chrono::steady_clock::now();
    if (!task.ok()) {
      return core::Status(task.status().code(),
                          "creating task " + spec.name + ": " + task.status().message());
    }
    // createTime is whole seconds (as Google gives it); a scheduleTime the emulator chose is the
    // moment of creation to the microsecond. Else the middle of the call tells it best.
    std::optional<core::TimePoint> created = plan_.clock.At(sent + (back - sent) / 2);
    if (spec.schedule_time.empty()) created = core::ParseTimestamp(task->schedule_time);
    if (!created) {
      return core::Internal("task " + spec.name + ": scheduleTime \"" + task->schedule_time +
                            "\" is not a timestamp");
    }
    tasks_[i] = TaskRecord{arrival.queue, *created - emulator_start, false};
    return core::Status::Ok();
  }

  const ArrivalPlan& plan_;
  std::vector<TaskRecord> tasks_;  // Task i written by the one thread that took i.
  std::atomic<size_t> next_{0};
  std::atomic<int64_t> created_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0};
  std::mutex mu_;
  std::condition_variable finished_;
  core::Status error_;  // Guarded by mu_.
};

}  // namespace

core::Result<std::vector<TaskRecord>> CreateArrivals(const ArrivalPlan& plan,
                                                     const std::function<void(int64_t)>& progress) {
  return Creators(plan).Run(progress);
}

}  // namespace cte::experiment::live
