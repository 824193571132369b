// Harness: the emulator-only endpoints under /emulator/v1 (clock, attempts, stats, reset,
// waitIdle). Runs on the store's thread, like the API.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/json_codec.h"
#include "api/rest_handler.h"
#include "api/service.h"
#include "core/clock.h"
#include "core/task_store.h"
#include "dispatch/dispatcher.h"

namespace cte::harness {

struct HarnessOptions {
  std::string clock_mode = "system";  // "system", "manual" or "scaled".
  double time_scale = 1;
  std::vector<core::Queue> config_queues;  // Restored by reset.
};

// A pending POST /emulator/v1:waitIdle.
struct IdleWaiter {
  std::vector<std::string> queues;  // Full names; empty: every queue.
  bool include_scheduled = false;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(api::RestResponse)> respond;
};

// Not thread-safe: every method runs on the store's thread; those that write run inside a store
// transaction.
class Harness {
 public:
  // `manual_clock` is the clock when the mode is manual, else null. All references must outlive
  // the harness.
  Harness(core::TaskStore& store, api::Service& service, dispatch::Dispatcher& dispatcher,
          const core::Clock& clock, core::ManualClock* manual_clock, HarnessOptions options);

  // Whether `path` (without the query) is a harness endpoint answered through Execute/Wait.
  static bool Handles(std::string_view path);

  // Runs a harness request other than waitIdle. `method`, `path` and `query` as received.
  core::Result<api::Json> Execute(const api::RestRequest& request);

  // Parses a waitIdle request into a waiter; INVALID_ARGUMENT for a bad body.
  static core::Result<IdleWaiter> ParseWaitIdle(const std::string& body);
  void AddWaiter(IdleWaiter waiter) { waiters_.push_back(std::move(waiter)); }

  // Answers the waiters whose queues are idle or whose deadline passed; with includeScheduled
  // under the manual clock, moves the clock to the next due time when nothing else can happen.
  // Returns true when the clock moved (the dispatcher should step again at once).
  bool CheckWaiters();
  // The earliest waiter deadline, if any.
  std::optional<std::chrono::steady_clock::time_point> NextWaiterDeadline() const;

 private:
  core::Result<api::Json> Clock() const;
  core::Result<api::Json> MoveClock(const std::string& verb, const api::Json& body);
  core::Result<api::Json> Attempts(const api::RestRequest& request);
  core::Result<api::Json> Stats();
  core::Result<api::Json> Reset(const api::Json& body);
  // What keeps a waiter's queues from being idle.
  struct Busy {
    std::string description;  // E.g. "projects/.../queues/q: 2 in flight"; empty when idle.
    bool in_flight = false;
    std::optional<core::TimePoint> next_due;  // Earliest due time among its queues.
  };
  Busy BusyFor(const IdleWaiter& w, const std::vector<dispatch::QueueActivity>& activity) const;

  core::TaskStore& store_;
  api::Service& service_;
  dispatch::Dispatcher& dispatcher_;
  const core::Clock& clock_;
  core::ManualClock* manual_;
  HarnessOptions options_;
  std::vector<IdleWaiter> waiters_;
};

}  // namespace cte::harness
