#include "grpc/grpc_server.h"

#include "google/cloud/location/locations.grpc.pb.h"
#include "google/cloud/tasks/v2/cloudtasks.grpc.pb.h"

#include <atomic>
#include <optional>
#include <type_traits>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>

#include "api/call.h"
#include "api/json_codec.h"
#include "grpc/proto_mapping.h"

namespace cte::grpc {

namespace {

using core::Result;
using core::Status;
using Reactor = ::grpc::ServerUnaryReactor;
using Context = ::grpc::CallbackServerContext;

::grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return ::grpc::Status::OK;
  return {static_cast<::grpc::StatusCode>(s.code()), s.message()};
}

// The value a service method gives: T for Result<T>, api::Empty for a Status.
template <typename R>
struct ValueOf;
template <typename T>
struct ValueOf<Result<T>> {
  using type = T;
  static Result<T> Of(Result<T> r) { return r; }
};
template <>
struct ValueOf<Status> {
  using type = api::Empty;
  static Result<api::Empty> Of(const Status& s) { return api::AsEmpty(s); }
};

// Runs one unary call: decoded on a gRPC thread; `op` runs on the executor's thread; `put`
// writes the value into the response, and the call finishes, on the lane.
class Calls {
 public:
  Calls(api::Service& service, SubmitJob submit, pipeline::Lane* lane,
        std::function<void(const CallRecord&)> on_call)
      : service_(service), submit_(std::move(submit)), lane_(lane), on_call_(std::move(on_call)) {}

  template <typename Op, typename Put>
  Reactor* Call(Context* ctx, api::Rpc rpc, std::string resource, const Status& decoded, Op op,
                Put put) {
    Reactor* reactor = ctx->DefaultReactor();
    auto start = std::chrono::steady_clock::now();
    if (!decoded.ok()) {
      Finish(reactor, rpc, resource, start, decoded);
      return reactor;
    }
    using Value = ValueOf<std::invoke_result_t<Op&, api::Service&>>;
    using T = typename Value::type;
    pipeline::Job job =
        api::TypedJob<T>([&s = service_, op = std::move(op)]() mutable { return Value::Of(op(s)); },
                         [this, reactor, put = std::move(put), rpc, resource = std::move(resource),
                          start](Result<T> r) {
                           if (r.ok()) put(*r);
                           Finish(reactor, rpc, resource, start, r.status());
                         },
                         service_.AccessOf(rpc));
    job.lane = lane_;
    submit_(std::move(job));
    return reactor;
  }

 private:
  void Finish(Reactor* reactor, api::Rpc rpc, const std::string& resource,
              std::chrono::steady_clock::time_point start, const Status& status) {
    if (on_call_) {
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      on_call_(CallRecord{rpc, resource, status, latency});
    }
    reactor->Finish(ToGrpc(status));
  }

  api::Service& service_;
  SubmitJob submit_;
  pipeline::Lane* lane_;
  std::function<void(const CallRecord&)> on_call_;
};

auto NoPut = [](const auto&) {};

class CloudTasksService final : public tasks_pb::CloudTasks::CallbackService {
 public:
  explicit CloudTasksService(Calls& calls) : calls_(calls) {}

  Reactor* ListQueues(Context* ctx, const tasks_pb::ListQueuesRequest* req,
                      tasks_pb::ListQueuesResponse* resp) override {
    api::ListQueuesRequest r{req->parent(), req->filter(), {req->page_size(), req->page_token()}};
    return calls_.Call(
        ctx, api::Rpc::kListQueues, r.parent, Status::Ok(),
        [r](api::Service& s) { return s.ListQueues(r); },
        [resp](const api::ListQueuesResponse& out) {
          for (const core::Queue& q : out.queues) ToProto(q, *resp->add_queues());
          resp->set_next_page_token(out.next_page_token);
        });
  }

  Reactor* GetQueue(Context* ctx, const tasks_pb::GetQueueRequest* req,
                    tasks_pb::Queue* resp) override {
    return QueueCall(ctx, api::Rpc::kGetQueue, req->name(), &api::Service::GetQueue, resp);
  }

  Reactor* CreateQueue(Context* ctx, const tasks_pb::CreateQueueRequest* req,
                       tasks_pb::Queue* resp) override {
    core::Queue queue;
    Status decoded = FromProto(req->queue(), "queue", queue);
    return calls_.Call(
        ctx, api::Rpc::kCreateQueue, req->parent(), decoded,
        [parent = req->parent(), queue](api::Service& s) { return s.CreateQueue(parent, queue); },
        [resp](const core::Queue& q) { ToProto(q, *resp); });
  }

