#include "api/rest_handler.h"

#include "api/browser_guard.h"
#include "api/rest_decoding.h"
#include "api/routes.h"
#include "common/version.h"
#include "pipeline/executor.h"

namespace cte::api {

namespace {

using core::Result;
using core::Status;
using pipeline::Job;

// A List* response: the items under `key` (left out when empty) and the next page token.
template <typename T, typename F>
Json ListJson(const char* key, const std::vector<T>& items, const std::string& next_page_token,
              F&& to_json) {
  Json j = Json::object();
  if (!items.empty()) {
    Json list = Json::array();
    for (const T& item : items) list.push_back(to_json(item));
    j[key] = std::move(list);
  }
  if (!next_page_token.empty()) j["nextPageToken"] = next_page_token;
  return j;
}

Json EmptyJson(const Empty&) { return Json::object(); }

Status ReadPage(const ParsedTarget& t, PageRequest& page) {
  std::string size = Query(t, "pageSize");
  if (!size.empty()) CTE_RETURN_IF_ERROR(ReadInt32(Json(size), "page_size", page.page_size));
  page.page_token = Query(t, "pageToken");
  return Status::Ok();
}

Status ReadViewParam(const ParsedTarget& t, core::TaskView& view) {
  std::string v = Query(t, "responseView");
  return v.empty() ? Status::Ok() : ReadTaskView(Json(v), "response_view", view);
}

// Reads a body "*" that holds only the path field `field`, and, when `view` is given, a
// `responseView`.
Status ReadNameBody(const Decoding& d, const char* field, core::TaskView* view) {
  auto body = d.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, field, d.resource));
  for (const auto& [k, v] : body->items()) {
    if (k == field || v.is_null()) continue;
    if (view == nullptr || (k != "responseView" && k != "response_view")) {
      return UnknownField(k, "");
    }
    CTE_RETURN_IF_ERROR(ReadTaskView(v, "response_view", *view));
  }
  return Status::Ok();
}

auto QueueJson(const Decoding& d) {
  return [o = d.options](const core::Queue& q) { return QueueToJson(q, o); };
}
auto TaskJson(const Decoding& d) {
  return [o = d.options](const core::Task& t) { return TaskToJson(t, o); };
}

Result<Job> Locations(const Decoding& d) {
  Service& s = d.targets.service;
  if (d.rpc == Rpc::kGetLocation) {
    CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
    return d.Job<core::Location>([&s, name = d.resource] { return s.GetLocation(name); },
                                 LocationToJson);
  }
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"filter", "pageSize", "pageToken", "extraLocationTypes"}));
  ListLocationsRequest req{d.resource, Query(d.t, "filter"), {}};
  CTE_RETURN_IF_ERROR(ReadPage(d.t, req.page));
  return d.Job<ListLocationsResponse>([&s, req] { return s.ListLocations(req); },
                                      [](const ListLocationsResponse& r) {
                                        return ListJson("locations", r.locations, r.next_page_token,
                                                        LocationToJson);
                                      });
}

Result<Job> ListQueues(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"filter", "pageSize", "pageToken"}));
  ListQueuesRequest req{d.resource, Query(d.t, "filter"), {}};
  CTE_RETURN_IF_ERROR(ReadPage(d.t, req.page));
  return d.Job<ListQueuesResponse>([&s = d.targets.service, req] { return s.ListQueues(req); },
                                   [to_json = QueueJson(d)](const ListQueuesResponse& r) {
                                     return ListJson("queues", r.queues, r.next_page_token,
                                                     to_json);
                                   });
}

Result<Job> CreateQueue(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  auto body = d.Body();
  if (!body.ok()) return body.status();
  core::Queue queue;
  CTE_RETURN_IF_ERROR(ReadQueue(*body, "queue", queue));
  return d.Job<core::Queue>(
      [&s = d.targets.service, parent = d.resource, queue] { return s.CreateQueue(parent, queue); },
      QueueJson(d));
}

Result<Job> UpdateQueue(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"updateMask"}));
  auto body = d.Body();
  if (!body.ok()) return body.status();
  UpdateQueueRequest req;
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "name", d.resource));
  CTE_RETURN_IF_ERROR(ReadQueue(*body, "queue", req.queue));
  req.queue.name = d.resource;
  req.update_mask = ParseFieldMask(Query(d.t, "updateMask"));
  return d.Job<core::Queue>([&s = d.targets.service, req] { return s.UpdateQueue(req); },
                            QueueJson(d));
}

