// Eventually: waits for a condition with a deadline, for tests that involve real time.
#pragma once

#include <chrono>
#include <thread>

namespace cte::testing {

// Polls `pred` until it holds or `timeout` passes; returns its last value.
template <typename Pred>
bool Eventually(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace cte::testing
