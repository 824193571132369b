// The REST adapter: turns an HTTP request value into a Service call and its result into the
// proto3 JSON response (spec sections 2.1-2.2). No sockets here; http/ does the I/O.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/json_codec.h"
#include "api/service.h"
#include "core/task_store.h"

namespace cte::api {

struct RestRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Path and query, as received.
  std::string body;
  std::string method_override;  // The X-HTTP-Method-Override header, if any.
};

struct RestResponse {
  int status = 200;
  std::string body;  // JSON.
};

// A routed and decoded request. Either `immediate` holds the answer (a routing or decoding error,
// or an endpoint that needs no store), or `execute` must run once (it may move its captures
// out) on the thread that owns the Service, inside a store transaction, and its result be passed
// to Render.
struct PreparedCall {
  std::string rpc;  // For logs, e.g. "CreateTask"; empty when not routed.
  std::optional<RestResponse> immediate;
  std::function<core::Result<Json>(Service&)> execute;
  JsonOptions options;
};

// Routes and decodes `request`. Thread-safe (touches no shared state).
PreparedCall PrepareRestCall(const RestRequest& request);

// The HTTP response for an executed call.
RestResponse Render(const core::Result<Json>& result);

// Google's error response for a status.
RestResponse ErrorResponse(const core::Status& status);

// Prepares, executes in its own transaction and renders: for tests and simple callers.
RestResponse HandleRestNow(const RestRequest& request, Service& service, core::TaskStore& store);

}  // namespace cte::api
