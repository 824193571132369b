#include "app/flags.h"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "common/duration.h"
#include "support/temp_dir.h"

extern char** environ;

using namespace cte;
using namespace std::chrono;
using app::AppOptions;
using core::Duration;

namespace {

constexpr std::string_view kEnvPrefix = "CLOUD_TASKS_EMULATOR_";

// Clears every CLOUD_TASKS_EMULATOR_* variable for the life of the object, then restores them.
class CleanEnv {
 public:
  CleanEnv() : saved_(Ours()) {
    for (const auto& [name, value] : saved_) ::unsetenv(name.c_str());
  }
  ~CleanEnv() {
    for (const auto& [name, value] : Ours()) ::unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  CleanEnv(const CleanEnv&) = delete;
  CleanEnv& operator=(const CleanEnv&) = delete;

  void Set(const std::string& name, const std::string& value) {
    ::setenv((std::string(kEnvPrefix) + name).c_str(), value.c_str(), 1);
  }

 private:
  static std::map<std::string, std::string> Ours() {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view entry(*e);
      size_t eq = entry.find('=');
      if (entry.substr(0, kEnvPrefix.size()) == kEnvPrefix && eq != std::string_view::npos) {
        vars.emplace(entry.substr(0, eq), entry.substr(eq + 1));
      }
    }
    return vars;
  }
  std::map<std::string, std::string> saved_;
};

// Sends stdout to /dev/null for the life of the object (--help prints there).
class QuietStdout {
 public:
  QuietStdout() : saved_(::dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(null, STDOUT_FILENO);
    ::close(null);
  }
  ~QuietStdout() {
    std::fflush(stdout);
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }
  QuietStdout(const QuietStdout&) = delete;
  QuietStdout& operator=(const QuietStdout&) = delete;

 private:
  int saved_;
};

app::FlagsResult Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "cloud-tasks-emulator");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return app::ParseFlags(static_cast<int>(args.size()), argv.data());
}

std::string Describe(const std::optional<core::Latency>& l) {
  if (!l) return "none";
  auto ns = [](Duration d) { return std::to_string(d.count()) + "ns"; };
  if (const auto* f = std::get_if<core::Latency::Fixed>(&l->shape)) return "fixed " + ns(f->value);
  if (const auto* u = std::get_if<core::Latency::Uniform>(&l->shape)) {
    return "uniform " + ns(u->min) + " " + ns(u->max);
  }
  const auto& n = std::get<core::Latency::LogNormal>(l->shape);
  return "lognormal " + ns(n.p50) + " " + ns(n.p99);
}

core::Latency Uniform(Duration min, Duration max) {
  return core::Latency{core::Latency::Uniform{min, max}};
}

// Every option as text, so that a failed comparison shows which one differs.
std::string Summary(const AppOptions& o) {
  std::ostringstream s;
  s << "host=" << o.server.host << " port=" << o.server.port << " db=" << o.db_path
    << " config=" << o.config_path << " task_tombstone=" << o.service.task_tombstone.count()
    << " queue_tombstone=" << o.service.queue_tombstone.count()
    << " auto_create=" << o.service.auto_create_queues
    << " log_level=" << static_cast<int>(o.log.level) << " json=" << o.log.json << " rewrites=";
  for (const core::UrlRewrite& r : o.rewrites) s << "[" << r.from << "->" << r.to << "]";
  s << " verify_tls=" << o.verify_tls << " oidc_key=" << o.oidc_key_path
    << " issuer=" << o.oidc_issuer << " clock=" << o.clock_mode << " scale=" << o.time_scale
    << " duplicate_rate=" << o.imperfections.duplicate_rate
    << " jitter=" << Describe(o.imperfections.extra_delay) << " seed=" << o.imperfection_seed
    << " app_engine_url=" << o.app_engine.default_url << " app_engine_routes=";
  for (const auto& [key, url] : o.app_engine.routes) s << "[" << key << "->" << url << "]";
  return s.str();
}

struct FlagCase {
  std::vector<std::string> args;
  std::function<void(AppOptions&)> expect;  // Applied to the defaults.
};

void CheckCases(const std::vector<FlagCase>& cases) {
  for (const FlagCase& c : cases) {
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    CAPTURE(joined);
    app::FlagsResult r = Parse(c.args);
    REQUIRE(r.options.has_value());
    AppOptions expected;
    c.expect(expected);
    CHECK(Summary(*r.options) == Summary(expected));
  }
}

}  // namespace

