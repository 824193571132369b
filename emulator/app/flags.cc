#include "app/flags.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sys/resource.h>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/flag_checks.h"
#include "common/duration.h"
#include "common/version.h"

namespace cte::app {

namespace {

using core::Latency;
using core::Result;
using JitterResult = Result<std::optional<Latency>>;

// A duration of a jitter spec: as ParseGoDuration reads it, at most a year.
Result<core::Duration> JitterDuration(std::string_view text) {
  auto d = ParseGoDuration(text);
  if (!d) return core::InvalidArgument("not a duration (e.g. 500ms, 2s): " + std::string(text));
  if (*d > core::kMaxLatency) return core::InvalidArgument("over a year: " + std::string(text));
  return *d;
}

// "uniform:MIN,MAX" or "lognormal:P50,P99" after the colon: `rest`.
JitterResult JitterPair(std::string_view kind, std::string_view rest) {
  size_t comma = rest.find(',');
  if (comma == std::string_view::npos) {
    return core::InvalidArgument(std::string(kind) + " takes two durations, A,B");
  }
  auto a = JitterDuration(rest.substr(0, comma));
  if (!a.ok()) return a.status();
  auto b = JitterDuration(rest.substr(comma + 1));
  if (!b.ok()) return b.status();
  if (kind == "uniform") {
    if (*a > *b) return core::InvalidArgument("uniform: MIN is greater than MAX");
    return std::optional<Latency>(Latency{Latency::Uniform{*a, *b}});
  }
  if (*a <= core::Duration(0)) return core::InvalidArgument("lognormal: P50 must be above 0");
  if (*b < *a) return core::InvalidArgument("lognormal: P99 must not be less than P50");
  return std::optional<Latency>(Latency{Latency::LogNormal{*a, *b}});
}

}  // namespace

JitterResult ParseDispatchJitter(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  if (colon == std::string_view::npos || kind == "fixed") {
    auto d = JitterDuration(colon == std::string_view::npos ? text : text.substr(colon + 1));
    if (!d.ok()) return d.status();
    if (*d == core::Duration(0)) return std::optional<Latency>();  // None: dispatch as without.
    if (colon != std::string_view::npos) return std::optional<Latency>(Latency{Latency::Fixed{*d}});
    return std::optional<Latency>(Latency{Latency::Uniform{core::Duration(0), *d}});
  }
  if (kind == "uniform" || kind == "lognormal") return JitterPair(kind, text.substr(colon + 1));
  return core::InvalidArgument("expected D, fixed:D, uniform:MIN,MAX or lognormal:P50,P99, got " +
                               std::string(text));
}

namespace {

// A CLI11 validator for durations.
CLI::Validator DurationValidator() {
  return CLI::Validator(
      [](std::string& s) {
        return ParseGoDuration(s) ? std::string() : "not a duration (e.g. 1h, 30m, 0s): " + s;
      },
      "DURATION");
}

// What the flags hold as text or flags until they are turned into AppOptions.
struct FlagValues {
  int port = 0;
  std::string task_tombstone = "1h", queue_tombstone = "0s";
  std::string log_level = "info", log_format = "text";
  std::vector<std::string> rewrites;
  bool skip_verify = false;
  std::string dispatch_jitter = "0";
  std::string app_engine_url = AppOptions().app_engine.default_url;
  std::vector<std::string> app_engine_routes;
};

void AddServerFlags(CLI::App& cli, AppOptions& o, FlagValues& v) {
  cli.add_option("--host", o.server.host, "Address to listen on")
      ->envname("CLOUD_TASKS_EMULATOR_BIND_HOST")
      ->capture_default_str();
  cli.add_option("--port", v.port, "Port to listen on; 0 picks a free port")
      ->envname("CLOUD_TASKS_EMULATOR_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cli.add_option("--log-level", v.log_level, "debug, info, warn, error or off")
      ->envname("CLOUD_TASKS_EMULATOR_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  cli.add_option("--log-format", v.log_format, "text or json")
      ->envname("CLOUD_TASKS_EMULATOR_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cli.add_option("--ui", o.ui, "Serve the dashboard at /ui (true or false)")
      ->envname("CLOUD_TASKS_EMULATOR_UI")
      ->capture_default_str();
}

void AddStoreFlags(CLI::App& cli, AppOptions& o, FlagValues& v) {
  cli.add_option("--db", o.db_path, "SQLite database file; :memory: keeps nothing")
      ->envname("CLOUD_TASKS_EMULATOR_DB")
      ->capture_default_str();
  cli.add_option("--config", o.config_path, "JSON file of queues to create or update at start")
      ->envname("CLOUD_TASKS_EMULATOR_CONFIG")
      ->check(CLI::ExistingFile);
  cli.add_option("--task-tombstone", v.task_tombstone,
                 "How long a used task name stays blocked (ALREADY_EXISTS)")
      ->envname("CLOUD_TASKS_EMULATOR_TASK_TOMBSTONE")
      ->check(DurationValidator())
      ->capture_default_str();
  cli.add_option("--queue-tombstone", v.queue_tombstone,
                 "How long a deleted queue name stays blocked (FAILED_PRECONDITION)")
      ->envname("CLOUD_TASKS_EMULATOR_QUEUE_TOMBSTONE")
      ->check(DurationValidator())
      ->capture_default_str();
  cli.add_flag("--auto-create-queues", o.service.auto_create_queues,
               "CreateTask on a missing queue creates it (Google answers NOT_FOUND)")
      ->envname("CLOUD_TASKS_EMULATOR_AUTO_CREATE_QUEUES");
}

void AddDispatchFlags(CLI::App& cli, AppOptions& o, FlagValues& v) {
  cli.add_option("--rewrite", v.rewrites,
                 "FROM=TO: send tasks whose URL starts with FROM to TO instead (repeatable); "
                 "the task keeps its URL")
      ->envname("CLOUD_TASKS_EMULATOR_REWRITE")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& s) {
            size_t eq = s.find('=');
            return eq == std::string::npos || eq == 0 ? "expected FROM=TO, got " + s
                                                      : std::string();
          },
          "FROM=TO"));
  cli.add_flag("--tls-skip-verify", v.skip_verify,
               "Do not check the certificates of https:// workers (self-signed local certs)")
      ->envname("CLOUD_TASKS_EMULATOR_TLS_SKIP_VERIFY");
  cli.add_option("--oidc-key", o.oidc_key_path,
                 "PEM file of the RSA key that signs OIDC tokens (created when missing; default: "
                 "<db>.oidc-key.pem, or a key in memory with --db :memory:)")
      ->envname("CLOUD_TASKS_EMULATOR_OIDC_KEY");
  cli.add_option("--oidc-issuer", o.oidc_issuer, "The iss claim of OIDC tokens")
      ->envname("CLOUD_TASKS_EMULATOR_OIDC_ISSUER")
      ->capture_default_str();
}

// Where App Engine tasks go (core/app_engine_target.h).
void AddAppEngineFlags(CLI::App& cli, FlagValues& v) {
  cli.add_option("--app-engine-url", v.app_engine_url,
                 "Base URL standing in for the App Engine app's default service, and for any "
                 "service without a route; none: no such URL (those tasks' attempts fail)")
      ->envname("CLOUD_TASKS_EMULATOR_APP_ENGINE_URL")
      ->check(CLI::Validator(
          [](std::string& s) { return s == "none" ? "" : core::CheckBaseUrl(s).message(); }, "URL"))
      ->capture_default_str();
  cli.add_option("--app-engine-route", v.app_engine_routes,
                 "SERVICE[.VERSION]=URL: send App Engine tasks routed to that service (and "
                 "version) to URL (repeatable)")
      ->envname("CLOUD_TASKS_EMULATOR_APP_ENGINE_ROUTE")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& s) { return core::ParseAppEngineRoute(s).status().message(); },
          "SERVICE[.VERSION]=URL"));
}

