// Client: a typed, blocking C++ client of the emulator's Cloud Tasks v2 REST API and of its
// /emulator/v1 test harness. It speaks HTTP only, exactly as a client of Google would.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/lib/status.h"
#include "client/lib/types.h"

namespace cte::client {

class HttpConnection;

// Resource names: "projects/P/locations/L", ".../queues/Q", ".../queues/Q/tasks/T".
std::string LocationName(std::string_view project, std::string_view location);
std::string QueueName(std::string_view project, std::string_view location, std::string_view queue);
std::string TaskName(std::string_view queue_name, std::string_view task_id);

// Paging and view options of the List methods; empty or 0 fields are not sent.
struct ListOptions {
  int page_size = 0;
  std::string page_token;
  std::string filter;         // ListQueues, ListLocations.
  std::string response_view;  // ListTasks: BASIC or FULL.
};

// GET /emulator/v1/stats.
struct EmulatorStats {
  std::string time;
  std::vector<QueueStats> queues;
  nlohmann::json raw;
};

class Client {
 public:
  // `endpoint` is "host:port", "http://host:port" or "http://host:port/"; empty means
  // DefaultEndpoint(). Does not connect: the first call does, and later calls reuse the
  // connection (reconnecting when the server closed it). An https:// or malformed endpoint
  // makes every call return INVALID_ARGUMENT.
  explicit Client(std::string endpoint = "");
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // $CLOUD_TASKS_EMULATOR_HOST when set and non-empty, else "127.0.0.1:8123".
  static std::string DefaultEndpoint();
  // "host:port" as used.
  std::string endpoint() const;
  // Per-call deadline for ordinary calls (default 60 s). WaitIdle adds its own timeout.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Every method below is blocking and not thread-safe (use one Client per thread). Errors
  // carry the server's google.rpc code and message (e.g. NOT_FOUND, ALREADY_EXISTS,
  // INVALID_ARGUMENT); UNAVAILABLE when the emulator cannot be reached, DEADLINE_EXCEEDED when
  // it does not answer in time. `parent`/`name` arguments are full resource names.

  // Cloud Tasks v2: queues. UpdateQueue patches `queue.name` (an upsert) with the given
  // update mask paths (e.g. "rateLimits.maxDispatchesPerSecond"); an empty mask sends none.
  Result<Page<Queue>> ListQueues(const std::string& parent, const ListOptions& options = {});
  Result<Queue> GetQueue(const std::string& name);
  Result<Queue> CreateQueue(const std::string& parent, const Queue& queue);
  Result<Queue> UpdateQueue(const Queue& queue, const std::vector<std::string>& update_mask = {});
  Status DeleteQueue(const std::string& name);
  Result<Queue> PurgeQueue(const std::string& name);
  Result<Queue> PauseQueue(const std::string& name);
  Result<Queue> ResumeQueue(const std::string& name);

  // IAM on a queue (stored and returned by the emulator, never enforced).
  Result<Policy> GetIamPolicy(const std::string& resource);
  Result<Policy> SetIamPolicy(const std::string& resource, const Policy& policy);
  Result<std::vector<std::string>> TestIamPermissions(const std::string& resource,
                                                      const std::vector<std::string>& permissions);

  // Tasks. CreateTask completes a bare `spec.name` ID to "<parent>/tasks/<ID>".
  // `response_view` is "", "BASIC" or "FULL".
  Result<Page<Task>> ListTasks(const std::string& parent, const ListOptions& options = {});
  Result<Task> GetTask(const std::string& name, const std::string& response_view = "");
  Result<Task> CreateTask(const std::string& parent, const TaskSpec& spec,
                          const std::string& response_view = "");
  Status DeleteTask(const std::string& name);
  // BufferTask (REST only): a task with `body` and `headers` on a queue with an httpTarget; an
  // empty `task_id` lets the server name it.
  Result<Task> BufferTask(const std::string& queue, const std::string& task_id,
                          const std::string& body,
                          const std::map<std::string, std::string>& headers = {});
  Result<Task> RunTask(const std::string& name, const std::string& response_view = "");

  // Locations. `project` is "projects/P".
  Result<Page<Location>> ListLocations(const std::string& project, const ListOptions& options = {});
  Result<Location> GetLocation(const std::string& name);

  // Harness (/emulator/v1). AdvanceClock and SetClock answer FAILED_PRECONDITION unless the
  // emulator runs with --clock=manual; SetClock moves forward only.
  Result<ClockInfo> GetClock();
  // GET /emulator/v1/healthz: {"status": "SERVING", "version": ...} once the emulator serves.
  Result<nlohmann::json> Health();
  Result<ClockInfo> AdvanceClock(std::chrono::nanoseconds duration);
  Result<ClockInfo> AdvanceClock(const std::string& duration);  // Wire form, e.g. "1800s".
  Result<ClockInfo> SetClock(const std::string& rfc3339_time);
  Result<ClockInfo> SetClock(std::chrono::system_clock::time_point time);
  // Attempts of one queue and/or task (full names; empty means all), oldest first.
  Result<Page<AttemptRecord>> ListAttempts(const std::string& queue = "",
                                           const std::string& task = "",
                                           const ListOptions& options = {});
  // OK once no task of `queues` (all when empty) is due or in flight; DEADLINE_EXCEEDED after
  // `timeout`, naming what is left.
  Status WaitIdle(const std::vector<std::string>& queues = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(30),
                  bool include_scheduled = false);
  // Resets everything, or only one queue's tasks, tombstones and attempts.
  Status Reset(const std::string& queue = "");
  Result<EmulatorStats> Stats();

  // Any call: `method` on `target` (path and query) with a JSON body (none when null). Returns
  // the decoded response body ({} for an empty one) or the error it carries.
  Result<nlohmann::json> Call(std::string_view method, const std::string& target,
                              const nlohmann::json& body = nullptr);

 private:
  Result<nlohmann::json> CallWithTimeout(std::string_view method, const std::string& target,
                                         const nlohmann::json& body,
                                         std::chrono::milliseconds timeout);
  Result<Queue> QueueCall(std::string_view method, const std::string& target,
                          const nlohmann::json& body);
  Result<Task> TaskCall(std::string_view method, const std::string& target,
                        const nlohmann::json& body);
  Result<ClockInfo> ClockCall(const std::string& target, const nlohmann::json& body);

  std::string host_, port_;
  Status endpoint_status_;
  std::chrono::milliseconds timeout_{std::chrono::seconds(60)};
  std::unique_ptr<HttpConnection> connection_;
};

// Formats a Duration in the wire form: whole seconds "30s", else "1.500s" (trailing zeros cut).
std::string FormatDuration(std::chrono::nanoseconds duration);
// Formats a UTC timestamp in RFC 3339 with a "Z" ("2026-01-01T00:00:00.123456Z").
std::string FormatTimestamp(std::chrono::system_clock::time_point time);
// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view text);

}  // namespace cte::client