TEST_CASE("flag durations parse Go-style") {
  struct Case {
    const char* text;
    Duration want;
  };
  const Case good[] = {
      {"1h", hours(1)},
      {"30m", minutes(30)},
      {"90s", seconds(90)},
      {"1h30m", minutes(90)},
      {"0s", Duration(0)},
      {"0", Duration(0)},
      {"500ms", milliseconds(500)},
      {"1m30s", seconds(90)},
      {"2h0m5s", hours(2) + seconds(5)},
      {"1.5h", minutes(90)},
      {"0.1s", milliseconds(100)},
      {"250us", microseconds(250)},
      {"7ns", nanoseconds(7)},
      {"24h", hours(24)},
      {"720h", hours(720)},
  };
  for (const Case& c : good) {
    std::string text = c.text;
    CAPTURE(text);
    CHECK(ParseGoDuration(text) == c.want);
  }
  for (const char* bad : {"", "h", "1", "10", "s", "1x", "1hh", "1.2.3s", "1h 30m", " 1h", "1h ",
                          "one hour", "-1s", "1H", ".s", "1e3s"}) {
    std::string text = bad;
    CAPTURE(text);
    CHECK_FALSE(ParseGoDuration(text).has_value());
  }
}

TEST_CASE("flag durations beyond what a Duration holds are rejected, not wrapped") {
  // Nanoseconds in an int64 end near 292 years (2'562'047 h).
  CHECK(ParseGoDuration("2562047h") == hours(2'562'047));
  for (const char* huge :
       {"2562048h", "2562047h60m", "100000000h", "99999999999999999999s", "1e30s"}) {
    std::string text = huge;
    CAPTURE(text);
    CHECK_FALSE(ParseGoDuration(text).has_value());
  }
}

TEST_CASE("no flags and no environment give the documented defaults") {
  CleanEnv env;
  app::FlagsResult r = Parse({});
  REQUIRE(r.options.has_value());
  CHECK(r.exit_code == 0);
  const AppOptions& o = *r.options;
  CHECK(o.server.host == "127.0.0.1");
  CHECK(o.server.port == 8123);
  CHECK(o.db_path == "cloud-tasks-emulator.db");
  CHECK(o.config_path == "");
  CHECK(o.service.task_tombstone == hours(1));  // Spec 5.6: 1 h suggested.
  CHECK(o.service.queue_tombstone == Duration(0));
  CHECK_FALSE(o.service.auto_create_queues);  // Google answers NOT_FOUND (spec 5.1).
  CHECK(o.log.level == app::LogLevel::kInfo);
  CHECK_FALSE(o.log.json);
  CHECK(o.rewrites.empty());
  CHECK(o.verify_tls);
  CHECK(o.oidc_key_path == "");
  CHECK(o.oidc_issuer == "https://accounts.google.com");
  CHECK(o.clock_mode == "system");
  CHECK(o.time_scale == 1);
  CHECK(Summary(o) == Summary(AppOptions{}));
}

