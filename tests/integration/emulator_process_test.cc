// Boots the real cloud-tasks-emulator binary and talks to it over HTTP.
#include "client/lib/emulator_process.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/version.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

using cte::testing::EmulatorProcess;
using cte::testing::HttpClient;
using nlohmann::json;

namespace {

const std::string kBinary = CTE_EMULATOR_BINARY;
const std::string kConfig = CTE_SOURCE_DIR "/fixtures/queues.json";
const std::string kImageQueue =
    "/v2/projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue";

std::string TaskBody(const std::string& id) {
  return R"({"task":{"name":"projects/api-ai-blog-writer/locations/europe-west1/queues/)"
         R"(image-generation-queue/tasks/)" +
         id +
         R"(","httpRequest":{"url":"http://127.0.0.1:9/api/v1/images/worker","body":"e30="}}})";
}

}  // namespace

TEST_CASE("prints one ready line, serves health, and stops cleanly on SIGTERM and SIGINT") {
  for (int sig : {SIGTERM, SIGINT}) {
    EmulatorProcess p(kBinary, {"--port", "0", "--db", ":memory:"});
    int port = p.WaitReady();
    REQUIRE(port > 0);
    CHECK(p.Stdout() ==
          "cloud-tasks-emulator listening on http://127.0.0.1:" + std::to_string(port) + "\n");
    HttpClient c(port);
    auto health = c.Request("GET", "/emulator/v1/healthz");
    CHECK(health.status == 200);
    CHECK(health.content_type == "application/json; charset=UTF-8");
    p.Signal(sig);
    CHECK(p.Wait() == 0);
  }
}

TEST_CASE("loads the fixture queues and logs one line per API call") {
  EmulatorProcess p(
      kBinary, {"--port", "0", "--db", ":memory:", "--config", kConfig, "--log-format", "json"});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  auto q = json::parse(c.Request("GET", kImageQueue).body);
  CHECK(q["rateLimits"]["maxDispatchesPerSecond"] == 200);
  CHECK(q["rateLimits"]["maxConcurrentDispatches"] == 1000);
  CHECK(q["retryConfig"]["maxRetryDuration"] == "1800s");
  auto blog = json::parse(c.Request("GET",
                                    "/v2/projects/api-ai-blog-writer/locations/"
                                    "europe-west1/queues/blog-generation-queue")
                              .body);
  CHECK(blog["rateLimits"]["maxDispatchesPerSecond"] == 100);
  c.Request("GET", kImageQueue + "/tasks/nope");
  p.Signal(SIGTERM);
  REQUIRE(p.Wait() == 0);
  std::vector<json> lines;
  std::istringstream err(p.Stderr());
  for (std::string line; std::getline(err, line);) lines.push_back(json::parse(line));
  REQUIRE(lines.size() >= 3);
  CHECK(lines[lines.size() - 1]["rpc"] == "GetTask");
  CHECK(lines[lines.size() - 1]["status"] == 404);
  CHECK(lines[lines.size() - 3]["rpc"] == "GetQueue");
}

TEST_CASE("bad flags and bad config files are a one-line error and exit code 2") {
  cte::testing::TempDir dir;
  std::string bad_config = dir.File("bad.json");
  std::ofstream(bad_config) << R"({"queues":[{"name":"projects/p/locations/l/queues/q",
      "rateLimits":{"maxDispatchesPerSecond":900}}]})";
  std::vector<std::vector<std::string>> cases = {{"--bogus"},
                                                 {"--port", "70000"},
                                                 {"--task-tombstone", "soon"},
                                                 {"--log-format", "xml"},
                                                 {"--config", bad_config},
                                                 {"--config", dir.File("missing.json")},
                                                 {"--duplicate-rate", "2"},
                                                 {"--dispatch-jitter", "uniform:2s,1s"}};
  for (const auto& args : cases) {
    CAPTURE(args[0]);
    EmulatorProcess p(kBinary, args);
    CHECK(p.Wait() == 2);
    std::string err = p.Stderr();
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(err.rfind("cloud-tasks-emulator: ", 0) == 0);
  }
  EmulatorProcess help(kBinary, {"--help"});
  CHECK(help.Wait() == 0);
  for (const char* flag :
       {"--host", "--port", "--db", "--config", "--task-tombstone", "--queue-tombstone",
        "--auto-create-queues", "--log-level", "--log-format"}) {
    CHECK(help.Stdout().find(flag) != std::string::npos);
  }
}

