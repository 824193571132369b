#include "api/rest_handler.h"

#include <algorithm>

#include "api/rest_request.h"

namespace cte::api {

namespace {

using core::Result;
using core::Status;

template <typename T, typename F>
Result<Json> Then(Result<T> r, F&& f) {
  if (!r.ok()) return r.status();
  return f(*r);
}

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

Result<Json> EmptyOr(const Status& s) {
  if (!s.ok()) return s;
  return Json::object();
}

std::string Join(const std::vector<std::string>& s, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += (i == from ? "" : "/") + s[i];
  return out;
}

Status RouteNotFound(const RestRequest& r) {
  std::string path = r.target.substr(0, r.target.find('?'));
  return core::NotFound("The requested URL " + path + " was not found on this server.");
}

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

// Reads a body "*" that may hold `responseView` beside the path field `name`.
Status ReadViewBody(const Json& body, const std::string& name, core::TaskView& view) {
  CTE_RETURN_IF_ERROR(CheckPathField(body, "name", name));
  for (const auto& [k, v] : body.items()) {
    if (k == "name" || v.is_null()) continue;
    if (k != "responseView" && k != "response_view") return UnknownField(k, "");
    CTE_RETURN_IF_ERROR(ReadTaskView(v, "response_view", view));
  }
  return Status::Ok();
}

// What one route needs: the request parts and the call it fills in.
struct Route {
  const ParsedTarget& t;
  const std::string& method;
  const RestRequest& request;
  PreparedCall& call;

  template <typename F>
  Status Set(const char* rpc, F&& execute) {
    call.rpc = rpc;
    call.execute = std::forward<F>(execute);
    return Status::Ok();
  }
  Result<Json> Body() const { return ParseJsonBody(request.body); }
};

Status RouteLocations(Route& r, const std::string& name, bool collection) {
  if (r.method != "GET" || !r.t.verb.empty()) return RouteNotFound(r.request);
  if (!collection) {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
    return r.Set("GetLocation", [name](Service& s) {
      return Then(s.GetLocation(name), [](const core::Location& l) { return LocationToJson(l); });
    });
  }
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {"filter", "pageSize", "pageToken", "extraLocationTypes"}));
  ListLocationsRequest req{name, Query(r.t, "filter"), {}};
  CTE_RETURN_IF_ERROR(ReadPage(r.t, req.page));
  return r.Set("ListLocations", [req](Service& s) {
    return Then(s.ListLocations(req), [](const ListLocationsResponse& resp) {
      return ListJson("locations", resp.locations, resp.next_page_token, LocationToJson);
    });
  });
}

Status RouteQueueCollection(Route& r, const std::string& parent) {
  JsonOptions o = r.call.options;
  if (!r.t.verb.empty()) return RouteNotFound(r.request);
  if (r.method == "GET") {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {"filter", "pageSize", "pageToken"}));
    ListQueuesRequest req{parent, Query(r.t, "filter"), {}};
    CTE_RETURN_IF_ERROR(ReadPage(r.t, req.page));
    return r.Set("ListQueues", [req, o](Service& s) {
      return Then(s.ListQueues(req), [&](const ListQueuesResponse& resp) {
        return ListJson("queues", resp.queues, resp.next_page_token,
                        [&](const core::Queue& q) { return QueueToJson(q, o); });
      });
    });
  }
  if (r.method != "POST") return RouteNotFound(r.request);
  r.call.rpc = "CreateQueue";
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
  auto body = r.Body();
  if (!body.ok()) return body.status();
  core::Queue queue;
  CTE_RETURN_IF_ERROR(ReadQueue(*body, "queue", queue));
  return r.Set("CreateQueue", [parent, queue, o](Service& s) {
    return Then(s.CreateQueue(parent, queue),
                [&](const core::Queue& q) { return QueueToJson(q, o); });
  });
}

