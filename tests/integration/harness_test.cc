// The /emulator/v1 harness endpoints on the real binary, with the real worker.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "client/lib/emulator_process.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/running.h"

using cte::testing::EmulatorProcess;
using cte::testing::HttpClient;
using cte::testing::Running;
using nlohmann::json;

namespace {

const std::string kEmulator = CTE_EMULATOR_BINARY;
const std::string kWorker = CTE_WORKER_BINARY;
const std::string kConfig = CTE_SOURCE_DIR "/fixtures/queues.json";
const std::string kLoc = "/v2/projects/p/locations/l";
const std::string kQueue = "projects/p/locations/l/queues/q";

std::chrono::seconds Seconds(const json& rfc3339) {
  std::string s = rfc3339;
  std::tm tm{};
  strptime(s.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return std::chrono::seconds(timegm(&tm));
}

}  // namespace

TEST_CASE("a 30-minute retry window is spent under the manual clock in well under a second") {
  Running worker(kWorker, {"--port", "0", "--respond", "500"});
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--clock", "manual"});
  HttpClient c(emulator.port);
  REQUIRE(c.Request("POST", kLoc + "/queues",
                    R"({"name":")" + kQueue + R"(","retryConfig":{"maxAttempts":-1,
                        "maxRetryDuration":"1800s","minBackoff":"10s","maxBackoff":"300s",
                        "maxDoublings":3}})")
              .status == 200);
  auto start_time = json::parse(c.Request("GET", "/emulator/v1/clock").body)["time"];
  REQUIRE(c.Request("POST", kLoc + "/queues/q/tasks",
                    R"({"task":{"name":")" + kQueue +
                        R"(/tasks/t","httpRequest":{"url":"http://127.0.0.1:)" +
                        std::to_string(worker.port) + R"(/w"}}})")
              .status == 200);
  auto wall = std::chrono::steady_clock::now();
  auto idle =
      c.Request("POST", "/emulator/v1:waitIdle", R"({"includeScheduled":true,"timeout":"10s"})");
  auto elapsed = std::chrono::steady_clock::now() - wall;
  REQUIRE(idle.status == 200);
  CHECK(elapsed < std::chrono::seconds(1));
  auto attempts = json::parse(
      c.Request("GET", "/emulator/v1/attempts?task=" + kQueue + "/tasks/t").body)["attempts"];
  REQUIRE(attempts.size() == 12);
  // The documented schedule: 10, 20, 40, 80 s, then +80 s linear steps, capped at 300 s.
  const int delays[] = {10, 20, 40, 80, 160, 240, 300, 300, 300, 300, 300};
  for (size_t i = 1; i < attempts.size(); ++i) {
    CAPTURE(i);
    CHECK(attempts[i]["attempt"] == i + 1);
    CHECK(attempts[i]["httpStatus"] == 500);
    auto gap = Seconds(attempts[i]["scheduleTime"]) - Seconds(attempts[i - 1]["responseTime"]);
    CHECK(gap.count() == delays[i - 1]);
  }
  auto last = Seconds(attempts.back()["dispatchTime"]) - Seconds(attempts.front()["dispatchTime"]);
  CHECK(last >= std::chrono::minutes(30));
  CHECK(c.Request("GET", kLoc + "/queues/q/tasks/t").status == 404);  // Given up.
  auto clock = json::parse(c.Request("GET", "/emulator/v1/clock").body);
  CHECK(clock["mode"] == "manual");
  CHECK(Seconds(clock["time"]) - Seconds(start_time) >= std::chrono::minutes(30));
  auto stats = json::parse(c.Request("GET", "/emulator/v1/stats").body)["queues"][0];
  CHECK(stats["dispatched"] == 12);
  CHECK(stats["retried"] == 11);
  CHECK(stats["givenUp"] == 1);
}