// GetQueue, DeleteQueue and the queue verbs purge, pause and resume.
Result<Job> QueueByName(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  Service& s = d.targets.service;
  std::string name = d.resource;
  if (d.rpc == Rpc::kDeleteQueue) {
    return d.Job<Empty>([&s, name] { return AsEmpty(s.DeleteQueue(name)); }, EmptyJson);
  }
  using Op = Result<core::Queue> (Service::*)(const std::string&);
  Op op = d.rpc == Rpc::kGetQueue     ? &Service::GetQueue
          : d.rpc == Rpc::kPurgeQueue ? &Service::PurgeQueue
          : d.rpc == Rpc::kPauseQueue ? &Service::PauseQueue
                                      : &Service::ResumeQueue;
  if (d.rpc != Rpc::kGetQueue) CTE_RETURN_IF_ERROR(ReadNameBody(d, "name", nullptr));
  return d.Job<core::Queue>([&s, name, op] { return (s.*op)(name); }, QueueJson(d));
}

Result<Job> Iam(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  auto body = d.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "resource", d.resource));
  core::Policy policy;
  std::vector<std::string> permissions;
  for (const auto& [k, v] : body->items()) {
    if (k == "resource" || v.is_null()) continue;
    if (d.rpc == Rpc::kGetIamPolicy && k == "options") continue;  // requestedPolicyVersion.
    if (d.rpc == Rpc::kSetIamPolicy && k == "policy") {
      CTE_RETURN_IF_ERROR(ReadPolicy(v, "policy", policy));
    } else if (d.rpc == Rpc::kSetIamPolicy && (k == "updateMask" || k == "update_mask")) {
      continue;  // The whole policy is replaced either way.
    } else if (d.rpc == Rpc::kTestIamPermissions && k == "permissions") {
      CTE_RETURN_IF_ERROR(ReadStringList(v, "permissions", permissions));
    } else {
      return UnknownField(k, "");
    }
  }
  Service& s = d.targets.service;
  std::string name = d.resource;
  if (d.rpc == Rpc::kGetIamPolicy) {
    return d.Job<core::Policy>([&s, name] { return s.GetIamPolicy(name); }, PolicyToJson);
  }
  if (d.rpc == Rpc::kSetIamPolicy) {
    return d.Job<core::Policy>([&s, name, policy] { return s.SetIamPolicy(name, policy); },
                               PolicyToJson);
  }
  return d.Job<std::vector<std::string>>(
      [&s, name, permissions] { return s.TestIamPermissions(name, permissions); },
      [](const std::vector<std::string>& p) {
        Json j = Json::object();
        if (!p.empty()) j["permissions"] = p;
        return j;
      });
}

Result<Job> ListTasks(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"responseView", "pageSize", "pageToken"}));
  ListTasksRequest req{d.resource, core::TaskView::kUnspecified, {}};
  CTE_RETURN_IF_ERROR(ReadViewParam(d.t, req.response_view));
  CTE_RETURN_IF_ERROR(ReadPage(d.t, req.page));
  return d.Job<ListTasksResponse>([&s = d.targets.service, req] { return s.ListTasks(req); },
                                  [to_json = TaskJson(d)](const ListTasksResponse& r) {
                                    return ListJson("tasks", r.tasks, r.next_page_token, to_json);
                                  });
}

Result<Job> CreateTask(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  auto body = d.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "parent", d.resource));
  core::Task task;
  core::TaskView view = core::TaskView::kUnspecified;
  for (const auto& [k, v] : body->items()) {
    if (k == "parent" || v.is_null()) continue;
    if (k == "task") {
      CTE_RETURN_IF_ERROR(ReadTask(v, "task", task));
    } else if (k == "responseView" || k == "response_view") {
      CTE_RETURN_IF_ERROR(ReadTaskView(v, "response_view", view));
    } else {
      return UnknownField(k, "");
    }
  }
  // Runs once, so the task (its body above all) moves into the call instead of being copied.
  return d.Job<core::Task>([&s = d.targets.service, parent = d.resource, task = std::move(task),
                            view]() mutable { return s.CreateTask(parent, std::move(task), view); },
                           TaskJson(d));
}

// GetTask, DeleteTask and RunTask.
Result<Job> TaskByName(const Decoding& d) {
  Service& s = d.targets.service;
  std::string name = d.resource;
  core::TaskView view = core::TaskView::kUnspecified;
  if (d.rpc == Rpc::kDeleteTask) {
    CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
    return d.Job<Empty>([&s, name] { return AsEmpty(s.DeleteTask(name)); }, EmptyJson);
  }
  if (d.rpc == Rpc::kRunTask) {
    CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
    CTE_RETURN_IF_ERROR(ReadNameBody(d, "name", &view));
    return d.Job<core::Task>([&s, name, view] { return s.RunTask(name, view); }, TaskJson(d));
  }
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"responseView"}));
  CTE_RETURN_IF_ERROR(ReadViewParam(d.t, view));
  return d.Job<core::Task>([&s, name, view] { return s.GetTask(name, view); }, TaskJson(d));
}