TEST_CASE("flags can come from the environment") {
  EmulatorProcess p(kBinary, {"--db", ":memory:"},
                    {"CLOUD_TASKS_EMULATOR_PORT=0", "CLOUD_TASKS_EMULATOR_AUTO_CREATE_QUEUES=1"});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  auto created = c.Request("POST", "/v2/projects/p/locations/l/queues/auto/tasks",
                           R"({"task":{"httpRequest":{"url":"http://127.0.0.1:9/x"}}})");
  CHECK(created.status == 200);
}

TEST_CASE("every acknowledged write survives kill -9 (concurrent clients, group commit)") {
  cte::testing::TempDir dir;
  std::string db = dir.File("emulator.db");
  constexpr int kClients = 8, kPerClient = 150;
  {
    EmulatorProcess p(kBinary,
                      {"--port", "0", "--db", db, "--config", kConfig, "--log-level", "off"});
    int port = p.WaitReady();
    REQUIRE(port > 0);
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(port);
        for (int i = 0; i < kPerClient; ++i) {
          auto r = client.Request("POST", kImageQueue + "/tasks",
                                  TaskBody("c" + std::to_string(c) + "-" + std::to_string(i)));
          if (r.status == 200) ++acknowledged;
        }
      });
    }
    for (auto& t : clients) t.join();
    CHECK(acknowledged == kClients * kPerClient);
    HttpClient c(port);
    REQUIRE(c.Request("POST", kImageQueue + ":pause", "{}").status == 200);
    p.Signal(SIGKILL);
    CHECK(p.Wait() == 128 + SIGKILL);
  }
  EmulatorProcess p(kBinary, {"--port", "0", "--db", db, "--config", kConfig});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  CHECK(json::parse(c.Request("GET", kImageQueue).body)["state"] == "PAUSED");
  size_t count = 0;
  std::string token;
  do {
    auto page =
        json::parse(c.Request("GET", kImageQueue + "/tasks?pageSize=1000&pageToken=" + token).body);
    count += page.value("tasks", json::array()).size();
    token = page.value("nextPageToken", "");
  } while (!token.empty());
  CHECK(count == kClients * kPerClient);
  auto one = c.Request("GET", kImageQueue + "/tasks/c3-77?responseView=FULL");
  CHECK(json::parse(one.body)["httpRequest"]["body"] == "e30=");
}

TEST_CASE("--version on the emulator and the worker; the version in healthz and the first log") {
  for (const auto& [binary, name] :
       {std::pair<std::string, std::string>{kBinary, "cloud-tasks-emulator"},
        {CTE_WORKER_BINARY, "cloud-tasks-worker"}}) {
    EmulatorProcess version(binary, {"--version"});
    CHECK(version.Wait() == 0);
    CHECK(version.Stdout() == name + " " + cte::kVersion + "\n");
  }
  EmulatorProcess p(kBinary, {"--port", "0", "--db", ":memory:", "--log-level", "info"});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  auto health = json::parse(c.Request("GET", "/emulator/v1/healthz").body);
  CHECK(health == json{{"status", "SERVING"}, {"version", cte::kVersion}});
  CHECK(cte::testing::Eventually([&] { return p.Stderr().find('\n') != std::string::npos; }));
  std::string err = p.Stderr();
  std::string first = err.substr(0, err.find('\n'));
  CHECK(first.find(std::string("cloud-tasks-emulator ") + cte::kVersion +
                   " listening on http://127.0.0.1:" + std::to_string(port) +
                   ", database :memory:") != std::string::npos);
}

// A client that sends the whole of a body over the limit before it reads (as Node's http does)
// must read the 400, not have its writes reset (EPIPE) once the server closed: the server stops
// writing, then reads and drops the rest for a bounded time (a lingering close).
TEST_CASE("a 40 MB request body is answered with the limit error, read after the whole send") {
  EmulatorProcess p(kBinary, {"--port", "0", "--db", ":memory:", "--config", kConfig});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  constexpr size_t kBody = 40'000'000;
  std::string request = "POST " + kImageQueue +
                        "/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBody) +
                        "\r\nContent-Type: application/json\r\n\r\n";
  request += std::string(kBody, ' ');
  std::string answer;
  REQUIRE_NOTHROW(answer = c.Raw(request));  // Throws when a write is reset.
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(answer.find("Request payload size exceeds the limit: 10485760 bytes.") !=
        std::string::npos);
  CHECK(c.Request("GET", kImageQueue).status == 200);  // Serving goes on.
}