  Reactor* UpdateQueue(Context* ctx, const tasks_pb::UpdateQueueRequest* req,
                       tasks_pb::Queue* resp) override {
    api::UpdateQueueRequest r;
    r.keep_http_target = true;  // Our proto, as Google's v2 proto, has no Queue.http_target.
    Status decoded = FromProto(req->queue(), "queue", r.queue);
    // Paths are snake_case in protobuf; clients that pass the JSON names get what REST gives them.
    for (const std::string& path : req->update_mask().paths()) {
      r.update_mask.push_back(api::SnakeCase(path));
    }
    return calls_.Call(
        ctx, api::Rpc::kUpdateQueue, req->queue().name(), decoded,
        [r](api::Service& s) { return s.UpdateQueue(r); },
        [resp](const core::Queue& q) { ToProto(q, *resp); });
  }

  Reactor* DeleteQueue(Context* ctx, const tasks_pb::DeleteQueueRequest* req,
                       ::google::protobuf::Empty*) override {
    return calls_.Call(
        ctx, api::Rpc::kDeleteQueue, req->name(), Status::Ok(),
        [name = req->name()](api::Service& s) { return s.DeleteQueue(name); }, NoPut);
  }

  Reactor* PurgeQueue(Context* ctx, const tasks_pb::PurgeQueueRequest* req,
                      tasks_pb::Queue* resp) override {
    return QueueCall(ctx, api::Rpc::kPurgeQueue, req->name(), &api::Service::PurgeQueue, resp);
  }

  Reactor* PauseQueue(Context* ctx, const tasks_pb::PauseQueueRequest* req,
                      tasks_pb::Queue* resp) override {
    return QueueCall(ctx, api::Rpc::kPauseQueue, req->name(), &api::Service::PauseQueue, resp);
  }

  Reactor* ResumeQueue(Context* ctx, const tasks_pb::ResumeQueueRequest* req,
                       tasks_pb::Queue* resp) override {
    return QueueCall(ctx, api::Rpc::kResumeQueue, req->name(), &api::Service::ResumeQueue, resp);
  }

  Reactor* GetIamPolicy(Context* ctx, const iam_pb::GetIamPolicyRequest* req,
                        iam_pb::Policy* resp) override {
    return calls_.Call(
        ctx, api::Rpc::kGetIamPolicy, req->resource(), Status::Ok(),
        [resource = req->resource()](api::Service& s) { return s.GetIamPolicy(resource); },
        [resp](const core::Policy& p) { ToProto(p, *resp); });
  }

  Reactor* SetIamPolicy(Context* ctx, const iam_pb::SetIamPolicyRequest* req,
                        iam_pb::Policy* resp) override {
    core::Policy policy;
    Status decoded = FromProto(req->policy(), policy);
    return calls_.Call(
        ctx, api::Rpc::kSetIamPolicy, req->resource(), decoded,
        [resource = req->resource(), policy](api::Service& s) {
          return s.SetIamPolicy(resource, policy);
        },
        [resp](const core::Policy& p) { ToProto(p, *resp); });
  }

  Reactor* TestIamPermissions(Context* ctx, const iam_pb::TestIamPermissionsRequest* req,
                              iam_pb::TestIamPermissionsResponse* resp) override {
    std::vector<std::string> permissions(req->permissions().begin(), req->permissions().end());
    return calls_.Call(
        ctx, api::Rpc::kTestIamPermissions, req->resource(), Status::Ok(),
        [resource = req->resource(), permissions](api::Service& s) {
          return s.TestIamPermissions(resource, permissions);
        },
        [resp](const std::vector<std::string>& granted) {
          for (const std::string& p : granted) resp->add_permissions(p);
        });
  }

  Reactor* ListTasks(Context* ctx, const tasks_pb::ListTasksRequest* req,
                     tasks_pb::ListTasksResponse* resp) override {
    api::ListTasksRequest r{req->parent(), {}, {req->page_size(), req->page_token()}};
    Status decoded = TaskViewFromProto(req->response_view(), "response_view", r.response_view);
    return calls_.Call(
        ctx, api::Rpc::kListTasks, r.parent, decoded,
        [r](api::Service& s) { return s.ListTasks(r); },
        [resp](const api::ListTasksResponse& out) {
          for (const core::Task& t : out.tasks) ToProto(t, *resp->add_tasks());
          resp->set_next_page_token(out.next_page_token);
        });
  }

  Reactor* GetTask(Context* ctx, const tasks_pb::GetTaskRequest* req,
                   tasks_pb::Task* resp) override {
    return TaskCall(ctx, api::Rpc::kGetTask, req->name(), req->response_view(),
                    &api::Service::GetTask, resp);
  }

