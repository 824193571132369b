#include "http/io_lane.h"

#include "http/asio.h"

namespace cte::http {

IoLane::IoLane(asio::io_context& io, pipeline::Executor& executor) : io_(io), executor_(executor) {}

// Under load the executor otherwise wakes for a handful of requests at a time, and each batch
// costs a commit (and rewrites the pages the last one left half full). Without the cap the I/O
// thread read all 128 requests of a load test before the store thread saw the first, and the two
// threads took turns instead of working at once: REST CreateTask went from 30k to 38k a second
// with it (16 and 32 did as well; 64 was slower, as was 8 on a file database).
void IoLane::Submit(pipeline::Job job) {
  job.lane = this;
  waiting_.push_back(std::move(job));
  if (waiting_.size() >= kHandOffJobs) {
    executor_.Submit(waiting_);
    return;
  }
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] {
    flush_posted_ = false;
    if (!waiting_.empty()) executor_.Submit(waiting_);
  });
}

void IoLane::Deliver(std::vector<std::function<void()>> completions) {
  asio::post(io_, [fs = std::move(completions)] {
    for (const auto& f : fs) f();
  });
}

}  // namespace cte::http