TEST_CASE("malformed HTTP, huge bodies and unknown routes get Google errors and serving goes on") {
  EmulatorProcess p(kBinary, {"--port", "0", "--db", ":memory:", "--config", kConfig});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  std::string garbage = c.Raw("NOT HTTP AT ALL\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(garbage.find(R"("status":"INVALID_ARGUMENT")") != std::string::npos);
  std::string huge = c.Raw("POST " + kImageQueue +
                           "/tasks HTTP/1.1\r\nHost: x\r\n"
                           "Content-Length: 20000000\r\n\r\n{");
  CHECK(huge.find("Request payload size exceeds the limit: 10485760 bytes.") != std::string::npos);
  auto route = c.Request("GET", "/v3/whatever");
  CHECK(route.status == 404);
  CHECK(json::parse(route.body)["error"]["status"] == "NOT_FOUND");
  auto deep = c.Request("POST", kImageQueue + "/tasks", std::string(100000, '[') + "]");
  CHECK(deep.status == 400);
  CHECK(c.Request("GET", kImageQueue).status == 200);
  CHECK(json::parse(c.Request("GET", kImageQueue + "/tasks").body) == json::object());
}

TEST_CASE("a second emulator on the same database refuses to start, until the first is gone") {
  cte::testing::TempDir dir;
  std::string db = dir.File("shared.db");
  EmulatorProcess first(kBinary, {"--port", "0", "--db", db});
  REQUIRE(first.WaitReady() > 0);
  // Two dispatchers on one database would send every task twice.
  EmulatorProcess second(kBinary, {"--port", "0", "--db", db});
  CHECK(second.Wait() == 1);
  CHECK(second.Stderr().find("the database " + db + " is in use by another emulator (pid ") !=
        std::string::npos);
  CHECK(second.Stdout().find("listening") == std::string::npos);
  // kill -9 leaves no stale lock: the kernel releases it with the process.
  first.Signal(SIGKILL);
  first.Wait();
  EmulatorProcess third(kBinary, {"--port", "0", "--db", db});
  CHECK(third.WaitReady() > 0);
  // Other files are other databases.
  EmulatorProcess other(kBinary, {"--port", "0", "--db", dir.File("other.db")});
  CHECK(other.WaitReady() > 0);
}

TEST_CASE("a config file's state is honoured: PAUSED at start, and again after a reset") {
  cte::testing::TempDir dir;
  std::string config = dir.File("queues.json");
  std::ofstream(config) << R"({"queues": [
      {"name": "projects/p/locations/l/queues/held", "state": "PAUSED"},
      {"name": "projects/p/locations/l/queues/free"}]})";
  EmulatorProcess p(kBinary, {"--port", "0", "--db", ":memory:", "--config", config});
  int port = p.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  auto state = [&](const std::string& id) {
    return json::parse(c.Request("GET", "/v2/projects/p/locations/l/queues/" + id).body)["state"];
  };
  CHECK(state("held") == "PAUSED");
  CHECK(state("free") == "RUNNING");
  REQUIRE(c.Request("POST", "/v2/projects/p/locations/l/queues/held:resume", "{}").status == 200);
  CHECK(state("held") == "RUNNING");
  REQUIRE(c.Request("POST", "/emulator/v1:reset", "{}").status == 200);
  CHECK(state("held") == "PAUSED");  // Back as configured.
}

TEST_CASE("a database path that cannot be opened says why, with exit code 1") {
  cte::testing::TempDir dir;
  std::string directory = dir.File("a-directory.db");
  std::filesystem::create_directory(directory);
  const std::pair<std::string, std::string> cases[] = {
      {directory, "cannot open database file " + directory + ": Is a directory"},
      {dir.File("missing/x.db"), "cannot open the database " + dir.File("missing/x.db") +
                                     " (its lock file " + dir.File("missing/x.db") +
                                     ".lock): No such file or directory"},
  };
  for (const auto& [db, why] : cases) {
    CAPTURE(db);
    EmulatorProcess p(kBinary, {"--port", "0", "--db", db});
    CHECK(p.Wait() == 1);
    CHECK(p.Stderr().find(why) != std::string::npos);
  }
}