TEST_CASE("clock endpoints, waitIdle timeouts and reset") {
  Running system_clock(kEmulator, {"--port", "0", "--db", ":memory:"});
  HttpClient s(system_clock.port);
  auto refused = s.Request("POST", "/emulator/v1/clock:advance", R"({"duration":"60s"})");
  CHECK(refused.status == 400);
  CHECK(json::parse(refused.body)["error"]["status"] == "FAILED_PRECONDITION");

  Running emulator(kEmulator,
                   {"--port", "0", "--db", ":memory:", "--clock", "manual", "--config", kConfig});
  HttpClient c(emulator.port);
  auto before = Seconds(json::parse(c.Request("GET", "/emulator/v1/clock").body)["time"]);
  auto advanced =
      json::parse(c.Request("POST", "/emulator/v1/clock:advance", R"({"duration":"1800s"})").body);
  CHECK(Seconds(advanced["time"]) - before == std::chrono::seconds(1800));
  CHECK(c.Request("POST", "/emulator/v1/clock:set", R"({"time":"2001-01-01T00:00:00Z"})").status ==
        400);
  const std::string image =
      "/v2/projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue";
  // A task for a worker that never answers stays in flight: waitIdle times out and says why.
  REQUIRE(c.Request("POST", image + "/tasks",
                    R"({"task":{"httpRequest":{"url":"http://127.0.0.1:9/w"}}})")
              .status == 200);
  REQUIRE(c.Request("POST", image + ":pause", "{}").status == 200);
  REQUIRE(c.Request("PATCH", image + "?updateMask=rateLimits.maxDispatchesPerSecond",
                    R"({"rateLimits":{"maxDispatchesPerSecond":1}})")
              .status == 200);
  REQUIRE(c.Request("POST", kLoc + "/queues", R"({"name":")" + kQueue + R"("})").status == 200);
  REQUIRE(
      c.Request(
           "POST", kLoc + "/queues/q/tasks",
           R"({"task":{"httpRequest":{"url":"http://127.0.0.1:9/w"},"scheduleTime":"2099-01-01T00:00:00Z"}})")
          .status == 400);
  auto paused_idle = c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"1s"})");
  CHECK(paused_idle.status == 200);  // Paused queues and future tasks do not count.
  REQUIRE(c.Request("POST", "/emulator/v1:reset", "{}").status == 200);
  auto q = json::parse(c.Request("GET", image).body);
  CHECK(q["state"] == "RUNNING");
  CHECK(q["rateLimits"]["maxDispatchesPerSecond"] == 200);  // Back as configured.
  CHECK(json::parse(c.Request("GET", image + "/tasks").body) == json::object());
  CHECK(c.Request("GET", kLoc + "/queues/q").status == 404);  // Not in the config: gone.
  CHECK(json::parse(c.Request("GET", "/emulator/v1/attempts").body)["attempts"].empty());
  CHECK(c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"soon"})").status == 400);
}

TEST_CASE("waitIdle answers DEADLINE_EXCEEDED naming what is left") {
  Running worker(kWorker, {"--port", "0", "--latency", "5s"});
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:"});
  HttpClient c(emulator.port);
  REQUIRE(c.Request("POST", kLoc + "/queues", R"({"name":")" + kQueue + R"("})").status == 200);
  REQUIRE(c.Request("POST", kLoc + "/queues/q/tasks",
                    R"({"task":{"httpRequest":{"url":"http://127.0.0.1:)" +
                        std::to_string(worker.port) + R"(/w"}}})")
              .status == 200);
  auto r = c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"0.3s"})");
  CHECK(r.status == 504);
  auto error = json::parse(r.body)["error"];
  CHECK(error["status"] == "DEADLINE_EXCEEDED");
  CHECK(error["message"].get<std::string>().find(kQueue + ": 1 in flight") != std::string::npos);
}

TEST_CASE("--time-scale runs the emulator's clock faster than real time") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--time-scale", "120"});
  HttpClient c(emulator.port);
  auto first = json::parse(c.Request("GET", "/emulator/v1/clock").body);
  CHECK(first["mode"] == "scaled");
  CHECK(first["timeScale"] == 120);
  auto real_start = std::chrono::steady_clock::now();
  json later;
  // Wait until at least 60 emulated seconds have passed; at 120x that is half a second of real
  // time.
  while (true) {
    later = json::parse(c.Request("GET", "/emulator/v1/clock").body);
    if (Seconds(later["time"]) - Seconds(first["time"]) >= std::chrono::seconds(60)) break;
    REQUIRE(std::chrono::steady_clock::now() - real_start < std::chrono::seconds(10));
  }
  CHECK(std::chrono::steady_clock::now() - real_start < std::chrono::seconds(10));
}

