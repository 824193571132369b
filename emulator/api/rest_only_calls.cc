// The REST-only methods (spec 2.1: in the discovery document, not in the v2 proto): BufferTask,
// whose body is the task's raw body and whose headers become the task's, and the CMEK config of
// a location.
#include "api/rest_decoding.h"
#include "core/push_request.h"
#include "core/strings.h"

namespace cte::api {

namespace {

using core::Result;
using pipeline::Job;

// Request headers that are not the task's: the ones Cloud Tasks computes or reserves, the
// caller's credentials, Google's API headers, and hop-by-hop ones.
bool IsCallHeader(std::string_view name) {
  if (core::IsReservedHeader(name, /*has_token=*/true)) return true;
  for (std::string_view h : {"X-HTTP-Method-Override", "Keep-Alive", "TE", "Upgrade", "Expect",
                             "Proxy-Authorization", "Proxy-Connection"}) {
    if (core::EqualsIgnoreCase(name, h)) return true;
  }
  return core::StartsWithIgnoreCase(name, "X-Goog-");
}

Result<Job> BufferTask(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  std::string queue = d.resource, task_id;
  if (size_t tasks = d.resource.find("/tasks/"); tasks != std::string::npos) {
    queue = d.resource.substr(0, tasks);
    task_id = d.resource.substr(tasks + 7);
  }
  core::HeaderMap headers;
  for (const auto& [name, value] : d.request.headers) {
    if (!IsCallHeader(name)) headers[name] = value;
  }
  return d.Job<core::Task>(
      [&s = d.targets.service, queue, task_id, body = d.request.body,
       headers = std::move(headers)]() mutable {
        return s.BufferTask(queue, task_id, std::move(body), std::move(headers));
      },
      [o = d.options](const core::Task& t) {
        return Json{{"task", TaskToJson(t, o)}};
      });
}

Result<Job> CmekConfig(const Decoding& d) {
  Service& s = d.targets.service;
  // The route's resource is the location: ".../locations/l/cmekConfig" names its config.
  std::string location = d.resource;
  if (d.rpc == Rpc::kGetCmekConfig) {
    CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
    return d.Job<core::CmekConfig>([&s, location] { return s.GetCmekConfig(location); },
                                   CmekConfigToJson);
  }
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {"updateMask"}));
  auto body = d.Body();
  if (!body.ok()) return body.status();
  CTE_RETURN_IF_ERROR(CheckPathField(*body, "name", location + "/cmekConfig"));
  core::CmekConfig config;
  CTE_RETURN_IF_ERROR(ReadCmekConfig(*body, "cmek_config", config));
  std::vector<std::string> mask = ParseFieldMask(Query(d.t, "updateMask"));
  return d.Job<core::CmekConfig>([&s, location, key = config.kms_key,
                                  mask] { return s.UpdateCmekConfig(location, key, mask); },
                                 CmekConfigToJson);
}

}  // namespace

Result<Job> DecodeRestOnlyCall(const Decoding& d) {
  if (d.rpc == Rpc::kBufferTask) return BufferTask(d);
  return CmekConfig(d);
}

}  // namespace cte::api