TEST_CASE("each flag sets its option") {
  CleanEnv env;
  testing::TempDir dir;
  std::string config = dir.File("queues.json");
  std::ofstream(config) << R"({"queues":[]})";
  CheckCases({
      {{"--host=0.0.0.0"}, [](AppOptions& o) { o.server.host = "0.0.0.0"; }},
      {{"--host", "::1"}, [](AppOptions& o) { o.server.host = "::1"; }},
      {{"--port=0"}, [](AppOptions& o) { o.server.port = 0; }},
      {{"--port", "65535"}, [](AppOptions& o) { o.server.port = 65535; }},
      {{"--db=:memory:"}, [](AppOptions& o) { o.db_path = ":memory:"; }},
      {{"--config=" + config}, [&](AppOptions& o) { o.config_path = config; }},
      {{"--task-tombstone=24h"}, [](AppOptions& o) { o.service.task_tombstone = hours(24); }},
      {{"--task-tombstone=0"}, [](AppOptions& o) { o.service.task_tombstone = Duration(0); }},
      {{"--queue-tombstone=72h"}, [](AppOptions& o) { o.service.queue_tombstone = hours(72); }},
      {{"--auto-create-queues"}, [](AppOptions& o) { o.service.auto_create_queues = true; }},
      {{"--log-level=debug"}, [](AppOptions& o) { o.log.level = app::LogLevel::kDebug; }},
      {{"--log-level=warn"}, [](AppOptions& o) { o.log.level = app::LogLevel::kWarn; }},
      {{"--log-level=error"}, [](AppOptions& o) { o.log.level = app::LogLevel::kError; }},
      {{"--log-level=off"}, [](AppOptions& o) { o.log.level = app::LogLevel::kOff; }},
      {{"--log-format=json"}, [](AppOptions& o) { o.log.json = true; }},
      {{"--log-format=text"}, [](AppOptions&) {}},
      {{"--rewrite=https://api.example.com=http://127.0.0.1:9000"},
       [](AppOptions& o) {
         o.rewrites = {{"https://api.example.com", "http://127.0.0.1:9000"}};
       }},
      {{"--rewrite=a=b,c=d"},
       [](AppOptions& o) {
         o.rewrites = {{"a", "b"}, {"c", "d"}};
       }},
      {{"--rewrite=a=b", "--rewrite", "c=d"},
       [](AppOptions& o) {
         o.rewrites = {{"a", "b"}, {"c", "d"}};
       }},
      {{"--rewrite=a="},
       [](AppOptions& o) {
         o.rewrites = {{"a", ""}};
       }},
      {{"--tls-skip-verify"}, [](AppOptions& o) { o.verify_tls = false; }},
      {{"--oidc-key=/tmp/k.pem"}, [](AppOptions& o) { o.oidc_key_path = "/tmp/k.pem"; }},
      {{"--oidc-issuer=http://issuer.test"},
       [](AppOptions& o) { o.oidc_issuer = "http://issuer.test"; }},
      {{"--clock=manual"}, [](AppOptions& o) { o.clock_mode = "manual"; }},
      {{"--time-scale=60"}, [](AppOptions& o) { o.time_scale = 60; }},
      {{"--time-scale=0.5"}, [](AppOptions& o) { o.time_scale = 0.5; }},
      {{"--duplicate-rate=0.01"}, [](AppOptions& o) { o.imperfections.duplicate_rate = 0.01; }},
      {{"--duplicate-rate", "1"}, [](AppOptions& o) { o.imperfections.duplicate_rate = 1; }},
      {{"--duplicate-rate=0"}, [](AppOptions&) {}},
      {{"--dispatch-jitter=2s"},
       [](AppOptions& o) { o.imperfections.extra_delay = Uniform(Duration(0), seconds(2)); }},
      {{"--dispatch-jitter=uniform:500ms,2s"},
       [](AppOptions& o) { o.imperfections.extra_delay = Uniform(milliseconds(500), seconds(2)); }},
      {{"--dispatch-jitter=fixed:1s"},
       [](AppOptions& o) {
         o.imperfections.extra_delay = core::Latency{core::Latency::Fixed{seconds(1)}};
       }},
      {{"--dispatch-jitter=lognormal:100ms,1s"},
       [](AppOptions& o) {
         o.imperfections.extra_delay =
             core::Latency{core::Latency::LogNormal{milliseconds(100), seconds(1)}};
       }},
      {{"--dispatch-jitter=0"}, [](AppOptions&) {}},
      {{"--dispatch-jitter=0s"}, [](AppOptions&) {}},
      {{"--imperfection-seed=42"}, [](AppOptions& o) { o.imperfection_seed = 42; }},
      {{"--app-engine-url=http://127.0.0.1:9000"},
       [](AppOptions& o) { o.app_engine.default_url = "http://127.0.0.1:9000"; }},
      {{"--app-engine-url=none"}, [](AppOptions& o) { o.app_engine.default_url.clear(); }},
      {{"--app-engine-route=api=http://127.0.0.1:9001", "--app-engine-route",
        "api.v2=https://h:9002/base"},
       [](AppOptions& o) {
         o.app_engine.routes = {{"api", "http://127.0.0.1:9001"},
                                {"api.v2", "https://h:9002/base"}};
       }},
      {{"--port=9000", "--db=x.db", "--clock=manual", "--log-format=json"},
       [](AppOptions& o) {
         o.server.port = 9000;
         o.db_path = "x.db";
         o.clock_mode = "manual";
         o.log.json = true;
       }},
  });
}

