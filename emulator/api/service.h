// Service: the Cloud Tasks v2 methods over core types, shared by the REST and gRPC adapters.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api/rpc.h"
#include "core/clock.h"
#include "core/dispatch_control.h"
#include "core/model.h"
#include "core/status.h"
#include "core/task_store.h"
#include "pipeline/job.h"

namespace cte::api {

struct ServiceOptions {
  core::Duration task_tombstone = std::chrono::hours(1);  // How long a used task name is blocked.
  core::Duration queue_tombstone{0};  // How long a deleted queue name is blocked.
  bool auto_create_queues = false;    // CreateTask on a missing queue creates it.
};

struct PageRequest {
  int32_t page_size = 0;
  std::string page_token;
};

struct ListLocationsRequest {
  std::string name;  // "projects/{project}".
  std::string filter;
  PageRequest page;
};
struct ListLocationsResponse {
  std::vector<core::Location> locations;
  std::string next_page_token;
};

struct ListQueuesRequest {
  std::string parent;
  std::string filter;
  PageRequest page;
};
struct ListQueuesResponse {
  std::vector<core::Queue> queues;
  std::string next_page_token;
};

struct UpdateQueueRequest {
  core::Queue queue;
  std::vector<std::string> update_mask;  // snake_case paths, e.g. "rate_limits.max_attempts".
  // Set by the gRPC adapter: its wire has no httpTarget, so the stored one stays (spec 4.8).
  bool keep_http_target = false;
};

struct ListTasksRequest {
  std::string parent;
  core::TaskView response_view = core::TaskView::kUnspecified;
  PageRequest page;
};
struct ListTasksResponse {
  std::vector<core::Task> tasks;
  std::string next_page_token;
};

// Implements the semantics of spec sections 4 and 5 on a TaskStore. Every method must run
// between store.Begin() and store.Commit(); a method that fails leaves nothing written.
// Not thread-safe: owned by the thread that owns the store.
class Service {
 public:
  // `store` and `clock` must outlive the service.
  Service(core::TaskStore& store, const core::Clock& clock, ServiceOptions options);

  // How a batch must guard a call of `rpc`: a read, a write that needs a savepoint, or a single
  // write (CreateTask runs one statement that writes, and none when it fails, unless it creates
  // its queue). Thread-safe (reads only the options), so the adapters ask before they hand a
  // call over.
  pipeline::Access AccessOf(Rpc rpc) const;

  core::Result<ListLocationsResponse> ListLocations(const ListLocationsRequest& request);
  core::Result<core::Location> GetLocation(const std::string& name);

  core::Result<ListQueuesResponse> ListQueues(const ListQueuesRequest& request);
  core::Result<core::Queue> GetQueue(const std::string& name);
  core::Result<core::Queue> CreateQueue(const std::string& parent, core::Queue queue);
  core::Result<core::Queue> UpdateQueue(const UpdateQueueRequest& request);
  core::Status DeleteQueue(const std::string& name);
  core::Result<core::Queue> PurgeQueue(const std::string& name);
  core::Result<core::Queue> PauseQueue(const std::string& name);
  core::Result<core::Queue> ResumeQueue(const std::string& name);

  core::Result<core::Policy> GetIamPolicy(const std::string& resource);
  core::Result<core::Policy> SetIamPolicy(const std::string& resource, core::Policy policy);
  core::Result<std::vector<std::string>> TestIamPermissions(
      const std::string& resource, const std::vector<std::string>& permissions);

  core::Result<ListTasksResponse> ListTasks(const ListTasksRequest& request);
  core::Result<core::Task> GetTask(const std::string& name, core::TaskView view);
  core::Result<core::Task> CreateTask(const std::string& parent, core::Task task,
                                      core::TaskView view);
  core::Status DeleteTask(const std::string& name);
  core::Result<core::Task> RunTask(const std::string& name, core::TaskView view);

  // BufferTask (REST only, spec 2.1): creates an HTTP task on `queue`, whose httpTarget gives
  // the URL (core::BufferedTaskUrl) and the method, with `body` and `headers`; `task_id` ""
  // generates one. FAILED_PRECONDITION when the queue has no httpTarget; otherwise CreateTask's
  // errors. The task comes back in the BASIC view.
  core::Result<core::Task> BufferTask(const std::string& queue, const std::string& task_id,
                                      std::string body, core::HeaderMap headers);

  // The CMEK config of a location ("projects/p/locations/l"): stored, returned, never used to
  // encrypt. Update sets `kms_key` when `update_mask` is empty or names kms_key ("" turns CMEK
  // off); INVALID_ARGUMENT for a key not of the form projects/*/locations/<the same
  // location>/keyRings/*/cryptoKeys/* or another mask path, FAILED_PRECONDITION when a queue of
  // the location has queue-level authentication (spec 4.8).
  core::Result<core::CmekConfig> GetCmekConfig(const std::string& location);
  core::Result<core::CmekConfig> UpdateCmekConfig(const std::string& location,
                                                  const std::string& kms_key,
                                                  const std::vector<std::string>& update_mask);

  // Creates the queue, or updates its settings, keeping its tasks and IAM policy, and its state
  // unless `queue` asks for RUNNING or PAUSED. Used for the queues of --config at start.
  core::Status ApplyQueueConfig(core::Queue queue);

  // Tells `dispatch` about every change and lets it run tasks (RunTask answers UNIMPLEMENTED
  // without one). `dispatch` must outlive the service, or be reset to nullptr first.
  void SetDispatchControl(core::DispatchControl* dispatch) { dispatch_ = dispatch; }

  // Forgets expired tombstones; call now and then.
  core::Status Housekeep();

 private:
  core::Result<core::Queue> LoadQueue(const std::string& name, const char* not_found);
  core::Result<core::Queue> SetState(const std::string& name, core::QueueState state);
  core::Status CheckQueueNameFree(const std::string& name);
  // FAILED_PRECONDITION when the queue has queue-level authentication and its location a CMEK
  // key (spec 4.8: the two cannot be combined).
  core::Status CheckCmekAllows(const core::Queue& queue);
  // OK when the queue exists, or was just created (--auto-create-queues). Requires: `parent` is a
  // valid queue name.
  core::Status QueueForNewTask(const std::string& parent);
  void NotifyQueueChanged(const std::string& name);
  // Generated task IDs: 19-digit numbers that start at a random point and grow by a random
  // step (see service_tasks.cc).
  std::string NewTaskId();
  void RestartTaskIds();

  core::TaskStore& store_;
  const core::Clock& clock_;
  ServiceOptions options_;
  std::mt19937_64 random_;
  uint64_t last_task_number_ = 0;  // The last generated task ID; see NewTaskId.
  core::DispatchControl* dispatch_ = nullptr;
};

// Applies a response view: BASIC (and unspecified) leaves out request bodies.
core::Task ApplyView(core::Task task, core::TaskView view);

}  // namespace cte::api
