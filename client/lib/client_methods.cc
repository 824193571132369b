// The Cloud Tasks v2 methods of Client: paths and bodies as the REST API defines them.
#include <string>

#include "client/lib/client.h"

namespace cte::client {
namespace {

using Json = nlohmann::json;

// Appends "?k=v&..." for the non-empty options.
std::string WithQuery(std::string path, const std::vector<std::pair<std::string, std::string>>& q) {
  char sep = '?';
  for (const auto& [k, v] : q) {
    if (v.empty()) continue;
    path += sep + k + "=" + UrlEncode(v);
    sep = '&';
  }
  return path;
}

std::string ListQuery(std::string path, const ListOptions& o) {
  return WithQuery(std::move(path),
                   {{"pageSize", o.page_size > 0 ? std::to_string(o.page_size) : ""},
                    {"pageToken", o.page_token},
                    {"filter", o.filter},
                    {"responseView", o.response_view}});
}

std::string V2(const std::string& name) { return "/v2/" + name; }

// Reads `key` (an array of objects) of a List response through `read`.
template <typename T, typename F>
Page<T> ReadPage(Json j, const char* key, F read) {
  Page<T> page;
  if (auto it = j.find(key); it != j.end() && it->is_array()) {
    for (const auto& item : *it) page.items.push_back(read(item));
  }
  page.next_page_token = j.value("nextPageToken", "");
  page.raw = std::move(j);
  return page;
}

}  // namespace

Result<Queue> Client::QueueCall(std::string_view method, const std::string& target,
                                const Json& body) {
  auto j = Call(method, target, body);
  if (!j.ok()) return j.status();
  return QueueFromJson(*j);
}

Result<Task> Client::TaskCall(std::string_view method, const std::string& target,
                              const Json& body) {
  auto j = Call(method, target, body);
  if (!j.ok()) return j.status();
  return TaskFromJson(*j);
}

Result<Page<Queue>> Client::ListQueues(const std::string& parent, const ListOptions& options) {
  ListOptions o = options;
  o.response_view.clear();
  auto j = Call("GET", ListQuery(V2(parent) + "/queues", o));
  if (!j.ok()) return j.status();
  return ReadPage<Queue>(std::move(*j), "queues", QueueFromJson);
}

Result<Queue> Client::GetQueue(const std::string& name) {
  return QueueCall("GET", V2(name), nullptr);
}

Result<Queue> Client::CreateQueue(const std::string& parent, const Queue& queue) {
  return QueueCall("POST", V2(parent) + "/queues", QueueToJson(queue));
}

Result<Queue> Client::UpdateQueue(const Queue& queue, const std::vector<std::string>& update_mask) {
  std::string mask;
  for (const auto& path : update_mask) mask += (mask.empty() ? "" : ",") + path;
  return QueueCall("PATCH", WithQuery(V2(queue.name), {{"updateMask", mask}}), QueueToJson(queue));
}

Status Client::DeleteQueue(const std::string& name) { return Call("DELETE", V2(name)).status(); }

Result<Queue> Client::PurgeQueue(const std::string& name) {
  return QueueCall("POST", V2(name) + ":purge", Json::object());
}

Result<Queue> Client::PauseQueue(const std::string& name) {
  return QueueCall("POST", V2(name) + ":pause", Json::object());
}

Result<Queue> Client::ResumeQueue(const std::string& name) {
  return QueueCall("POST", V2(name) + ":resume", Json::object());
}

Result<Policy> Client::GetIamPolicy(const std::string& resource) {
  auto j = Call("POST", V2(resource) + ":getIamPolicy", Json::object());
  if (!j.ok()) return j.status();
  return PolicyFromJson(*j);
}

Result<Policy> Client::SetIamPolicy(const std::string& resource, const Policy& policy) {
  auto j = Call("POST", V2(resource) + ":setIamPolicy", {{"policy", PolicyToJson(policy)}});
  if (!j.ok()) return j.status();
  return PolicyFromJson(*j);
}

Result<std::vector<std::string>> Client::TestIamPermissions(
    const std::string& resource, const std::vector<std::string>& permissions) {
  auto j = Call("POST", V2(resource) + ":testIamPermissions", {{"permissions", permissions}});
  if (!j.ok()) return j.status();
  std::vector<std::string> granted;
  if (auto it = j->find("permissions"); it != j->end() && it->is_array()) {
    for (const auto& p : *it) {
      if (p.is_string()) granted.push_back(p.get<std::string>());
    }
  }
  return granted;
}

Result<Page<Task>> Client::ListTasks(const std::string& parent, const ListOptions& options) {
  ListOptions o = options;
  o.filter.clear();
  auto j = Call("GET", ListQuery(V2(parent) + "/tasks", o));
  if (!j.ok()) return j.status();
  return ReadPage<Task>(std::move(*j), "tasks", TaskFromJson);
}

Result<Task> Client::GetTask(const std::string& name, const std::string& response_view) {
  return TaskCall("GET", WithQuery(V2(name), {{"responseView", response_view}}), nullptr);
}

Result<Task> Client::CreateTask(const std::string& parent, const TaskSpec& spec,
                                const std::string& response_view) {
  TaskSpec full = spec;
  if (!full.name.empty() && full.name.find('/') == std::string::npos) {
    full.name = TaskName(parent, full.name);
  }
  Json body = {{"task", TaskSpecToJson(full)}};
  if (!response_view.empty()) body["responseView"] = response_view;
  return TaskCall("POST", V2(parent) + "/tasks", body);
}

Status Client::DeleteTask(const std::string& name) { return Call("DELETE", V2(name)).status(); }

Result<Task> Client::RunTask(const std::string& name, const std::string& response_view) {
  Json body = Json::object();
  if (!response_view.empty()) body["responseView"] = response_view;
  return TaskCall("POST", V2(name) + ":run", body);
}

Result<Page<Location>> Client::ListLocations(const std::string& project,
                                             const ListOptions& options) {
  ListOptions o = options;
  o.response_view.clear();
  auto j = Call("GET", ListQuery(V2(project) + "/locations", o));
  if (!j.ok()) return j.status();
  return ReadPage<Location>(std::move(*j), "locations", LocationFromJson);
}

Result<Location> Client::GetLocation(const std::string& name) {
  auto j = Call("GET", V2(name));
  if (!j.ok()) return j.status();
  return LocationFromJson(*j);
}

}  // namespace cte::client
