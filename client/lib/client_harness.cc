// The /emulator/v1 test-harness methods of Client.
#include <string>

#include "client/lib/client.h"

namespace cte::client {
namespace {

using Json = nlohmann::json;

// Lets the HTTP exchange outlive the server-side wait it carries.
constexpr std::chrono::seconds kWaitIdleSlack(10);

}  // namespace

Result<ClockInfo> Client::ClockCall(const std::string& target, const Json& body) {
  auto j = Call(body.is_null() ? "GET" : "POST", target, body);
  if (!j.ok()) return j.status();
  return ClockFromJson(*j);
}

Result<ClockInfo> Client::GetClock() { return ClockCall("/emulator/v1/clock", nullptr); }

Result<Json> Client::Health() { return Call("GET", "/emulator/v1/healthz", nullptr); }

Result<ClockInfo> Client::AdvanceClock(std::chrono::nanoseconds duration) {
  return AdvanceClock(FormatDuration(duration));
}

Result<ClockInfo> Client::AdvanceClock(const std::string& duration) {
  return ClockCall("/emulator/v1/clock:advance", {{"duration", duration}});
}

Result<ClockInfo> Client::SetClock(const std::string& rfc3339_time) {
  return ClockCall("/emulator/v1/clock:set", {{"time", rfc3339_time}});
}

Result<ClockInfo> Client::SetClock(std::chrono::system_clock::time_point time) {
  return SetClock(FormatTimestamp(time));
}

Result<Page<AttemptRecord>> Client::ListAttempts(const std::string& queue, const std::string& task,
                                                 const ListOptions& options) {
  std::string target = "/emulator/v1/attempts";
  char sep = '?';
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    target += sep + std::string(key) + "=" + UrlEncode(value);
    sep = '&';
  };
  add("queue", queue);
  add("task", task);
  add("pageSize", options.page_size > 0 ? std::to_string(options.page_size) : "");
  add("pageToken", options.page_token);
  auto j = Call("GET", target);
  if (!j.ok()) return j.status();
  Page<AttemptRecord> page;
  if (auto it = j->find("attempts"); it != j->end() && it->is_array()) {
    for (const auto& a : *it) page.items.push_back(AttemptRecordFromJson(a));
  }
  page.next_page_token = j->value("nextPageToken", "");
  page.raw = std::move(*j);
  return page;
}

Status Client::WaitIdle(const std::vector<std::string>& queues, std::chrono::milliseconds timeout,
                        bool include_scheduled) {
  Json body = {{"timeout", FormatDuration(timeout)}, {"includeScheduled", include_scheduled}};
  if (!queues.empty()) body["queues"] = queues;
  return CallWithTimeout("POST", "/emulator/v1:waitIdle", body, timeout + kWaitIdleSlack).status();
}

Status Client::Reset(const std::string& queue) {
  Json body = Json::object();
  if (!queue.empty()) body["queue"] = queue;
  return Call("POST", "/emulator/v1:reset", body).status();
}

Result<EmulatorStats> Client::Stats() {
  auto j = Call("GET", "/emulator/v1/stats");
  if (!j.ok()) return j.status();
  EmulatorStats stats;
  stats.time = j->value("time", "");
  if (auto it = j->find("queues"); it != j->end() && it->is_array()) {
    for (const auto& q : *it) stats.queues.push_back(QueueStatsFromJson(q));
  }
  stats.raw = std::move(*j);
  return stats;
}

}  // namespace cte::client
