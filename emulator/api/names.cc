#include "api/names.h"

#include <algorithm>
#include <vector>

#include "core/messages.h"

namespace cte::api {

namespace {

using core::InvalidArgument;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

template <typename Pred>
bool AllOf(std::string_view s, size_t max_len, Pred pred) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), pred);
}

// Splits on '/', keeping empty segments so that "a//b" does not match any pattern.
std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

bool MatchLocation(const std::vector<std::string_view>& p, LocationName& out) {
  if (p.size() < 4 || p[0] != "projects" || p[2] != "locations") return false;
  if (!IsValidProjectId(p[1]) || !IsValidLocationId(p[3])) return false;
  out.project = p[1];
  out.location = p[3];
  return true;
}

constexpr char kQueueFormat[] =
    "Queue name must be formatted: "
    "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>\".";
constexpr char kTaskFormat[] =
    "Task name must be formatted: "
    "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>/tasks/<TASK_ID>\"";

}  // namespace

bool IsValidProjectId(std::string_view id) {
  return AllOf(id, 100, [](char c) { return IsAlnum(c) || c == '-' || c == '.' || c == ':'; });
}

bool IsValidLocationId(std::string_view id) {
  return AllOf(id, 100, [](char c) { return IsAlnum(c) || c == '-'; });
}

bool IsValidQueueId(std::string_view id) {
  return AllOf(id, 100, [](char c) { return IsAlnum(c) || c == '-'; });
}

bool IsValidTaskId(std::string_view id) {
  return AllOf(id, 500, [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

core::Result<std::string> ParseProjectName(std::string_view name) {
  auto p = Split(name);
  if (p.size() != 2 || p[0] != "projects" || !IsValidProjectId(p[1])) {
    return InvalidArgument(core::kInvalidResourceName);
  }
  return std::string(p[1]);
}

core::Result<LocationName> ParseLocationName(std::string_view name) {
  LocationName out;
  auto p = Split(name);
  if (p.size() != 4 || !MatchLocation(p, out)) {
    return InvalidArgument(core::kInvalidResourceName);
  }
  return out;
}

core::Result<QueueName> ParseQueueName(std::string_view name) {
  QueueName out;
  auto p = Split(name);
  if (p.size() != 6 || !MatchLocation(p, out.parent) || p[4] != "queues" || !IsValidQueueId(p[5])) {
    return InvalidArgument(kQueueFormat);
  }
  out.queue = p[5];
  return out;
}

core::Result<TaskName> ParseTaskName(std::string_view name) {
  TaskName out;
  auto p = Split(name);
  if (p.size() != 8 || !MatchLocation(p, out.parent.parent) || p[4] != "queues" ||
      !IsValidQueueId(p[5]) || p[6] != "tasks") {
    return InvalidArgument(kTaskFormat);
  }
  if (!IsValidTaskId(p[7])) return InvalidArgument(InvalidTaskIdMessage(p[7]));
  out.parent.queue = p[5];
  out.task = p[7];
  return out;
}

std::string InvalidTaskIdMessage(std::string_view id) {
  return "Task ID \"" + std::string(id) +
         "\" can contain only letters ([A-Za-z]), numbers ([0-9]), hyphens (-), or underscores "
         "(_). Task ID must between 1 and 500 characters.";
}

}  // namespace cte::api
