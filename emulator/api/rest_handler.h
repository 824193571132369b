// The REST adapter: routes an HTTP request value through the one route table, decodes it to core
// values, and makes the job that runs it; the job's completion renders the proto3 JSON answer
// (spec sections 2.1-2.2). No sockets here; http/ does the I/O.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/call.h"
#include "api/rpc.h"
#include "core/task_store.h"
#include "pipeline/job.h"

namespace cte::api {

struct RestRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Path and query, as received.
  std::string body;
  std::string method_override;  // The X-HTTP-Method-Override header, if any.
  // The request's headers, in order: filled only for BufferTask (a target with ":buffer"), the one
  // call that reads them (they become the task's).
  std::vector<std::pair<std::string, std::string>> headers;
};

inline constexpr std::string_view kJsonContentType = "application/json; charset=UTF-8";

struct RestResponse {
  int status = 200;
  std::string body;                                  // JSON, unless content_type says otherwise.
  std::string_view content_type = kJsonContentType;  // Of static storage: never owned.
};

struct ProcessSample;

// The answers that need no store, from what the emulator was started with. Thread-safe.
struct LocalAnswers {
  std::function<std::string()> openid_configuration;  // The OpenID discovery document.
  std::function<std::string()> jwks;                  // The keys that verify OIDC tokens.
  // The process's figures for /metrics; when empty, the page leaves them out.
  std::function<ProcessSample()> process;
};

// A routed and decoded request: either answered at once (`immediate`: a routing or decoding
// error, or an endpoint that needs no store), or `job`, to run on the executor.
struct RestCall {
  std::optional<Rpc> rpc;  // Unset when no route matched.
  std::optional<RestResponse> immediate;
  pipeline::Job job;
};

// Routes and decodes `request` on the calling thread. The job's completion (on `lane`) calls
// `reply` exactly once with the rendered answer; so does a waitIdle that ends later. `targets`
// and `lane` must outlive the job. Thread-safe.
RestCall PrepareRestCall(const RestRequest& request, const Targets& targets,
                         const LocalAnswers& local, pipeline::Lane& lane,
                         std::function<void(RestResponse)> reply);

// Google's error response for a status.
RestResponse ErrorResponse(const core::Status& status);

// Prepares, runs in a batch of its own on the calling thread, and returns the answer: for tests
// and fuzzing. Requires: no other thread uses `store`; `targets.emulator` has no waitIdle
// callers.
RestResponse HandleRestNow(const RestRequest& request, const Targets& targets,
                           core::TaskStore& store);

}  // namespace cte::api
