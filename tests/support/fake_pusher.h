// FakePusher: records every push and lets the test decide when and how each one ends.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/pusher.h"

namespace cte::testing {

class FakePusher final : public core::Pusher {
 public:
  struct Sent {
    core::PushRequest request;
    std::function<void(core::PushResult)> done;
  };

  uint64_t Push(core::PushRequest request, std::function<void(core::PushResult)> done) override {
    sent.push_back({std::move(request), std::move(done)});
    return sent.size() - 1;
  }
  void Cancel(uint64_t id) override { cancelled.push_back(id); }

  // Ends the oldest open push with an HTTP status (and an optional Retry-After).
  void Answer(int status, std::optional<core::Duration> retry_after = std::nullopt) {
    core::PushResult r;
    r.outcome = core::PushResult::Outcome::kResponse;
    r.http_status = status;
    r.retry_after = retry_after;
    Finish(r);
  }
  void Fail(core::PushResult::Outcome outcome) {
    core::PushResult r;
    r.outcome = outcome;
    r.error = "test";
    Finish(r);
  }
  void Finish(const core::PushResult& r) {
    Sent s = std::move(sent[open]);
    ++open;
    s.done(r);
  }
  size_t Open() const { return sent.size() - open; }

  std::deque<Sent> sent;
  std::vector<uint64_t> cancelled;
  size_t open = 0;  // Index of the oldest push not ended yet.
};

}  // namespace cte::testing
