#include "app/app.h"

#include "app/queue_config.h"
#include "auth/token_signer.h"

#include <algorithm>

#include "api/rest_handler.h"
#include "dispatch/dispatcher.h"
#include "grpc/grpc_server.h"
#include "harness/harness.h"
#include "http/asio.h"
#include "http/http_pusher.h"
#include "core/transaction.h"
#include "http/io_lane.h"
#include "pipeline/executor.h"
#include "store/sqlite_store.h"

namespace cte::app {

namespace asio = http::asio;

namespace {

using core::Result;
using core::Status;

}  // namespace

namespace {

// Describes an attempt's outcome for the log: "200", "DEADLINE_EXCEEDED", or the error.
std::string OutcomeText(const core::AttemptLogEntry& e) {
  using Outcome = core::AttemptLogEntry::Outcome;
  switch (e.outcome) {
    case Outcome::kResponse:
      return std::to_string(e.http_status);
    case Outcome::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case Outcome::kConnectionError:
      return "error: " + e.error;
    case Outcome::kDiscarded:
      return "DISCARDED";
    case Outcome::kInFlight:
      return "IN_FLIGHT";
  }
  return "unknown";
}

}  // namespace

struct App::Impl {
  Impl(AppOptions o, std::unique_ptr<core::Clock> c, core::ManualClock* m,
       std::unique_ptr<store::SqliteStore> s, std::unique_ptr<auth::TokenSigner> t,
       std::vector<core::Queue> config_queues)
      : options(std::move(o)),
        logger(options.log),
        clock_holder(std::move(c)),
        clock(*clock_holder),
        manual_clock(m),
        signer(std::move(t)),
        store(std::move(s)),
        service(*store, clock, options.service),
        pusher(io, PusherOptions()),
        dispatcher(
            *store, clock, pusher,
            [this](std::function<Status()> work, std::function<void(const Status&)> done) {
              executor->Submit({std::move(work), std::move(done)});
            },
            DispatcherOptions()),
        harness(
            *store, service, dispatcher, clock, manual_clock,
            harness::HarnessOptions{ClockModeName(), options.time_scale, std::move(config_queues)}),
        server(io, options.server, [this](api::RestRequest r, http::Respond respond) {
          HandleRequest(std::move(r), std::move(respond));
        }) {
    service.SetDispatchControl(&dispatcher);
  }

  std::string ClockModeName() const {
    if (manual_clock != nullptr) return "manual";
    return options.time_scale != 1 ? "scaled" : "system";
  }

  http::PusherOptions PusherOptions() {
    http::PusherOptions p;
    p.verify_tls = options.verify_tls;
    p.sign = [this](const core::TokenRequest& r) { return signer->TokenFor(r); };
    return p;
  }

  dispatch::DispatcherOptions DispatcherOptions() {
    dispatch::DispatcherOptions d;
    d.rewrites = options.rewrites;
    d.task_tombstone = options.service.task_tombstone;
    d.on_attempt = [this](const core::AttemptLogEntry& a) {
      bool ok = a.outcome == core::AttemptLogEntry::Outcome::kResponse && a.http_status >= 200 &&
                a.http_status < 300;
      auto id = [](const std::string& name) { return name.substr(name.rfind('/') + 1); };
      logger.Attempt(id(a.queue), id(a.task), a.attempt, a.url, OutcomeText(a),
                     ok || a.outcome == core::AttemptLogEntry::Outcome::kDiscarded,
                     std::chrono::duration_cast<std::chrono::microseconds>(a.latency));
    };
    return d;
  }

  // Starts the store thread; from then on only it touches the store.
  void StartExecutor() {
    pipeline::Executor::Hooks hooks;
    hooks.housekeeping = [this] { Housekeep(); };
    hooks.tick = [this] { return Tick(); };
    executor = std::make_unique<pipeline::Executor>(*store, std::move(hooks));
    io_lane = std::make_unique<http::IoLane>(io, *executor);
  }