Status RouteIam(Route& r, const std::string& name) {
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
  auto body = r.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "resource", name));
  core::Policy policy;
  std::vector<std::string> permissions;
  for (const auto& [k, v] : body->items()) {
    if (k == "resource" || v.is_null()) continue;
    if (r.t.verb == "getIamPolicy" && k == "options") continue;  // requestedPolicyVersion.
    if (r.t.verb == "setIamPolicy" && k == "policy") {
      CTE_RETURN_IF_ERROR(ReadPolicy(v, "policy", policy));
    } else if (r.t.verb == "setIamPolicy" && (k == "updateMask" || k == "update_mask")) {
      continue;  // The whole policy is replaced either way.
    } else if (r.t.verb == "testIamPermissions" && k == "permissions") {
      CTE_RETURN_IF_ERROR(ReadStringList(v, "permissions", permissions));
    } else {
      return UnknownField(k, "");
    }
  }
  auto policy_json = [](const core::Policy& p) { return PolicyToJson(p); };
  if (r.t.verb == "getIamPolicy") {
    return r.Set("GetIamPolicy",
                 [=](Service& s) { return Then(s.GetIamPolicy(name), policy_json); });
  }
  if (r.t.verb == "setIamPolicy") {
    return r.Set("SetIamPolicy",
                 [=](Service& s) { return Then(s.SetIamPolicy(name, policy), policy_json); });
  }
  return r.Set("TestIamPermissions", [=](Service& s) {
    return Then(s.TestIamPermissions(name, permissions), [](const std::vector<std::string>& p) {
      Json j = Json::object();
      if (!p.empty()) j["permissions"] = p;
      return j;
    });
  });
}

Status RouteQueueVerb(Route& r, const std::string& name) {
  const std::string& verb = r.t.verb;
  if (r.method != "POST") return RouteNotFound(r.request);
  if (verb == "getIamPolicy" || verb == "setIamPolicy" || verb == "testIamPermissions") {
    return RouteIam(r, name);
  }
  using Op = core::Result<core::Queue> (Service::*)(const std::string&);
  Op op = verb == "purge"    ? &Service::PurgeQueue
          : verb == "pause"  ? &Service::PauseQueue
          : verb == "resume" ? &Service::ResumeQueue
                             : nullptr;
  if (op == nullptr) return RouteNotFound(r.request);
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
  auto body = r.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "name", name));
  for (const auto& [k, v] : body->items()) {
    if (k != "name" && !v.is_null()) return UnknownField(k, "");
  }
  const char* rpc = verb == "purge" ? "PurgeQueue" : verb == "pause" ? "PauseQueue" : "ResumeQueue";
  JsonOptions o = r.call.options;
  return r.Set(rpc, [name, op, o](Service& s) {
    return Then((s.*op)(name), [&](const core::Queue& q) { return QueueToJson(q, o); });
  });
}

Status RouteQueue(Route& r, const std::string& name) {
  if (!r.t.verb.empty()) return RouteQueueVerb(r, name);
  JsonOptions o = r.call.options;
  auto to_json = [o](const core::Queue& q) { return QueueToJson(q, o); };
  if (r.method == "GET" || r.method == "DELETE") {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
    if (r.method == "DELETE") {
      return r.Set("DeleteQueue", [name](Service& s) { return EmptyOr(s.DeleteQueue(name)); });
    }
    return r.Set("GetQueue", [=](Service& s) { return Then(s.GetQueue(name), to_json); });
  }
  if (r.method != "PATCH") return RouteNotFound(r.request);
  r.call.rpc = "UpdateQueue";
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {"updateMask"}));
  auto body = r.Body();
  if (!body.ok()) return body.status();
  UpdateQueueRequest req;
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "name", name));
  CTE_RETURN_IF_ERROR(ReadQueue(*body, "queue", req.queue));
  req.queue.name = name;
  req.update_mask = ParseFieldMask(Query(r.t, "updateMask"));
  return r.Set("UpdateQueue", [=](Service& s) { return Then(s.UpdateQueue(req), to_json); });
}

Status RouteTaskCollection(Route& r, const std::string& parent) {
  if (!r.t.verb.empty()) return RouteNotFound(r.request);
  JsonOptions o = r.call.options;
  if (r.method == "GET") {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {"responseView", "pageSize", "pageToken"}));
    ListTasksRequest req{parent, core::TaskView::kUnspecified, {}};
    CTE_RETURN_IF_ERROR(ReadViewParam(r.t, req.response_view));
    CTE_RETURN_IF_ERROR(ReadPage(r.t, req.page));
    return r.Set("ListTasks", [req, o](Service& s) {
      return Then(s.ListTasks(req), [&](const ListTasksResponse& resp) {
        return ListJson("tasks", resp.tasks, resp.next_page_token,
                        [&](const core::Task& t) { return TaskToJson(t, o); });
      });
    });
  }
  if (r.method != "POST") return RouteNotFound(r.request);
  r.call.rpc = "CreateTask";
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
  auto body = r.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "parent", parent));
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
  return r.Set("CreateTask", [parent, task = std::move(task), view, o](Service& s) mutable {
    return Then(s.CreateTask(parent, std::move(task), view),
                [&](const core::Task& t) { return TaskToJson(t, o); });
  });
}