TEST_CASE("waitIdle forgets a task deleted or run: no wait, and the manual clock stays put") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--clock", "manual"});
  HttpClient c(emulator.port);
  REQUIRE(c.Request("POST", kLoc + "/queues", R"({"name":")" + kQueue + R"("})").status == 200);
  auto clock = [&] { return json::parse(c.Request("GET", "/emulator/v1/clock").body)["time"]; };
  REQUIRE(
      c.Request("POST", "/emulator/v1/clock:set", R"({"time":"2030-01-01T00:00:00Z"})").status ==
      200);
  auto start = clock();
  // Twenty minutes out, then deleted: nothing is left to wait for.
  auto create = [&](const std::string& id) {
    REQUIRE(c.Request("POST", kLoc + "/queues/q/tasks",
                      R"({"task":{"name":")" + kQueue + "/tasks/" + id +
                          R"(","httpRequest":{"url":"http://nowhere.invalid/w"},
                          "scheduleTime":"2030-01-01T00:20:00Z"}})")
                .status == 200);
  };
  create("later");
  REQUIRE(c.Request("DELETE", kLoc + "/queues/q/tasks/later").status == 200);
  auto idle =
      c.Request("POST", "/emulator/v1:waitIdle", R"({"includeScheduled":true,"timeout":"1s"})");
  CHECK_MESSAGE(idle.status == 200, idle.body);
  CHECK(clock() == start);
  // Run now: its attempt fails at once (.invalid), and its retry is what remains, not the
  // schedule time it was created with.
  REQUIRE(c.Request("PATCH", kLoc + "/queues/q?updateMask=retryConfig.maxAttempts",
                    R"({"retryConfig":{"maxAttempts":1}})")
              .status == 200);
  create("run-me");
  REQUIRE(c.Request("POST", kLoc + "/queues/q/tasks/run-me:run", "{}").status == 200);
  idle = c.Request("POST", "/emulator/v1:waitIdle", R"({"includeScheduled":true,"timeout":"5s"})");
  CHECK_MESSAGE(idle.status == 200, idle.body);
  CHECK(clock() == start);
  CHECK(c.Request("GET", kLoc + "/queues/q/tasks/run-me").status == 404);  // Given up.
}

TEST_CASE("waitIdle on a queue that does not exist, or by its short name, is an error") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:"});
  HttpClient c(emulator.port);
  REQUIRE(c.Request("POST", kLoc + "/queues", R"({"name":")" + kQueue + R"("})").status == 200);
  auto missing = c.Request("POST", "/emulator/v1:waitIdle",
                           R"({"queues":["projects/p/locations/l/queues/qq"],"timeout":"1s"})");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["error"]["message"] ==
        "The queue projects/p/locations/l/queues/qq does not exist.");
  auto short_name = c.Request("POST", "/emulator/v1:waitIdle", R"({"queues":["q"]})");
  CHECK(short_name.status == 400);
  CHECK(json::parse(short_name.body)["error"]["status"] == "INVALID_ARGUMENT");
  CHECK(c.Request("POST", "/emulator/v1:waitIdle", R"({"queues":[")" + kQueue + R"("]})").status ==
        200);
}

TEST_CASE("harness durations take the flags' forms: 1h, 30m, 1h30m, 1800s") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--clock", "manual"});
  HttpClient c(emulator.port);
  auto before = Seconds(json::parse(c.Request("GET", "/emulator/v1/clock").body)["time"]);
  for (const char* d : {"1h", "30m", "1h30m", "1800s", "0.5s", "500ms"}) {
    CAPTURE(std::string(d));
    CHECK(
        c.Request("POST", "/emulator/v1/clock:advance", std::string(R"({"duration":")") + d + "\"}")
            .status == 200);
  }
  auto after = Seconds(json::parse(c.Request("GET", "/emulator/v1/clock").body)["time"]);
  CHECK(after - before == std::chrono::seconds(3600 + 1800 + 5400 + 1800 + 1));
  CHECK(c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"1m"})").status == 200);
  for (const char* bad : {"-1s", "1 hour", "h", ""}) {
    CAPTURE(std::string(bad));
    CHECK(c.Request("POST", "/emulator/v1/clock:advance",
                    std::string(R"({"duration":")") + bad + "\"}")
              .status == 400);
  }
}
