// DispatchRig: a Dispatcher and the Service that feeds it, over a store and a pusher the test
// chooses, on a ManualClock; what the dispatcher and harness unit tests share. Header-only: it
// uses doctest's REQUIRE.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "api/service.h"
#include "core/clock.h"
#include "core/transaction.h"
#include "dispatch/dispatcher.h"
#include "pipeline/executor.h"

namespace cte::testing {

inline const core::TimePoint kRigStart =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 29) + std::chrono::hours(20);
inline const std::string kRigWorkUrl = "http://127.0.0.1:9/work";

// The value of header `name` in `r`, or "<absent>".
inline std::string Header(const core::PushRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

// The results the dispatcher posts wait in `posted` until the test runs them (DrainEach,
// DrainBatch) or drops them. Derive a fixture from a struct that owns the store and the pusher
// first, then from the rig: both must outlive it.
class DispatchRig {
 public:
  DispatchRig(core::TaskStore& store, core::Pusher& pusher,
              dispatch::DispatcherOptions options = {},
              api::ServiceOptions service_options = {std::chrono::hours(1), std::chrono::seconds(0),
                                                     false})
      : dispatcher{store, clock, pusher, Post(), std::move(options)},
        service{store, clock, service_options},
        store_(store) {
    service.SetDispatchControl(&dispatcher);
  }

  // Runs `f` (returning a Status) in a transaction that commits when it succeeds.
  template <typename F>
  core::Status Run(F&& f) {
    return core::InTransaction(store_, std::forward<F>(f));
  }
  // Runs `f` in a transaction that must commit; returns what `f` returned.
  template <typename F>
  auto Tx(F&& f) {
    REQUIRE(store_.Begin().ok());
    auto r = f();
    REQUIRE(store_.Commit().ok());
    return r;
  }

  // Runs a step of `d` in a transaction of its own, which must commit; returns its wake-up time.
  std::optional<core::TimePoint> StepOf(dispatch::Dispatcher& d) {
    std::optional<core::TimePoint> wake;
    REQUIRE(Run([&]() -> core::Status {
              auto next = d.Step();
              if (next.ok()) wake = *next;
              return next.status();
            }).ok());
    return wake;
  }
  std::optional<core::TimePoint> Step() { return StepOf(dispatcher); }
  // A step that may fail.
  core::Status TryStep() {
    return Run([&] { return dispatcher.Step().status(); });
  }

  // Runs the posted results, each in its own transaction.
  void DrainEach() {
    while (!posted.empty()) {
      pipeline::Job job = std::move(posted.front());
      posted.pop_front();
      job.done(core::InTransaction(store_, job.run));
    }
  }
  // Runs the posted results as one batch, as the executor's thread would.
  void DrainBatch() {
    std::deque<pipeline::Job> batch;
    batch.swap(posted);
    pipeline::Executor::RunBatch(store_, batch);
  }
  // The posted results hear that they did not run, as when the executor stops.
  void Drop() {
    std::deque<pipeline::Job> jobs;
    jobs.swap(posted);
    for (pipeline::Job& job : jobs) job.done(core::Unavailable("The call did not run."));
  }

  // Creates `q` in its location; it must succeed.
  void CreateQueue(const core::Queue& q) {
    std::string parent = q.name.substr(0, q.name.find("/queues/"));
    REQUIRE(Tx([&] { return service.CreateQueue(parent, q).status(); }).ok());
  }
  // Creates an HTTP task of `queue`, due after `delay`.
  core::Status CreateTask(const std::string& queue, const std::string& id,
                          core::Duration delay = core::Duration(0),
                          const std::string& url = kRigWorkUrl, const std::string& body = "") {
    core::Task t;
    t.name = queue + "/tasks/" + id;
    t.http_request.emplace();
    t.http_request->url = url;
    t.http_request->body = body;
    t.schedule_time = clock.Now() + delay;
    return Tx([&] { return service.CreateTask(queue, t, core::TaskView::kBasic).status(); });
  }

  core::ManualClock clock{kRigStart};
  std::deque<pipeline::Job> posted;
  dispatch::Dispatcher dispatcher;
  api::Service service;

 private:
  dispatch::PostWork Post() {
    return [this](auto work, auto done) {
      posted.push_back(pipeline::Job{std::move(work), std::move(done)});
    };
  }

  core::TaskStore& store_;
};

}  // namespace cte::testing