TEST_CASE("each CLOUD_TASKS_EMULATOR_* variable sets its option") {
  testing::TempDir dir;
  std::string config = dir.File("queues.json");
  std::ofstream(config) << R"({"queues":[]})";
  struct EnvCase {
    const char* name;
    std::string value;
    std::function<void(AppOptions&)> expect;
  };
  const std::vector<EnvCase> cases = {
      {"BIND_HOST", "0.0.0.0", [](AppOptions& o) { o.server.host = "0.0.0.0"; }},
      {"PORT", "9001", [](AppOptions& o) { o.server.port = 9001; }},
      {"DB", ":memory:", [](AppOptions& o) { o.db_path = ":memory:"; }},
      {"CONFIG", config, [&](AppOptions& o) { o.config_path = config; }},
      {"TASK_TOMBSTONE", "30m", [](AppOptions& o) { o.service.task_tombstone = minutes(30); }},
      {"QUEUE_TOMBSTONE", "168h", [](AppOptions& o) { o.service.queue_tombstone = hours(168); }},
      {"AUTO_CREATE_QUEUES", "true", [](AppOptions& o) { o.service.auto_create_queues = true; }},
      {"AUTO_CREATE_QUEUES", "1", [](AppOptions& o) { o.service.auto_create_queues = true; }},
      {"AUTO_CREATE_QUEUES", "false", [](AppOptions&) {}},
      {"AUTO_CREATE_QUEUES", "0", [](AppOptions&) {}},
      {"LOG_LEVEL", "error", [](AppOptions& o) { o.log.level = app::LogLevel::kError; }},
      {"LOG_FORMAT", "json", [](AppOptions& o) { o.log.json = true; }},
      {"REWRITE", "a=b,c=d",
       [](AppOptions& o) {
         o.rewrites = {{"a", "b"}, {"c", "d"}};
       }},
      {"TLS_SKIP_VERIFY", "true", [](AppOptions& o) { o.verify_tls = false; }},
      {"TLS_SKIP_VERIFY", "false", [](AppOptions&) {}},
      {"OIDC_KEY", "/k.pem", [](AppOptions& o) { o.oidc_key_path = "/k.pem"; }},
      {"OIDC_ISSUER", "http://i", [](AppOptions& o) { o.oidc_issuer = "http://i"; }},
      {"CLOCK", "manual", [](AppOptions& o) { o.clock_mode = "manual"; }},
      {"TIME_SCALE", "3600", [](AppOptions& o) { o.time_scale = 3600; }},
      {"DUPLICATE_RATE", "0.5", [](AppOptions& o) { o.imperfections.duplicate_rate = 0.5; }},
      {"DISPATCH_JITTER", "uniform:0s,1s",
       [](AppOptions& o) { o.imperfections.extra_delay = Uniform(Duration(0), seconds(1)); }},
      {"IMPERFECTION_SEED", "7", [](AppOptions& o) { o.imperfection_seed = 7; }},
      {"APP_ENGINE_URL", "http://ae:8080",
       [](AppOptions& o) { o.app_engine.default_url = "http://ae:8080"; }},
      {"APP_ENGINE_ROUTE", "a=http://x,b.v=http://y",
       [](AppOptions& o) {
         o.app_engine.routes = {{"a", "http://x"}, {"b.v", "http://y"}};
       }},
  };
  for (const EnvCase& c : cases) {
    std::string variable = std::string(c.name) + "=" + c.value;
    CAPTURE(variable);
    CleanEnv env;
    env.Set(c.name, c.value);
    app::FlagsResult r = Parse({});
    REQUIRE(r.options.has_value());
    AppOptions expected;
    c.expect(expected);
    CHECK(Summary(*r.options) == Summary(expected));
  }
}

TEST_CASE("a flag on the command line beats its environment variable") {
  CleanEnv env;
  env.Set("PORT", "9001");
  env.Set("LOG_LEVEL", "error");
  app::FlagsResult r = Parse({"--port=9002"});
  REQUIRE(r.options.has_value());
  CHECK(r.options->server.port == 9002);
  CHECK(r.options->log.level == app::LogLevel::kError);
}

