// DispatchControl: the port through which the service tells the dispatcher what changed.
#pragma once

#include <string_view>

#include "core/model.h"
#include "core/status.h"

namespace cte::core {

// Called on the thread that owns the store, inside the transaction of the change.
class DispatchControl {
 public:
  virtual ~DispatchControl() = default;
  // A queue was created, updated, paused, resumed, purged or deleted.
  virtual void QueueChanged(std::string_view queue_name) = 0;
  // A task was created with this schedule time.
  virtual void TaskCreated(std::string_view queue_name, TimePoint schedule_time) = 0;
  // A task was deleted: the queue's earliest due time may be later now.
  virtual void TaskRemoved(std::string_view queue_name) = 0;
  // Implements RunTask: dispatches the task now, past pause and rate limits, and returns it as
  // it is just after the dispatch (dispatch_count raised, last_attempt without a response).
  virtual Result<Task> RunNow(Task task) = 0;
};

}  // namespace cte::core
