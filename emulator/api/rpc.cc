#include "api/rpc.h"

namespace cte::api {

namespace {

struct RpcInfo {
  Rpc rpc;
  std::string_view name;
  bool read;
};

// In the enum's order.
constexpr RpcInfo kRpcs[] = {
    {Rpc::kListQueues, "ListQueues", true},
    {Rpc::kGetQueue, "GetQueue", true},
    {Rpc::kCreateQueue, "CreateQueue", false},
    {Rpc::kUpdateQueue, "UpdateQueue", false},
    {Rpc::kDeleteQueue, "DeleteQueue", false},
    {Rpc::kPurgeQueue, "PurgeQueue", false},
    {Rpc::kPauseQueue, "PauseQueue", false},
    {Rpc::kResumeQueue, "ResumeQueue", false},
    {Rpc::kGetIamPolicy, "GetIamPolicy", true},
    {Rpc::kSetIamPolicy, "SetIamPolicy", false},
    {Rpc::kTestIamPermissions, "TestIamPermissions", true},
    {Rpc::kListTasks, "ListTasks", true},
    {Rpc::kGetTask, "GetTask", true},
    {Rpc::kCreateTask, "CreateTask", false},
    {Rpc::kDeleteTask, "DeleteTask", false},
    {Rpc::kRunTask, "RunTask", false},
    {Rpc::kBufferTask, "BufferTask", false},
    {Rpc::kGetCmekConfig, "GetCmekConfig", true},
    {Rpc::kUpdateCmekConfig, "UpdateCmekConfig", false},
    {Rpc::kListLocations, "ListLocations", true},
    {Rpc::kGetLocation, "GetLocation", true},
    {Rpc::kHealthz, "Healthz", true},
    {Rpc::kGetClock, "GetClock", true},
    {Rpc::kAdvanceClock, "AdvanceClock", false},
    {Rpc::kSetClock, "SetClock", false},
    {Rpc::kListAttempts, "ListAttempts", true},
    {Rpc::kGetStats, "GetStats", true},
    {Rpc::kReset, "Reset", false},
    {Rpc::kWaitIdle, "WaitIdle", true},  // It only registers a waiter.
    {Rpc::kListTaskStates, "ListTaskStates", true},
    {Rpc::kEvents, "Events", true},
    {Rpc::kOpenIdConfiguration, "OpenIdConfiguration", true},
    {Rpc::kJwks, "Jwks", true},
    {Rpc::kGetMetrics, "GetMetrics", true},
    {Rpc::kGetUi, "GetUi", true},
};

constexpr bool InOrder() {
  for (size_t i = 0; i < std::size(kRpcs); ++i) {
    if (static_cast<size_t>(kRpcs[i].rpc) != i) return false;
  }
  return static_cast<size_t>(Rpc::kGetUi) + 1 == std::size(kRpcs);
}
static_assert(InOrder(), "kRpcs must list every Rpc, in the enum's order");

}  // namespace

std::string_view RpcName(Rpc rpc) { return kRpcs[static_cast<size_t>(rpc)].name; }

bool IsRead(Rpc rpc) { return kRpcs[static_cast<size_t>(rpc)].read; }

}  // namespace cte::api
