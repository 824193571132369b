// CountingWorker: an in-process HTTP worker for dispatch tests that answers every request 200 and
// remembers, per task, when each delivery was answered.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cte::testing {

class CountingWorker {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // Listens on a free port of 127.0.0.1 and serves on a thread of its own; each request is
  // answered 200 after `latency` (a timer, not a blocked thread).
  explicit CountingWorker(std::chrono::milliseconds latency = std::chrono::milliseconds(0));
  // Stops serving and joins the thread.
  ~CountingWorker();

  CountingWorker(const CountingWorker&) = delete;
  CountingWorker& operator=(const CountingWorker&) = delete;

  int port() const;
  // A URL for task requests.
  std::string Url() const;

  // The answer times of each task's deliveries (X-CloudTasks-TaskName), oldest first.
  // Thread-safe.
  std::map<std::string, std::vector<Time>> Deliveries() const;
  // Deliveries answered so far, over all tasks; requests received and not answered yet.
  // Thread-safe.
  int Answered() const;
  int Pending() const;
  // Changes the latency of requests received from now on. Thread-safe.
  void SetLatency(std::chrono::milliseconds latency);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::testing
