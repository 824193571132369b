// AttemptFeed: the attempts that ended most recently, numbered as they ended, for the dashboard's
// live feed (/emulator/v1/events). The attempt log numbers attempts as they start; a feed of
// endings needs its own order.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/attempt_log.h"

namespace cte::harness {

// Not thread-safe: owned by the store's thread.
class AttemptFeed {
 public:
  // Keeps the last `capacity` entries.
  explicit AttemptFeed(size_t capacity) : capacity_(capacity) {}

  void Add(core::AttemptLogEntry entry) {
    entries_.emplace_back(++last_, std::move(entry));
    if (entries_.size() > capacity_) entries_.pop_front();
  }
  // The entries numbered after `after`, oldest first (those kept), and the last number given.
  std::pair<std::vector<core::AttemptLogEntry>, int64_t> Since(int64_t after) const {
    std::vector<core::AttemptLogEntry> out;
    for (const auto& [n, e] : entries_) {
      if (n > after) out.push_back(e);
    }
    return {std::move(out), last_};
  }
  void Clear() { entries_.clear(); }

 private:
  size_t capacity_;
  std::deque<std::pair<int64_t, core::AttemptLogEntry>> entries_;
  int64_t last_ = 0;
};

}  // namespace cte::harness
