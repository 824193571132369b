#include "api/routes.h"

#include <vector>

namespace cte::api {

namespace {

struct Entry {
  const char* method;  // "*": any method.
  // Segments; "*" matches exactly one non-empty segment (spec 2.1); a last "**" matches whatever
  // follows, nothing included, custom verb and all.
  const char* path;
  const char* verb;  // The custom verb after ':' of a queue or task path; "" for none.
  Rpc rpc;
};

constexpr char kQueue[] = "v2/projects/*/locations/*/queues/*";
constexpr char kTask[] = "v2/projects/*/locations/*/queues/*/tasks/*";

constexpr Entry kRoutes[] = {
    {"GET", "v2/projects/*/locations", "", Rpc::kListLocations},
    {"GET", "v1/projects/*/locations", "", Rpc::kListLocations},
    {"GET", "v2/projects/*/locations/*", "", Rpc::kGetLocation},
    {"GET", "v1/projects/*/locations/*", "", Rpc::kGetLocation},
    {"GET", "v2/projects/*/locations/*/queues", "", Rpc::kListQueues},
    {"POST", "v2/projects/*/locations/*/queues", "", Rpc::kCreateQueue},
    {"GET", kQueue, "", Rpc::kGetQueue},
    {"PATCH", kQueue, "", Rpc::kUpdateQueue},
    {"DELETE", kQueue, "", Rpc::kDeleteQueue},
    {"POST", kQueue, "purge", Rpc::kPurgeQueue},
    {"POST", kQueue, "pause", Rpc::kPauseQueue},
    {"POST", kQueue, "resume", Rpc::kResumeQueue},
    {"POST", kQueue, "getIamPolicy", Rpc::kGetIamPolicy},
    {"POST", kQueue, "setIamPolicy", Rpc::kSetIamPolicy},
    {"POST", kQueue, "testIamPermissions", Rpc::kTestIamPermissions},
    {"GET", "v2/projects/*/locations/*/queues/*/tasks", "", Rpc::kListTasks},
    {"POST", "v2/projects/*/locations/*/queues/*/tasks", "", Rpc::kCreateTask},
    {"GET", kTask, "", Rpc::kGetTask},
    {"DELETE", kTask, "", Rpc::kDeleteTask},
    {"POST", kTask, "run", Rpc::kRunTask},
    {"POST", kTask, "buffer", Rpc::kBufferTask},
    {"POST", "v2/projects/*/locations/*/queues/*/tasks", "buffer", Rpc::kBufferTask},
    // gcloud asks for v2/{queue}/tasks/{taskId}:buffer with an empty taskId when it has none.
    {"POST", "v2/projects/*/locations/*/queues/*/tasks/", "buffer", Rpc::kBufferTask},
    {"GET", "v2/projects/*/locations/*/cmekConfig", "", Rpc::kGetCmekConfig},
    {"PATCH", "v2/projects/*/locations/*/cmekConfig", "", Rpc::kUpdateCmekConfig},
    {"GET", "emulator/v1/healthz", "", Rpc::kHealthz},
    {"GET", "emulator/v1/clock", "", Rpc::kGetClock},
    {"POST", "emulator/v1/clock:advance", "", Rpc::kAdvanceClock},
    {"POST", "emulator/v1/clock:set", "", Rpc::kSetClock},
    {"GET", "emulator/v1/attempts", "", Rpc::kListAttempts},
    {"GET", "emulator/v1/stats", "", Rpc::kGetStats},
    {"POST", "emulator/v1:reset", "", Rpc::kReset},
    {"POST", "emulator/v1:waitIdle", "", Rpc::kWaitIdle},
    {"GET", "emulator/v1/tasks", "", Rpc::kListTaskStates},
    {"GET", "emulator/v1/events", "", Rpc::kEvents},
    {"GET", ".well-known/openid-configuration", "", Rpc::kOpenIdConfiguration},
    {"GET", "oauth2/v3/certs", "", Rpc::kJwks},
    {"GET", "metrics", "", Rpc::kGetMetrics},
    // Every method: the dashboard answers HEAD as GET and refuses the others itself (405).
    {"*", "ui/**", "", Rpc::kGetUi},
};

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

// An entry with its path split, once.
struct Compiled {
  const Entry* entry;
  std::vector<std::string_view> segments;
};

const std::vector<Compiled>& Table() {
  static const std::vector<Compiled> table = [] {
    std::vector<Compiled> out;
    for (const Entry& e : kRoutes) out.push_back({&e, Split(e.path)});
    return out;
  }();
  return table;
}

bool MethodMatches(const Entry& e, std::string_view method) {
  return e.method == std::string_view("*") || method == e.method;
}

// An entry whose path ends in "**": its segments before that, then anything.
bool MatchesPrefix(const Compiled& c, std::string_view method, const ParsedTarget& t) {
  size_t fixed = c.segments.size() - 1;
  if (!MethodMatches(*c.entry, method) || t.segments.size() < fixed) return false;
  for (size_t i = 0; i < fixed; ++i) {
    if (c.segments[i] != t.segments[i]) return false;
  }
  return true;
}

bool Matches(const Compiled& c, std::string_view method, const ParsedTarget& t) {
  const Entry& e = *c.entry;
  if (c.segments.back() == "**") return MatchesPrefix(c, method, t);
  if (c.segments.size() != t.segments.size() || !MethodMatches(e, method) || t.verb != e.verb) {
    return false;
  }
  for (size_t i = 0; i < c.segments.size(); ++i) {
    const std::string& segment = t.segments[i];
    if (c.segments[i] == "*" ? segment.empty() : c.segments[i] != segment) return false;
  }
  return true;
}

// The resource a versioned path names: its segments after the version, up to the last one a "*"
// matched ("projects/p/locations/l" for the collection ".../locations/l/queues").
std::string Resource(const Compiled& c, const ParsedTarget& t) {
  size_t end = c.segments.size();
  while (end > 1 && c.segments[end - 1] != "*") --end;
  std::string out;
  for (size_t i = 1; i < end; ++i) out += (i == 1 ? "" : "/") + t.segments[i];
  return out;
}

}  // namespace

core::Result<Route> FindRoute(std::string_view method, std::string_view path,
                              const ParsedTarget& target) {
  for (const Compiled& c : Table()) {
    if (!Matches(c, method, target)) continue;
    bool versioned = c.entry->path[0] == 'v';
    return Route{c.entry->rpc, versioned ? Resource(c, target) : std::string()};
  }
  return core::NotFound("The requested URL " + std::string(path) +
                        " was not found on this server.");
}

}  // namespace cte::api
