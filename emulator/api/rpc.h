// Rpc: every call the emulator serves, whatever carries it (REST, gRPC, the harness's HTTP
// endpoints), named once.
#pragma once

#include <cstdint>
#include <string_view>

namespace cte::api {

enum class Rpc : uint8_t {
  // google.cloud.tasks.v2.CloudTasks.
  kListQueues,
  kGetQueue,
  kCreateQueue,
  kUpdateQueue,
  kDeleteQueue,
  kPurgeQueue,
  kPauseQueue,
  kResumeQueue,
  kGetIamPolicy,
  kSetIamPolicy,
  kTestIamPermissions,
  kListTasks,
  kGetTask,
  kCreateTask,
  kDeleteTask,
  kRunTask,
  // REST only: in the discovery document, not in the v2 proto (spec 2.1).
  kBufferTask,
  kGetCmekConfig,
  kUpdateCmekConfig,
  // google.cloud.location.Locations.
  kListLocations,
  kGetLocation,
  // The test harness, /emulator/v1.
  kHealthz,
  kGetClock,
  kAdvanceClock,
  kSetClock,
  kListAttempts,
  kGetStats,
  kReset,
  kWaitIdle,
  kListTaskStates,
  kEvents,
  // What a worker needs to verify OIDC tokens offline.
  kOpenIdConfiguration,
  kJwks,
  // Prometheus' scrape (/metrics, docs/metrics.md).
  kGetMetrics,
  // The dashboard's files (/ui, docs/dashboard.md).
  kGetUi,
};

// The method's name, as the access log prints it: "CreateTask", "WaitIdle", "Jwks".
std::string_view RpcName(Rpc rpc);

// Whether the call only reads: it may then run before the writes of its batch, its answer
// independent of their commit.
bool IsRead(Rpc rpc);

}  // namespace cte::api
