// GrpcServer: the gRPC adapter. Serves google.cloud.tasks.v2.CloudTasks and the
// google.cloud.location.Locations mixin over the same Service as REST, on connections the HTTP
// listener hands over when they open with the HTTP/2 preface. gRPC headers stay in the .cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/rpc.h"
#include "api/service.h"
#include "core/status.h"
#include "pipeline/job.h"

namespace cte::grpc {

// Hands a job to the executor that owns the Service's store. Thread-safe.
using SubmitJob = std::function<void(pipeline::Job job)>;

// What the access log needs of a finished call.
struct CallRecord {
  api::Rpc rpc;
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
  // Builds and starts a gRPC server with no listening port of its own. Calls run against
  // `service` through `submit`; they finish (their answer encoded, the call completed) on `lane`,
  // or on the executor's thread when `lane` is null. All must outlive the server, and the
  // executor must still run jobs while it shuts down. INTERNAL when gRPC cannot start.
  static core::Result<std::unique_ptr<GrpcServer>> Start(GrpcOptions options, api::Service& service,
                                                         SubmitJob submit, pipeline::Lane* lane);
  // Shuts down (as Shutdown) and frees the server.
  ~GrpcServer();

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Serves a connected socket whose unread bytes start with the HTTP/2 client preface. Takes
  // ownership of `fd`. Thread-safe.
  void AddConnection(int fd);

  // Stops taking calls, cancels those still running after `grace`, and waits for them to end.
  // Requires: submitted jobs still complete. Thread-safe; later calls do nothing.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(250));

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::grpc
