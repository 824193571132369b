// Job: one piece of store work on its way through the pipeline, and the Lane its completion
// travels back on.
#pragma once

#include <functional>
#include <vector>

#include "core/status.h"

namespace cte::pipeline {

// Where completions run: the thread of the adapter that submitted the job.
class Lane {
 public:
  virtual ~Lane() = default;
  // Runs `completions` on the lane's thread, in order. Called on the executor's thread, at most
  // once per batch; must not block. Thread-safe.
  virtual void Deliver(std::vector<std::function<void()>> completions) = 0;
};

// What a job does to the store; the executor guards each kind as it needs.
enum class Access {
  kRead,          // Writes nothing: may run before the writes of its batch (it was concurrent
                  // with them), so its result never depends on a commit.
  kWrite,         // Runs inside a savepoint of its own: when it fails, its writes are undone.
  kSingleWrite,   // Runs at most one statement that writes, and none when it fails, so it needs
                  // no savepoint (which costs a copy of every page it touches: 8 % of CreateTask).
  kWriteOrAbort,  // Runs without a savepoint; when it fails, the whole batch is undone as when
                  // the storage fails (Abort). For work that fails only when the storage does,
                  // which most often ends the transaction anyway: the dispatcher's record of an
                  // outcome, whose savepoint copied each page it touched (issue 17).
};

struct Job {
  // Runs once, on the executor's thread, inside the batch's transaction; returns the job's own
  // outcome.
  std::function<core::Status()> run;
  // Hears the job's outcome exactly once, on `lane` (on the executor's thread after the batch
  // when `lane` is null): `run`'s error; or, for a job that wrote, why its writes did not last
  // (the commit failed, a storage failure undid the batch); or why it did not run at all; OK
  // only when it ran, succeeded and (for a write) committed. Must not block.
  std::function<void(const core::Status&)> done;
  Access access = Access::kWrite;
  Lane* lane = nullptr;  // Must outlive the executor's delivery of this job.
};

}  // namespace cte::pipeline