  Reactor* CreateTask(Context* ctx, const tasks_pb::CreateTaskRequest* req,
                      tasks_pb::Task* resp) override {
    core::Task task;
    core::TaskView view = core::TaskView::kUnspecified;
    Status decoded = FromProto(req->task(), "task", task);
    if (decoded.ok()) decoded = TaskViewFromProto(req->response_view(), "response_view", view);
    return calls_.Call(
        ctx, api::Rpc::kCreateTask, req->parent(), decoded,
        [parent = req->parent(), task = std::move(task), view](api::Service& s) mutable {
          return s.CreateTask(parent, std::move(task), view);  // Runs once: no copy of the body.
        },
        [resp](const core::Task& t) { ToProto(t, *resp); });
  }

  Reactor* DeleteTask(Context* ctx, const tasks_pb::DeleteTaskRequest* req,
                      ::google::protobuf::Empty*) override {
    return calls_.Call(
        ctx, api::Rpc::kDeleteTask, req->name(), Status::Ok(),
        [name = req->name()](api::Service& s) { return s.DeleteTask(name); }, NoPut);
  }

  Reactor* RunTask(Context* ctx, const tasks_pb::RunTaskRequest* req,
                   tasks_pb::Task* resp) override {
    return TaskCall(ctx, api::Rpc::kRunTask, req->name(), req->response_view(),
                    &api::Service::RunTask, resp);
  }

 private:
  using QueueOp = Result<core::Queue> (api::Service::*)(const std::string&);
  using TaskOp = Result<core::Task> (api::Service::*)(const std::string&, core::TaskView);

  Reactor* QueueCall(Context* ctx, api::Rpc rpc, const std::string& name, QueueOp op,
                     tasks_pb::Queue* resp) {
    return calls_.Call(
        ctx, rpc, name, Status::Ok(), [name, op](api::Service& s) { return (s.*op)(name); },
        [resp](const core::Queue& q) { ToProto(q, *resp); });
  }

  Reactor* TaskCall(Context* ctx, api::Rpc rpc, const std::string& name, int view_number, TaskOp op,
                    tasks_pb::Task* resp) {
    core::TaskView view = core::TaskView::kUnspecified;
    Status decoded = TaskViewFromProto(view_number, "response_view", view);
    return calls_.Call(
        ctx, rpc, name, decoded, [name, view, op](api::Service& s) { return (s.*op)(name, view); },
        [resp](const core::Task& t) { ToProto(t, *resp); });
  }

  Calls& calls_;
};

class LocationsService final : public location_pb::Locations::CallbackService {
 public:
  explicit LocationsService(Calls& calls) : calls_(calls) {}

  Reactor* ListLocations(Context* ctx, const location_pb::ListLocationsRequest* req,
                         location_pb::ListLocationsResponse* resp) override {
    api::ListLocationsRequest r{req->name(), req->filter(), {req->page_size(), req->page_token()}};
    return calls_.Call(
        ctx, api::Rpc::kListLocations, r.name, Status::Ok(),
        [r](api::Service& s) { return s.ListLocations(r); },
        [resp](const api::ListLocationsResponse& out) {
          for (const core::Location& l : out.locations) ToProto(l, *resp->add_locations());
          resp->set_next_page_token(out.next_page_token);
        });
  }

  Reactor* GetLocation(Context* ctx, const location_pb::GetLocationRequest* req,
                       location_pb::Location* resp) override {
    return calls_.Call(
        ctx, api::Rpc::kGetLocation, req->name(), Status::Ok(),
        [name = req->name()](api::Service& s) { return s.GetLocation(name); },
        [resp](const core::Location& l) { ToProto(l, *resp); });
  }

 private:
  Calls& calls_;
};

}  // namespace

struct GrpcServer::Impl {
  Impl(api::Service& service, SubmitJob submit, pipeline::Lane* lane,
       std::function<void(const CallRecord&)> on_call)
      : calls(service, std::move(submit), lane, std::move(on_call)),
        tasks(calls),
        locations(calls) {}

  Calls calls;
  CloudTasksService tasks;
  LocationsService locations;
  std::unique_ptr<::grpc::Server> server;
  std::atomic<bool> shut_down{false};
};

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(GrpcOptions options, api::Service& service,
                                                      SubmitJob submit, pipeline::Lane* lane) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a debug aid, on by
  // default in its build), which cost a gRPC CreateTask 5 % of its instructions (104.7k → 99.8k
  // per call under callgrind) and took a lock that every gRPC thread shares.
  static const bool detection_off = [] {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    return true;
  }();
  (void)detection_off;
  auto impl = std::make_unique<Impl>(service, std::move(submit), lane, std::move(options.on_call));
  ::grpc::ServerBuilder builder;
  builder.RegisterService(&impl->tasks);
  builder.RegisterService(&impl->locations);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(-1);
  impl->server = builder.BuildAndStart();
  if (!impl->server) return core::Internal("cannot start the gRPC server");
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

void GrpcServer::AddConnection(int fd) {
  ::grpc::AddInsecureChannelFromFd(impl_->server.get(), fd);
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->shut_down.exchange(true)) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
  impl_->server->Wait();
}

}  // namespace cte::grpc
