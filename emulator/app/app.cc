#include "app/app.h"

#include "ui/dashboard.h"

#include <algorithm>
#include <thread>

#include "api/rest_handler.h"
#include "app/database_lock.h"
#include "app/process_sample.h"
#include "app/queue_config.h"
#include "auth/token_signer.h"
#include "common/version.h"
#include "core/transaction.h"
#include "dispatch/dispatcher.h"
#include "grpc/grpc_server.h"
#include "harness/harness.h"
#include "http/asio.h"
#include "http/http_pusher.h"
#include "http/io_lane.h"
#include "pipeline/executor.h"
#include "store/sqlite_store.h"

namespace cte::app {

namespace asio = http::asio;

using core::Result;
using core::Status;

// The emulator's parts and how calls flow between them: every call (REST, gRPC, harness) and
// every dispatch outcome is a job on the executor, the one thread that owns the store; REST and
// gRPC calls come back to the I/O thread (io_lane) to be encoded and answered.
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
            [this](auto work, auto done) {
              executor->Submit({std::move(work), std::move(done), pipeline::Access::kWriteOrAbort});
            },
            DispatcherOptions()),
        harness(*store, service, dispatcher, clock, manual_clock,
                harness::HarnessOptions{ClockModeName(), options.time_scale,
                                        std::move(config_queues), &store_counters}),
        server(io, options.server, [this](api::RestRequest r, http::Respond respond) {
          HandleRequest(std::move(r), std::move(respond));
        }) {
    service.SetDispatchControl(&dispatcher);
    if (options.ui) local.ui = ui::Answer;
    local.submit = [this](pipeline::Job job) { io_lane->Submit(std::move(job)); };
    local.bind_host = options.server.host;
    store->ObserveCommits([this](core::Duration took) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
      store_counters.commit_latency.Add(core::kCommitLatencyBoundsUs, us, 1);
    });
  }

  std::string ClockModeName() const {
    if (manual_clock != nullptr) return "manual";
    return options.time_scale != 1 ? "scaled" : "system";
  }

  http::PusherOptions PusherOptions() {
    http::PusherOptions p;
    p.verify_tls = options.verify_tls;
    p.max_connections = max_connections;
    p.sign = [this](const core::TokenRequest& r) { return signer->TokenFor(r); };
    return p;
  }

  dispatch::DispatcherOptions DispatcherOptions() {
    dispatch::DispatcherOptions d;
    d.rewrites = options.rewrites;
    d.task_tombstone = options.service.task_tombstone;
    d.on_attempt = [this](core::AttemptLogEntry a) {
      logger.Attempt(a);
      harness.RecordAttempt(std::move(a));
    };
    d.imperfections = options.imperfections;
    d.imperfection_seed = options.imperfection_seed;
    d.app_engine = options.app_engine;
    d.max_in_flight = static_cast<int>(max_connections);
    return d;
  }

  // Starts the store's thread; from then on only it touches the store.
  void StartExecutor() {
    pipeline::Executor::Hooks hooks;
    hooks.housekeeping = [this] { Housekeep(); };
    hooks.tick = [this] { return Tick(); };
    hooks.batch_ran = [this](size_t jobs) {
      store_counters.batch_size.Add(core::kBatchSizeBounds, static_cast<int64_t>(jobs), 1);
    };
    executor = std::make_unique<pipeline::Executor>(*store, std::move(hooks));
    io_lane = std::make_unique<http::IoLane>(io, *executor);
  }

  // Starts the gRPC adapter; the HTTP listener hands it the connections that speak HTTP/2.
  Status StartGrpc() {
    grpc::GrpcOptions o;
    o.max_message_bytes = static_cast<int>(options.server.max_body_bytes);
    o.on_call = [this](const grpc::CallRecord& c) {
      logger.ApiCall(api::RpcName(c.rpc), "gRPC", c.resource, core::HttpStatusFor(c.status.code()),
                     c.latency);
    };
    auto started = grpc::GrpcServer::Start(
        std::move(o), service, [this](pipeline::Job job) { executor->Submit(std::move(job)); },
        io_lane.get());
    if (!started.ok()) return started.status();
    grpc_server = std::move(*started);
    server.HandOffHttp2([this](int fd) { grpc_server->AddConnection(fd); });
    return Status::Ok();
  }

  // Runs the dispatcher on the store's thread (and, under the manual clock, lets waitIdle move
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
    pipeline::Executor::WakeTime out = harness.NextWaiterDeadline();
    if (!s.ok()) {  // A storage failure: whatever the step did is undone; try again soon.
      logger.Log(LogLevel::kWarn, "dispatch step failed: " + s.message());
      harness.ExpireWaiters(s);  // Their deadlines hold while the steps fail.
      auto retry = steady_now + std::chrono::seconds(1);
      return out ? std::min(*out, retry) : retry;
    }
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

  // On the I/O thread: routes and decodes the request here, runs it on the store's thread, and
  // renders the answer back here.
  void HandleRequest(api::RestRequest request, http::Respond respond) {
    auto start = std::chrono::steady_clock::now();
    auto rpc = std::make_shared<std::optional<api::Rpc>>();
    auto reply = [this, rpc, start, method = request.method,
                  path = request.target.substr(0, request.target.find('?')),
                  respond = std::move(respond)](api::RestResponse r) {
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      logger.ApiCall(*rpc ? api::RpcName(**rpc) : "", method, path, r.status, latency);
      respond(std::move(r));
    };
    api::RestCall call = api::PrepareRestCall(request, targets, local, *io_lane, reply);
    *rpc = call.rpc;  // The reply runs later, on this thread.
    if (call.immediate) return reply(std::move(*call.immediate));
    io_lane->Submit(std::move(call.job));
  }

  DatabaseLock db_lock;  // First, so that it is released last, after the store has closed.
  AppOptions options;
  Logger logger;
  std::unique_ptr<core::Clock> clock_holder;
  const core::Clock& clock;
  core::ManualClock* manual_clock;
  std::unique_ptr<auth::TokenSigner> signer;
  std::string base_url;  // Set once the port is bound.
  asio::io_context io{1};
  // The pusher's connections, and so the requests in flight at once over all queues.
  size_t max_connections = http::DefaultMaxConnections();
  std::unique_ptr<store::SqliteStore> store;
  core::StoreCounters store_counters;  // The store's thread's (the executor's).
  api::Service service;
  http::HttpPusher pusher;
  dispatch::Dispatcher dispatcher;
  harness::Harness harness;
  api::Targets targets{service, &harness};
  api::LocalAnswers local{[this] { return signer->DiscoveryJson(base_url); },
                          [this] { return signer->JwksJson(); }, SampleProcess};
  std::unique_ptr<pipeline::Executor> executor;  // Stopped by ~App, before the lanes go.
  std::unique_ptr<http::IoLane> io_lane;
  std::unique_ptr<grpc::GrpcServer> grpc_server;
  http::Server server;
  bool stopping = false;  // I/O thread only.
  std::thread stopper;    // Shuts gRPC down while the I/O thread still answers its calls.
};