Status RouteTask(Route& r, const std::string& name) {
  JsonOptions o = r.call.options;
  auto to_json = [o](const core::Task& t) { return TaskToJson(t, o); };
  core::TaskView view = core::TaskView::kUnspecified;
  if (r.t.verb == "run" && r.method == "POST") {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
    auto body = r.Body();
    if (!body.ok()) return body.status();
    CTE_RETURN_IF_ERROR(ReadViewBody(*body, name, view));
    return r.Set("RunTask", [=](Service& s) { return Then(s.RunTask(name, view), to_json); });
  }
  if (!r.t.verb.empty()) return RouteNotFound(r.request);
  if (r.method == "GET") {
    CTE_RETURN_IF_ERROR(CheckQuery(r.t, {"responseView"}));
    CTE_RETURN_IF_ERROR(ReadViewParam(r.t, view));
    return r.Set("GetTask", [=](Service& s) { return Then(s.GetTask(name, view), to_json); });
  }
  if (r.method != "DELETE") return RouteNotFound(r.request);
  CTE_RETURN_IF_ERROR(CheckQuery(r.t, {}));
  return r.Set("DeleteTask", [name](Service& s) { return EmptyOr(s.DeleteTask(name)); });
}

// Routes "/v2/projects/..." (and the "/v1" locations paths some clients use).
Status RouteApi(Route& r) {
  const auto& s = r.t.segments;
  size_t n = s.size();
  bool v2 = s[0] == "v2";
  bool shape = (v2 || s[0] == "v1") && n >= 4 && n <= 9 && s[1] == "projects" &&
               s[3] == "locations" && (n < 6 || s[5] == "queues") && (n < 8 || s[7] == "tasks");
  // A "*" in a URL template matches exactly one non-empty segment (spec 2.1).
  bool empty_segment =
      std::any_of(s.begin(), s.end(), [](const std::string& x) { return x.empty(); });
  if (!shape || (!v2 && n > 5) || empty_segment) return RouteNotFound(r.request);
  switch (n) {
    case 4:
      return RouteLocations(r, Join(s, 1, 3), true);
    case 5:
      return RouteLocations(r, Join(s, 1, 5), false);
    case 6:
      return RouteQueueCollection(r, Join(s, 1, 5));
    case 7:
      return RouteQueue(r, Join(s, 1, 7));
    case 8:
      return RouteTaskCollection(r, Join(s, 1, 7));
    default:
      return RouteTask(r, Join(s, 1, 9));
  }
}

}  // namespace

PreparedCall PrepareRestCall(const RestRequest& request) {
  PreparedCall call;
  auto target = ParseTarget(request.target);
  if (!target.ok()) {
    call.immediate = ErrorResponse(target.status());
    return call;
  }
  call.options = OptionsFrom(*target);
  std::string method = request.method;
  if (method == "POST" && !request.method_override.empty()) method = request.method_override;
  const auto& s = target->segments;
  if (s.size() == 3 && s[0] == "emulator" && s[1] == "v1" && s[2] == "healthz" && method == "GET") {
    call.rpc = "Healthz";
    call.immediate = RestResponse{200, R"({"status":"SERVING"})"};
    return call;
  }
  Route route{*target, method, request, call};
  Status status = RouteApi(route);
  if (!status.ok()) {
    call.execute = nullptr;
    call.immediate = ErrorResponse(status);
  }
  return call;
}

RestResponse ErrorResponse(const Status& status) {
  return {core::HttpStatusFor(status.code()), DumpJson(ErrorToJson(status))};
}

RestResponse Render(const Result<Json>& result) {
  if (!result.ok()) return ErrorResponse(result.status());
  return {200, DumpJson(*result)};
}

RestResponse HandleRestNow(const RestRequest& request, Service& service, core::TaskStore& store) {
  PreparedCall call = PrepareRestCall(request);
  if (call.immediate) return *call.immediate;
  Status begin = store.Begin();
  if (!begin.ok()) return ErrorResponse(begin);
  Result<Json> result = call.execute(service);
  if (!result.ok()) {
    store.Rollback();
    return ErrorResponse(result.status());
  }
  Status commit = store.Commit();
  if (!commit.ok()) return ErrorResponse(commit);
  return Render(result);
}

}  // namespace cte::api