  // Starts the gRPC adapter; the HTTP listener hands it the connections that speak HTTP/2.
  Status StartGrpc() {
    grpc::GrpcOptions o;
    o.max_message_bytes = static_cast<int>(options.server.max_body_bytes);
    o.on_call = [this](const grpc::CallRecord& c) {
      logger.ApiCall(c.rpc, "gRPC", c.resource, core::HttpStatusFor(c.status.code()), c.latency);
    };
    auto started =
        grpc::GrpcServer::Start(std::move(o), [this](std::string_view rpc, grpc::ServiceWork work,
                                                     std::function<void(const Status&)> done) {
          executor->Submit({[this, work = std::move(work)] { return work(service); },
                            std::move(done),
                            service.WritesAtMostOnce(rpc) ? pipeline::Access::kSingleWrite
                                                          : pipeline::Access::kWrite});
        });
    if (!started.ok()) return started.status();
    grpc_server = std::move(*started);
    server.HandOffHttp2([this](int fd) { grpc_server->AddConnection(fd); });
    return Status::Ok();
  }

  // Runs the dispatcher on the store thread (and, under the manual clock, lets waitIdle move
  // time on), and turns the next wake-up time into a steady one.
  pipeline::Executor::WakeTime Tick() {
    std::optional<core::TimePoint> wake;
    Status s = core::InTransaction(*store, [&]() -> Status {
      auto next = dispatcher.Step();
      for (int i = 0; next.ok() && i < 10'000 && harness.CheckWaiters(); ++i) {
        next = dispatcher.Step();
      }
      if (!next.ok()) return next.status();
      wake = *next;
      return Status::Ok();
    });
    auto steady_now = std::chrono::steady_clock::now();
    if (!s.ok()) {
      logger.Log(LogLevel::kWarn, "dispatch step failed: " + s.message());
      return steady_now + std::chrono::seconds(1);
    }
    pipeline::Executor::WakeTime out = harness.NextWaiterDeadline();
    if (wake) {
      auto delay = clock.RealDelay(std::max(*wake - clock.Now(), core::Duration(0)));
      if (delay) {
        auto at = steady_now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::min<core::Duration>(*delay, std::chrono::hours(1)));
        out = out ? std::min(*out, at) : at;
      }
    }
    return out;
  }

  void Housekeep() {
    Status s = core::InTransaction(*store, [this] { return service.Housekeep(); });
    if (!s.ok()) logger.Log(LogLevel::kWarn, "housekeeping failed: " + s.message());
  }

  // Runs on the I/O thread: decodes the request here, runs it on the store thread, and renders
  // the answer back on the I/O thread.
  void HandleRequest(api::RestRequest request, http::Respond respond) {
    auto start = std::chrono::steady_clock::now();
    std::string path = request.target.substr(0, request.target.find('?'));
    if (request.method == "GET" && path == "/.well-known/openid-configuration") {
      return respond({200, signer->DiscoveryJson(base_url)});
    }
    if (request.method == "GET" && path == "/oauth2/v3/certs") {
      return respond({200, signer->JwksJson()});
    }
    if (harness::Harness::Handles(path))
      return HandleHarness(std::move(request), path, std::move(respond));
    auto call = std::make_shared<api::PreparedCall>(api::PrepareRestCall(request));
    auto finish = [this, call, start, method = std::move(request.method), path = std::move(path),
                   respond = std::move(respond)](api::RestResponse response) {
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      logger.ApiCall(call->rpc, method, path, response.status, latency);
      respond(std::move(response));
    };
    if (call->immediate) return finish(std::move(*call->immediate));
    auto result = std::make_shared<std::optional<Result<api::Json>>>();
    bool one_write = service.WritesAtMostOnce(call->rpc);
    io_lane->Submit({[this, call, result] {
                       result->emplace(call->execute(service));
                       return (*result)->status();
                     },
                     [result, finish = std::move(finish)](const Status& s) {
                       finish(s.ok() ? api::Render(**result) : api::ErrorResponse(s));
                     },
                     one_write ? pipeline::Access::kSingleWrite : pipeline::Access::kWrite});
  }