// Cloud Tasks' own imperfections, off by default.
void AddImperfectionFlags(CLI::App& cli, AppOptions& o, FlagValues& v) {
  cli.add_option("--duplicate-rate", o.imperfections.duplicate_rate,
                 "Deliver each attempt a second time with this probability (at least once, as "
                 "Cloud Tasks); the attempt log marks the second delivery")
      ->envname("CLOUD_TASKS_EMULATOR_DUPLICATE_RATE")
      ->check(kProbability)
      ->capture_default_str();
  cli.add_option("--dispatch-jitter", v.dispatch_jitter,
                 "Extra delay before each request goes out: D (uniform 0..D), fixed:D, "
                 "uniform:MIN,MAX or lognormal:P50,P99; 0: none")
      ->envname("CLOUD_TASKS_EMULATOR_DISPATCH_JITTER")
      ->check(CLI::Validator(
          [](std::string& s) {
            auto parsed = ParseDispatchJitter(s);
            return parsed.ok() ? std::string() : parsed.status().message();
          },
          "SPEC"))
      ->capture_default_str();
  cli.add_option("--imperfection-seed", o.imperfection_seed,
                 "Seed of the duplicate and jitter draws (per task and attempt)")
      ->envname("CLOUD_TASKS_EMULATOR_IMPERFECTION_SEED")
      ->check(kWholeNumber)
      ->capture_default_str();
}