namespace {

Result<std::unique_ptr<core::Clock>> MakeClock(const AppOptions& options,
                                               core::ManualClock*& manual) {
  if (options.clock_mode == "manual") {
    auto owned = std::make_unique<core::ManualClock>(std::chrono::system_clock::now());
    manual = owned.get();
    return std::unique_ptr<core::Clock>(std::move(owned));
  }
  if (options.time_scale != 1)
    return std::unique_ptr<core::Clock>(new core::ScaledClock(options.time_scale));
  return std::unique_ptr<core::Clock>(new core::SystemClock());
}

}  // namespace

Result<std::unique_ptr<App>> App::Create(AppOptions options) {
  core::ManualClock* manual = nullptr;
  auto clock = MakeClock(options, manual);
  if (!clock.ok()) return clock.status();
  std::vector<core::Queue> queues;
  if (!options.config_path.empty()) {
    auto loaded = LoadQueueConfig(options.config_path);
    if (!loaded.ok()) return loaded.status();
    queues = std::move(*loaded);
  }
  auto lock = DatabaseLock::Acquire(options.db_path);  // Before the store writes anything.
  if (!lock.ok()) return lock.status();
  store::SqliteOptions sqlite;
  sqlite.vfs = options.sqlite_vfs;
  auto store = store::SqliteStore::Open(options.db_path, sqlite);
  if (!store.ok()) return store.status();
  std::string key_path = options.oidc_key_path;
  if (key_path.empty() && options.db_path != ":memory:") {
    key_path = options.db_path + ".oidc-key.pem";
  }
  auto signer = auth::TokenSigner::Create({key_path, options.oidc_issuer}, **clock);
  if (!signer.ok()) return signer.status();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*clock), manual,
                                     std::move(*store), std::move(*signer), queues);
  impl->db_lock = std::move(*lock);
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
  // The first line of the log: which build serves where, on what.
  app->impl_->logger.Log(LogLevel::kInfo, std::string("cloud-tasks-emulator ") + kVersion +
                                              " listening on " + app->url() + ", database " +
                                              app->impl_->options.db_path);
  return app;
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() {
  if (impl_->stopper.joinable()) impl_->stopper.join();
  // Its last batch delivers completions to the I/O and gRPC lanes, destroyed before it (a
  // shutdown under load crashed on a destroyed lane): it stops while they are alive.
  if (impl_->executor) impl_->executor->Stop();
}

uint16_t App::port() const { return impl_->server.port(); }

std::string App::url() const {
  const std::string& host = impl_->options.server.host;
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

void App::Run(bool handle_signals, const std::function<void()>& ready) {
  asio::signal_set signals(impl_->io);
  if (handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) Stop();
    });
  }
  impl_->server.Start();
  if (ready) ready();
  auto guard = asio::make_work_guard(impl_->io);
  impl_->io.run();
}

// gRPC's shutdown waits for its calls to finish, and they finish on the I/O thread: so it runs
// on a thread of its own, and the I/O thread stops only after it.
void App::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] {
    if (impl->stopping) return;
    impl->stopping = true;
    impl->server.Stop();
    impl->stopper = std::thread([impl] {
      impl->grpc_server->Shutdown();
      asio::post(impl->io, [impl] { impl->io.stop(); });
    });
  });
}

}  // namespace cte::app
