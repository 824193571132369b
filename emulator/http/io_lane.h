// IoLane: the pipeline lane of the I/O thread. Jobs submitted there reach the executor in
// groups, and completions come back in groups: a wake-up and a lock per round of work rather
// than per request.
#pragma once

#include <vector>

#include "pipeline/executor.h"
#include "pipeline/job.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace cte::http {

class IoLane final : public pipeline::Lane {
 public:
  // Jobs the I/O thread gathers before it hands them over; see Submit.
  static constexpr size_t kHandOffJobs = 16;

  // `io` (run by one thread) and `executor` must outlive the lane.
  IoLane(boost::asio::io_context& io, pipeline::Executor& executor);

  // On the I/O thread: queues a job (with this lane as its lane); it goes to the executor once
  // the handlers already waiting on the I/O thread (other connections' requests, most often)
  // have run, or at once when kHandOffJobs are waiting.
  void Submit(pipeline::Job job);

  // Thread-safe: posts the completions to the I/O thread.
  void Deliver(std::vector<std::function<void()>> completions) override;

 private:
  boost::asio::io_context& io_;
  pipeline::Executor& executor_;
  std::vector<pipeline::Job> waiting_;  // I/O thread only.
  bool flush_posted_ = false;           // I/O thread only.
};

}  // namespace cte::http
