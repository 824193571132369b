// App: the emulator assembled from its parts (store, executor, service, dispatcher, harness, HTTP
// and gRPC servers).
// Used by main.cc and by integration tests that run the emulator in-process.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/service.h"
#include "app/logger.h"
#include "core/app_engine_target.h"
#include "core/clock.h"
#include "core/imperfections.h"
#include "core/push_request.h"
#include "core/status.h"
#include "http/server.h"

namespace cte::app {

struct AppOptions {
  http::ServerOptions server;
  std::string db_path = "cloud-tasks-emulator.db";  // ":memory:" keeps nothing.
  // A registered SQLite VFS to open db_path through ("" for the default): how the storage
  // fault tests make the disk fail. No flag sets it.
  std::string sqlite_vfs;
  std::string config_path;  // Queues to create or update at start.
  api::ServiceOptions service;
  LogOptions log;
  std::vector<core::UrlRewrite> rewrites;  // --rewrite FROM=TO, applied at dispatch.
  bool verify_tls = true;                  // Check the certificates of https:// workers.
  // The RSA key that signs OIDC tokens: kept at this path (created when missing). Empty means
  // "<db>.oidc-key.pem" beside a database file, or a key in memory with ":memory:".
  std::string oidc_key_path;
  std::string oidc_issuer = "https://accounts.google.com";
  std::string clock_mode = "system";  // "system" or "manual" (time moves only when asked).
  double time_scale = 1;              // With the system clock: emulated time runs this fast.
  // Cloud Tasks' own imperfections, off by default (--duplicate-rate, --dispatch-jitter), drawn
  // per attempt with `imperfection_seed` (see dispatch::DispatcherOptions).
  core::Imperfections imperfections;
  uint64_t imperfection_seed = 1;
  core::AppEngineRoutes app_engine;  // --app-engine-url, --app-engine-route.
  bool ui = true;                    // Serve the dashboard under /ui (--ui).
};

class App {
 public:
  // Opens the database, applies the config file and binds the port. INVALID_ARGUMENT for a bad
  // config file, INTERNAL for a database that cannot be opened, UNAVAILABLE for a port that
  // cannot be bound.
  static core::Result<std::unique_ptr<App>> Create(AppOptions options);
  ~App();

  // The bound port and the base URL ("http://127.0.0.1:8123").
  uint16_t port() const;
  std::string url() const;

  // Serves on the calling thread until Stop(), or SIGINT/SIGTERM when `handle_signals`. `ready`
  // runs once the signals are handled and the server accepts: where the ready line is printed,
  // so that a SIGTERM sent as soon as it is read stops the emulator cleanly.
  void Run(bool handle_signals, const std::function<void()>& ready = nullptr);
  // Thread-safe; Run returns soon after.
  void Stop();

 private:
  struct Impl;
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::app
