// GrpcServer: the gRPC adapter. Serves google.cloud.tasks.v2.CloudTasks and the
// google.cloud.location.Locations mixin over the same Service as REST, on connections the HTTP
// listener hands over when they open with the HTTP/2 preface. gRPC headers stay in the .cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/service.h"
#include "core/status.h"

namespace cte::grpc {

// Work for the thread that owns the Service; runs once, inside a store transaction.
using ServiceWork = std::function<core::Status(api::Service&)>;
// Runs `work` (the method `rpc`, e.g. "CreateTask") on the Service's thread, in a transaction
// that commits when it returns OK and rolls back otherwise, then calls `done` with its status (or
// the commit's failure). `done` may run on any thread but must be called exactly once, even while
// shutting down.
using RunOnService = std::function<void(std::string_view rpc, ServiceWork work,
                                        std::function<void(const core::Status&)> done)>;

// What the access log needs of a finished call.
struct CallRecord {
  std::string_view rpc;       // "CreateTask".
  std::string_view resource;  // The request's name, parent or resource field.
  const core::Status& status;
  std::chrono::microseconds latency;
};

struct GrpcOptions {
  int max_message_bytes = 10 * 1024 * 1024;        // The same body limit as REST.
  std::function<void(const CallRecord&)> on_call;  // Optional access log.
};

class GrpcServer {
 public:
  // Builds and starts a gRPC server with no listening port of its own. `run` must stay callable
  // until the server is destroyed. INTERNAL when gRPC cannot start.
  static core::Result<std::unique_ptr<GrpcServer>> Start(GrpcOptions options, RunOnService run);
  // Shuts down (as Shutdown) and frees the server.
  ~GrpcServer();

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Serves a connected socket whose unread bytes start with the HTTP/2 client preface. Takes
  // ownership of `fd`. Thread-safe.
  void AddConnection(int fd);

  // Stops taking calls, cancels those still running after `grace`, and waits for them to end.
  // Requires: `run` still completes work (calls `done`). Thread-safe; later calls do nothing.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(250));

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::grpc