  // The /emulator/v1 endpoints: run on the store thread like API calls; waitIdle answers later.
  void HandleHarness(api::RestRequest request, const std::string& path, http::Respond respond) {
    auto start = std::chrono::steady_clock::now();
    std::string method = request.method;
    auto reply = [this, start, method, path, respond = std::move(respond)](api::RestResponse r) {
      asio::post(io, [this, start, method, path, respond, r = std::move(r)]() mutable {
        logger.ApiCall("Emulator", method, path, r.status,
                       std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start));
        respond(std::move(r));
      });
    };
    if (path == "/emulator/v1:waitIdle") {
      auto waiter = request.method == "POST"
                        ? harness::Harness::ParseWaitIdle(request.body)
                        : core::Result<harness::IdleWaiter>(core::NotFound(
                              "The requested URL " + path + " was not found on this server."));
      if (!waiter.ok()) return reply(api::ErrorResponse(waiter.status()));
      waiter->respond = reply;
      io_lane->Submit({[this, w = std::move(*waiter)]() mutable {
                         harness.AddWaiter(std::move(w));
                         return Status::Ok();
                       },
                       [reply](const Status& s) {
                         if (!s.ok()) reply(api::ErrorResponse(s));
                       }});
      return;
    }
    auto result = std::make_shared<std::optional<Result<api::Json>>>();
    io_lane->Submit({[this, request = std::move(request), result] {
                       result->emplace(harness.Execute(request));
                       return (*result)->status();
                     },
                     [result, reply](const Status& s) {
                       reply(s.ok() ? api::Render(**result) : api::ErrorResponse(s));
                     }});
  }

  AppOptions options;
  Logger logger;
  std::unique_ptr<core::Clock> clock_holder;
  const core::Clock& clock;
  core::ManualClock* manual_clock;
  std::unique_ptr<auth::TokenSigner> signer;
  std::string base_url;  // Set once the port is bound.
  asio::io_context io{1};
  std::unique_ptr<store::SqliteStore> store;
  api::Service service;
  http::HttpPusher pusher;
  dispatch::Dispatcher dispatcher;
  harness::Harness harness;
  std::unique_ptr<pipeline::Executor> executor;   // Stops after gRPC, before the rest.
  std::unique_ptr<http::IoLane> io_lane;
  std::unique_ptr<grpc::GrpcServer> grpc_server;  // Its calls finish on the executor's thread.
  http::Server server;
};

Result<std::unique_ptr<App>> App::Create(AppOptions options) {
  std::unique_ptr<core::Clock> clock;
  core::ManualClock* manual = nullptr;
  if (options.clock_mode == "manual") {
    auto owned = std::make_unique<core::ManualClock>(std::chrono::system_clock::now());
    manual = owned.get();
    clock = std::move(owned);
  } else if (options.time_scale != 1) {
    clock = std::make_unique<core::ScaledClock>(options.time_scale);
  } else {
    clock = std::make_unique<core::SystemClock>();
  }
  std::vector<core::Queue> queues;
  if (!options.config_path.empty()) {
    auto loaded = LoadQueueConfig(options.config_path);
    if (!loaded.ok()) return loaded.status();
    queues = std::move(*loaded);
  }
  auto store = store::SqliteStore::Open(options.db_path);
  if (!store.ok()) return store.status();
  std::string key_path = options.oidc_key_path;
  if (key_path.empty() && options.db_path != ":memory:")
    key_path = options.db_path + ".oidc-key.pem";
  auto signer = auth::TokenSigner::Create({key_path, options.oidc_issuer}, *clock);
  if (!signer.ok()) return signer.status();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(clock), manual,
                                     std::move(*store), std::move(*signer), queues);
  Status applied = core::InTransaction(*impl->store, [&]() -> Status {
    for (const core::Queue& q : queues) CTE_RETURN_IF_ERROR(impl->service.ApplyQueueConfig(q));
    CTE_RETURN_IF_ERROR(impl->dispatcher.Recover());
    return impl->service.Housekeep();
  });
  if (!applied.ok()) return applied;
  impl->StartExecutor();
  CTE_RETURN_IF_ERROR(impl->StartGrpc());
  CTE_RETURN_IF_ERROR(impl->server.Listen());
  auto app = std::unique_ptr<App>(new App(std::move(impl)));
  app->impl_->base_url = app->url();
  return app;
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() = default;

uint16_t App::port() const { return impl_->server.port(); }

std::string App::url() const {
  const std::string& host = impl_->options.server.host;
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

void App::Run(bool handle_signals) {
  asio::signal_set signals(impl_->io);
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) Stop();
    });
  }
  impl_->server.Start();
  auto guard = asio::make_work_guard(impl_->io);
  impl_->io.run();
}

void App::Stop() {
  asio::post(impl_->io, [this] {
    impl_->server.Stop();
    impl_->grpc_server->Shutdown();
    impl_->io.stop();
  });
}

}  // namespace cte::app