Result<Job> Decode(const Decoding& d) {
  switch (d.rpc) {
    case Rpc::kListLocations:
    case Rpc::kGetLocation:
      return Locations(d);
    case Rpc::kListQueues:
      return ListQueues(d);
    case Rpc::kCreateQueue:
      return CreateQueue(d);
    case Rpc::kUpdateQueue:
      return UpdateQueue(d);
    case Rpc::kGetQueue:
    case Rpc::kDeleteQueue:
    case Rpc::kPurgeQueue:
    case Rpc::kPauseQueue:
    case Rpc::kResumeQueue:
      return QueueByName(d);
    case Rpc::kGetIamPolicy:
    case Rpc::kSetIamPolicy:
    case Rpc::kTestIamPermissions:
      return Iam(d);
    case Rpc::kListTasks:
      return ListTasks(d);
    case Rpc::kCreateTask:
      return CreateTask(d);
    case Rpc::kGetTask:
    case Rpc::kDeleteTask:
    case Rpc::kRunTask:
      return TaskByName(d);
    case Rpc::kBufferTask:
    case Rpc::kGetCmekConfig:
    case Rpc::kUpdateCmekConfig:
      return DecodeRestOnlyCall(d);
    default:
      return DecodeEmulatorCall(d);
  }
}

// The answers that need no store.
std::optional<RestResponse> LocalAnswer(Rpc rpc, const LocalAnswers& local) {
  switch (rpc) {
    case Rpc::kHealthz:
      return RestResponse{200,
                          std::string(R"({"status":"SERVING","version":")") + kVersion + "\"}"};
    case Rpc::kOpenIdConfiguration:
      return RestResponse{200, local.openid_configuration()};
    case Rpc::kJwks:
      return RestResponse{200, local.jwks()};
    default:
      return std::nullopt;
  }
}

}  // namespace

RestCall PrepareRestCall(const RestRequest& request, const Targets& targets,
                         const LocalAnswers& local, pipeline::Lane& lane,
                         std::function<void(RestResponse)> reply) {
  RestCall call;
  auto target = ParseTarget(request.target);
  if (!target.ok()) {
    call.immediate = ErrorResponse(target.status());
    return call;
  }
  if (Status allowed = CheckBrowserRequest(request, local.bind_host); !allowed.ok()) {
    call.immediate = ErrorResponse(allowed);
    return call;
  }
  std::string method = request.method;
  if (method == "POST" && !request.method_override.empty()) method = request.method_override;
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  auto route = FindRoute(method, path, *target);
  if (route.ok() && route->rpc == Rpc::kGetUi && !local.ui) {  // --ui=false: not there at all.
    route =
        core::NotFound("The requested URL " + std::string(path) + " was not found on this server.");
  }
  if (!route.ok()) {
    call.immediate = ErrorResponse(route.status());
    return call;
  }
  call.rpc = route->rpc;
  if (route->rpc == Rpc::kGetUi) {
    call.immediate = local.ui(method, path.substr(3));  // What follows "/ui".
    return call;
  }
  if ((call.immediate = LocalAnswer(route->rpc, local))) return call;
  Decoding d{*target, request, route->resource, route->rpc, OptionsFrom(*target), targets,
             local,   lane,    std::move(reply)};
  if (route->rpc == Rpc::kEvents) {
    auto stream = EventStream(d);
    call.immediate = stream.ok() ? std::move(*stream) : ErrorResponse(stream.status());
    return call;
  }
  auto job = Decode(d);
  if (!job.ok()) {
    call.immediate = ErrorResponse(job.status());
  } else {
    call.job = std::move(*job);
  }
  return call;
}

RestResponse ErrorResponse(const Status& status) {
  return {RestHttpStatus(status.code()), DumpJson(ErrorToJson(status))};
}

namespace {

// Runs completions at once, on the calling thread.
struct InlineLane final : pipeline::Lane {
  void Deliver(std::vector<std::function<void()>> completions) override {
    for (auto& f : completions) f();
  }
};

}  // namespace

RestResponse HandleRestNow(const RestRequest& request, const Targets& targets,
                           core::TaskStore& store) {
  InlineLane lane;
  std::optional<RestResponse> answer;
  RestCall call = PrepareRestCall(
      request, targets, {[] { return std::string("{}"); }, [] { return std::string("{}"); }}, lane,
      [&](RestResponse r) { answer = std::move(r); });
  if (call.immediate) return *call.immediate;
  std::deque<Job> batch;
  batch.push_back(std::move(call.job));
  pipeline::Executor::RunBatch(store, batch);
  return answer.value_or(ErrorResponse(core::Internal("the call did not answer")));
}

}  // namespace cte::api