TEST_CASE("a bad flag or value gives exit code 2 and no options") {
  CleanEnv env;
  const std::vector<std::vector<std::string>> bad = {
      {"--no-such-flag"},
      {"positional"},
      {"--port=65536"},
      {"--port=-1"},
      {"--port=http"},
      {"--port"},
      {"--config=/no/such/file.json"},
      {"--task-tombstone=10"},
      {"--task-tombstone=1 day"},
      {"--queue-tombstone=soon"},
      {"--log-level=verbose"},
      {"--log-format=xml"},
      {"--rewrite=no-equals"},
      {"--rewrite==to"},
      {"--clock=fast"},
      {"--time-scale=0"},
      {"--time-scale=-2"},
      {"--time-scale=fast"},
      {"--duplicate-rate=1.5"},
      {"--duplicate-rate=-0.1"},
      {"--duplicate-rate=nan"},
      {"--duplicate-rate=often"},
      {"--dispatch-jitter=soon"},
      {"--dispatch-jitter=uniform:2s,1s"},
      {"--dispatch-jitter=uniform:1s"},
      {"--dispatch-jitter=lognormal:0s,1s"},
      {"--dispatch-jitter=lognormal:2s,1s"},
      {"--dispatch-jitter=gauss:1s,2s"},
      {"--dispatch-jitter=400d"},
      {"--imperfection-seed=-1"},
      {"--imperfection-seed=x"},
      {"--app-engine-url=localhost:8080"},
      {"--app-engine-url=http://"},
      {"--app-engine-url="},
      {"--app-engine-route=api"},
      {"--app-engine-route=api=localhost:9"},
      {"--app-engine-route==http://x"},
      {"--app-engine-route=a.b.c=http://x"},
  };
  for (const auto& args : bad) {
    CAPTURE(args.front());
    app::FlagsResult r = Parse(args);
    CHECK_FALSE(r.options.has_value());
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("a bad environment value gives exit code 2") {
  const std::pair<const char*, const char*> bad[] = {{"PORT", "x"},
                                                     {"LOG_LEVEL", "loud"},
                                                     {"TIME_SCALE", "0"},
                                                     {"TASK_TOMBSTONE", "forever"},
                                                     {"CLOCK", "sundial"},
                                                     {"DUPLICATE_RATE", "2"},
                                                     {"DISPATCH_JITTER", "sometimes"},
                                                     {"APP_ENGINE_ROUTE", "api"}};
  for (const auto& [name, value] : bad) {
    std::string variable = name;
    CAPTURE(variable);
    CleanEnv env;
    env.Set(name, value);
    app::FlagsResult r = Parse({});
    CHECK_FALSE(r.options.has_value());
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("--help gives exit code 0 and no options") {
  CleanEnv env;
  for (const char* help : {"--help", "-h"}) {
    std::string flag = help;
    CAPTURE(flag);
    QuietStdout quiet;
    app::FlagsResult r = Parse({help});
    CHECK_FALSE(r.options.has_value());
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("--dispatch-jitter specs and their messages") {
  struct Case {
    std::string spec;
    std::string want;  // Describe() of the result, or the error message.
  };
  const Case cases[] = {
      {"2s", "uniform 0ns 2000000000ns"},
      {"1h30m", "uniform 0ns 5400000000000ns"},
      {"fixed:250ms", "fixed 250000000ns"},
      {"uniform:0s,2s", "uniform 0ns 2000000000ns"},
      {"uniform:1s,1s", "uniform 1000000000ns 1000000000ns"},
      {"lognormal:100ms,1s", "lognormal 100000000ns 1000000000ns"},
      {"0", "none"},
      {"fixed:0s", "none"},
      {"365d", "uniform 0ns 31536000000000000ns"},
      {"366d", "over a year: 366d"},
      {"soon", "not a duration (e.g. 500ms, 2s): soon"},
      {"uniform:2s,1s", "uniform: MIN is greater than MAX"},
      {"uniform:2s", "uniform takes two durations, A,B"},
      {"lognormal:0s,1s", "lognormal: P50 must be above 0"},
      {"lognormal:2s,1s", "lognormal: P99 must not be less than P50"},
      {"normal:1s,2s",
       "expected D, fixed:D, uniform:MIN,MAX or lognormal:P50,P99, got normal:1s,2s"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.spec);
    auto parsed = app::ParseDispatchJitter(c.spec);
    CHECK((parsed.ok() ? Describe(*parsed) : parsed.status().message()) == c.want);
  }
}
