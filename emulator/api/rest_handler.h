// The REST adapter: routes an HTTP request value through the one route table, decodes it to core
// values, and makes the job that runs it; the job's completion renders the proto3 JSON answer
// (spec sections 2.1-2.2). No sockets here; http/ does the I/O.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
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
  // What a browser says of where a request comes from (api/browser_guard.h); empty when absent.
  std::string host = {};            // The Host header.
  std::string origin = {};          // The Origin header.
  std::string sec_fetch_site = {};  // The Sec-Fetch-Site header.
};

inline constexpr std::string_view kJsonContentType = "application/json; charset=UTF-8";

// The body of an answer that goes on as events happen (server-sent events): the server writes
// its head, then each chunk Next delivers, until the client leaves or a chunk is empty.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Calls `deliver` exactly once, from any thread, with the next bytes to send ("" ends the
  // answer). The server calls it again only after it wrote the last chunk and waited Interval().
  virtual void Next(std::function<void(std::string)> deliver) = 0;
  virtual std::chrono::milliseconds Interval() const = 0;
};

struct RestResponse {
  int status = 200;
  std::string body;                                  // JSON, unless content_type says otherwise.
  std::string_view content_type = kJsonContentType;  // Of static storage: never owned.
  // Header lines written as they are ("Name: value\r\n" each), of static storage.
  std::string_view extra_headers = {};
  // Set for a streamed answer: `body` is then ignored and the connection closes at its end.
  std::shared_ptr<EventSource> events = nullptr;
};

struct ProcessSample;

// The answers that need no store, from what the emulator was started with. Thread-safe.
struct LocalAnswers {
  std::function<std::string()> openid_configuration;  // The OpenID discovery document.
  std::function<std::string()> jwks;                  // The keys that verify OIDC tokens.
  // The process's figures for /metrics; when empty, the page leaves them out.
  std::function<ProcessSample()> process = {};
  // The dashboard's answer for a request under /ui, whatever its method (ui/dashboard.h), from
  // the method and what follows "/ui"; when empty, the dashboard is off (--ui=false) and every
  // /ui path answers the API's 404.
  std::function<RestResponse(std::string_view method, std::string_view path)> ui = {};
  // Hands a job to the store's thread from the I/O thread: how an event stream
  // (/emulator/v1/events) reads what it sends. When empty, the stream is not served.
  std::function<void(pipeline::Job)> submit = {};
  // The address the emulator listens on (--host), for api/browser_guard.h.
  std::string bind_host = "127.0.0.1";
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