void AddClockFlags(CLI::App& cli, AppOptions& o) {
  cli.add_option("--clock", o.clock_mode,
                 "system (wall time) or manual (time moves only through /emulator/v1/clock)")
      ->envname("CLOUD_TASKS_EMULATOR_CLOCK")
      ->check(CLI::IsMember({"system", "manual"}))
      ->capture_default_str();
  cli.add_option("--time-scale", o.time_scale,
                 "With --clock=system: emulated time runs this many times faster")
      ->envname("CLOUD_TASKS_EMULATOR_TIME_SCALE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

// The checked flag values into the options.
void Apply(const FlagValues& v, AppOptions& o) {
  o.server.port = static_cast<uint16_t>(v.port);
  o.service.task_tombstone = *ParseGoDuration(v.task_tombstone);
  o.service.queue_tombstone = *ParseGoDuration(v.queue_tombstone);
  o.log.level = *ParseLogLevel(v.log_level);
  o.log.json = v.log_format == "json";
  for (const std::string& r : v.rewrites) {
    size_t eq = r.find('=');
    o.rewrites.push_back({r.substr(0, eq), r.substr(eq + 1)});
  }
  o.app_engine.default_url = v.app_engine_url == "none" ? "" : v.app_engine_url;
  for (const std::string& r : v.app_engine_routes) {
    auto [key, url] = *core::ParseAppEngineRoute(r);  // Checked by the flag's validator.
    o.app_engine.routes.insert_or_assign(std::move(key), std::move(url));
  }
  o.verify_tls = !v.skip_verify;
  o.imperfections.extra_delay = *ParseDispatchJitter(v.dispatch_jitter);
}

}  // namespace

FlagsResult ParseFlags(int argc, char** argv) {
  AppOptions o;
  CLI::App cli{"A local emulator of Google Cloud Tasks (API v2): REST and gRPC on one port.",
               "cloud-tasks-emulator"};
  FlagValues v;
  v.port = o.server.port;
  AddServerFlags(cli, o, v);
  AddStoreFlags(cli, o, v);
  AddDispatchFlags(cli, o, v);
  AddClockFlags(cli, o);
  AddImperfectionFlags(cli, o, v);
  AddAppEngineFlags(cli, v);
  cli.set_version_flag("--version", std::string("cloud-tasks-emulator ") + kVersion);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(cli.help().c_str(), stdout);
    return {std::nullopt, 0};
  } catch (const CLI::CallForVersion&) {
    std::printf("cloud-tasks-emulator %s\n", kVersion);
    return {std::nullopt, 0};
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "cloud-tasks-emulator: %s (see --help)\n", e.what());
    return {std::nullopt, 2};
  }
  Apply(v, o);
  return {std::move(o), 0};
}

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace cte::app
