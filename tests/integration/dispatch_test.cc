// The real emulator pushing to the real cloud-tasks-worker over loopback.
#include <atomic>
#include <ctime>
#include <map>
#include <set>
#include <signal.h>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "client/lib/emulator_process.h"
#include "core/time_util.h"
#include "support/binaries.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

using cte::testing::EmulatorProcess;
using cte::testing::Eventually;
using cte::testing::HttpClient;
using nlohmann::json;

namespace {

const std::string kEmulator = CTE_EMULATOR_BINARY;
const std::string kLoc = "/v2/projects/p/locations/l";
const std::string kQ = kLoc + "/queues/q";

using Worker = cte::testing::RunningWorker;
using Emulator = cte::testing::RunningEmulator;
using cte::testing::HeaderOf;

void CreateQueue(HttpClient& c, const std::string& extra = "") {
  auto r = c.Request(
      "POST", kLoc + "/queues",
      R"({"name":"projects/p/locations/l/queues/q","retryConfig":{"minBackoff":"0.1s","maxBackoff":"1s"})" +
          extra + "}");
  REQUIRE(r.status == 200);
}

std::string CreateTask(HttpClient& c, const std::string& id, const std::string& url,
                       const std::string& extra = "") {
  auto r = c.Request("POST", kQ + "/tasks",
                     R"({"task":{"name":"projects/p/locations/l/queues/q/tasks/)" + id +
                         R"(","httpRequest":{"url":")" + url +
                         R"(","body":"e30=","headers":{"Content-Type":"application/json"}})" +
                         extra + "}}");
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("a worker answering 503, 404, 200 sees the headers of the real service") {
  Worker worker({"--respond", "503,404,200"});
  Emulator emulator;
  HttpClient& c = emulator.client;
  CreateQueue(c);
  CreateTask(c, "t1", worker.Url());
  REQUIRE(Eventually([&] { return worker.Requests().size() == 3; }));
  json requests = worker.Requests();
  struct Expected {
    const char *retry, *execution, *previous, *reason;
  };
  const Expected expected[] = {
      {"0", "0", "<absent>", "<absent>"}, {"1", "0", "503", ""}, {"2", "1", "404", ""}};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    const json& r = requests[i];
    CHECK(r["method"] == "POST");
    CHECK(r["path"] == "/api/v1/images/worker");
    CHECK(r["body"] == "e30=");
    CHECK(HeaderOf(r, "User-Agent") == "Google-Cloud-Tasks");
    CHECK(HeaderOf(r, "Content-Type") == "application/json");
    CHECK(HeaderOf(r, "X-CloudTasks-QueueName") == "q");
    CHECK(HeaderOf(r, "X-CloudTasks-TaskName") == "t1");
    CHECK(HeaderOf(r, "X-CloudTasks-TaskRetryCount") == expected[i].retry);
    CHECK(HeaderOf(r, "X-CloudTasks-TaskExecutionCount") == expected[i].execution);
    CHECK(HeaderOf(r, "X-CloudTasks-TaskPreviousResponse") == expected[i].previous);
    CHECK(HeaderOf(r, "X-CloudTasks-TaskRetryReason") == expected[i].reason);
  }
  REQUIRE(Eventually([&] { return c.Request("GET", kQ + "/tasks/t1").status == 404; }));
}

TEST_CASE("RunTask dispatches a task of a paused queue and answers before the worker does") {
  Worker worker({"--latency", "500ms"});
  Emulator emulator;
  HttpClient& c = emulator.client;
  CreateQueue(c);
  REQUIRE(c.Request("POST", kQ + ":pause", "{}").status == 200);
  CreateTask(c, "r1", worker.Url());
  auto run = c.Request("POST", kQ + "/tasks/r1:run", "{}");
  REQUIRE(run.status == 200);
  json task = json::parse(run.body);
  CHECK(task["dispatchCount"] == 1);
  CHECK(task["lastAttempt"].contains("dispatchTime"));
  CHECK_FALSE(task["lastAttempt"].contains("responseTime"));
  CHECK(task["view"] == "BASIC");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  REQUIRE(Eventually([&] { return c.Request("GET", kQ + "/tasks/r1").status == 404; }));
  CHECK(c.Request("POST", kQ + "/tasks/r1:run", "{}").status == 404);
}

TEST_CASE("the dispatch deadline cancels a request that gets no answer in time") {
  Worker worker({"--latency", "30s"});
  Emulator emulator;
  HttpClient& c = emulator.client;
  CreateQueue(c, R"(,"rateLimits":{"maxConcurrentDispatches":1})");
  CreateTask(c, "slow", worker.Url(), R"(,"dispatchDeadline":"15s")");
  json task;
  REQUIRE(Eventually(
      [&] {
        task = json::parse(c.Request("GET", kQ + "/tasks/slow").body);
        return task["lastAttempt"].contains("responseStatus");
      },
      std::chrono::seconds(25)));
  CHECK(task["lastAttempt"]["responseStatus"]["code"] == 4);
  CHECK_FALSE(task.contains("responseCount"));
  double waited = 0;
  {
    // The failure came at the deadline, not when the worker would have answered.
    auto t = [](const json& v) {
      std::string s = v;
      return std::stod(s.substr(17, s.size() - 18));  // Seconds within the minute.
    };
    waited = t(task["lastAttempt"]["responseTime"]) - t(task["lastAttempt"]["dispatchTime"]);
    if (waited < 0) waited += 60;
  }
  CHECK(waited >= 14.9);
  CHECK(waited < 17);
}

// SIGTERM while clients enqueue and tasks go out: the executor's last batch answered calls on
// the I/O thread's lane after that lane was destroyed, and the process died of SIGSEGV about
// one shutdown in three (with 128 calls in flight). It must exit 0 every time.
TEST_CASE("SIGTERM under enqueue and dispatch load: a clean exit, every time") {
  cte::testing::TempDir dir;
  Worker worker;
  for (int round = 0; round < 8; ++round) {
    EmulatorProcess emulator(
        kEmulator, {"--port", "0", "--db", dir.File("load" + std::to_string(round) + ".db"),
                    "--log-level", "off"});
    int port = emulator.WaitReady();
    REQUIRE(port > 0);
    HttpClient setup(port);
    CreateQueue(setup, R"(,"rateLimits":{"maxDispatchesPerSecond":500})");
    std::atomic<bool> stop{false};
    std::atomic<int> created{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 96; ++t) {  // Calls in flight at the signal: the batch is long.
      clients.emplace_back([&] {
        try {
          HttpClient c(port);
          for (int i = 0; !stop; ++i) {
            std::string body = R"({"task":{"httpRequest":{"url":")" + worker.Url() + R"("}}})";
            if (c.Request("POST", kQ + "/tasks", body).status == 200) ++created;
          }
        } catch (const std::exception&) {
          // The emulator went away: the end of the round.
        }
      });
    }
    REQUIRE(Eventually([&] { return created > 500 && worker.Requests().size() > 100; }));
    emulator.Signal(SIGTERM);
    CHECK(emulator.Wait(std::chrono::seconds(20)) == 0);
    stop = true;
    for (auto& c : clients) c.join();
  }
}

TEST_CASE("kill -9 mid-dispatch: after a restart every task is delivered") {
  cte::testing::TempDir dir;
  std::string db = dir.File("crash.db");
  Worker worker({"--latency", "300ms"});
  constexpr int kTasks = 60;
  {
    EmulatorProcess emulator(kEmulator, {"--port", "0", "--db", db, "--log-level", "off"});
    int port = emulator.WaitReady();
    REQUIRE(port > 0);
    HttpClient c(port);
    CreateQueue(c, R"(,"rateLimits":{"maxDispatchesPerSecond":100})");
    for (int i = 0; i < kTasks; ++i) CreateTask(c, "k" + std::to_string(i), worker.Url());
    REQUIRE(Eventually([&] { return worker.Requests().size() >= 10; }));
    emulator.Signal(SIGKILL);
    REQUIRE(emulator.Wait() == 128 + SIGKILL);
  }
  EmulatorProcess emulator(kEmulator, {"--port", "0", "--db", db, "--log-level", "off"});
  int port = emulator.WaitReady();
  REQUIRE(port > 0);
  HttpClient c(port);
  REQUIRE(Eventually(
      [&] { return json::parse(c.Request("GET", kQ + "/tasks").body) == json::object(); },
      std::chrono::seconds(20)));
  std::set<std::string> delivered;
  for (const auto& r : worker.Requests()) delivered.insert(HeaderOf(r, "X-CloudTasks-TaskName"));
  CHECK(delivered.size() == kTasks);
}

TEST_CASE(
    "pause holds tasks back, resume sends them, and a task deleted in flight is not retried") {
  Worker worker({"--respond", "500", "--latency", "300ms"});
  Emulator emulator;
  HttpClient& c = emulator.client;
  CreateQueue(c);
  REQUIRE(c.Request("POST", kQ + ":pause", "{}").status == 200);
  CreateTask(c, "d1", worker.Url());
  // A marker scheduled 2 s ahead: when it arrives, any retry of d1 (backoff 0.1 s) would have too.
  auto marker_time = std::chrono::system_clock::now() + std::chrono::seconds(2);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(marker_time.time_since_epoch());
  std::time_t tt = seconds.count();
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  CreateTask(c, "marker", worker.Url(), std::string(R"(,"scheduleTime":")") + iso + "\"");
  CHECK(json::parse(c.Request("GET", kQ + "/tasks/d1").body).value("dispatchCount", 0) == 0);
  REQUIRE(c.Request("POST", kQ + ":resume", "{}").status == 200);
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  CHECK(c.Request("DELETE", kQ + "/tasks/d1").status == 200);  // While the worker holds it.
  REQUIRE(Eventually([&] {
    for (const auto& r : worker.Requests()) {
      if (HeaderOf(r, "X-CloudTasks-TaskName") == "marker") return true;
    }
    return false;
  }));
  int d1 = 0;
  for (const auto& r : worker.Requests()) d1 += HeaderOf(r, "X-CloudTasks-TaskName") == "d1";
  CHECK(d1 == 1);
}

TEST_CASE("--duplicate-rate 1: the worker gets each attempt twice, the same request") {
  Worker worker;
  Emulator emulator({"--duplicate-rate", "1"});
  HttpClient& c = emulator.client;
  CreateQueue(c);
  for (const char* id : {"d1", "d2", "d3"}) CreateTask(c, id, worker.Url());
  REQUIRE(Eventually([&] { return worker.Requests().size() == 6; }));
  std::map<std::string, std::vector<json>> by_task;
  for (const json& r : worker.Requests())
    by_task[HeaderOf(r, "X-CloudTasks-TaskName")].push_back(r);
  REQUIRE(by_task.size() == 3);
  for (const auto& [task, requests] : by_task) {
    CAPTURE(task);
    REQUIRE(requests.size() == 2);
    CHECK(requests[0]["headers"] == requests[1]["headers"]);
    CHECK(requests[0]["body"] == requests[1]["body"]);
    CHECK(requests[0]["path"] == requests[1]["path"]);
    CHECK(HeaderOf(requests[1], "X-CloudTasks-TaskRetryCount") == "0");
  }
  // The first delivery's 200 finished each task; no retry followed either delivery.
  for (const char* id : {"d1", "d2", "d3"}) {
    CHECK(Eventually([&] { return c.Request("GET", kQ + "/tasks/" + id).status == 404; }));
  }
  REQUIRE(c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"10s"})").status == 200);
  json attempts = json::parse(c.Request("GET", "/emulator/v1/attempts").body)["attempts"];
  REQUIRE(attempts.size() == 6);
  int duplicates = 0;
  for (const json& a : attempts) {
    CHECK(a["attempt"] == 1);
    CHECK(a["outcome"] == "RESPONSE");
    CHECK(a["httpStatus"] == 200);
    duplicates += a.value("duplicate", false) ? 1 : 0;
  }
  CHECK(duplicates == 3);
  CHECK(worker.Requests().size() == 6);
}

TEST_CASE("--dispatch-jitter fixed:500ms: each request reaches the worker 0.5 s after dispatch") {
  Worker worker;
  Emulator emulator({"--dispatch-jitter", "fixed:500ms"});
  HttpClient& c = emulator.client;
  CreateQueue(c);
  CreateTask(c, "j1", worker.Url());
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  REQUIRE(c.Request("POST", "/emulator/v1:waitIdle", R"({"timeout":"10s"})").status == 200);
  json attempts = json::parse(c.Request("GET", "/emulator/v1/attempts").body)["attempts"];
  REQUIRE(attempts.size() == 1);
  CHECK_FALSE(attempts[0].contains("duplicate"));
  auto dispatched = cte::core::ParseTimestamp(attempts[0]["dispatchTime"].get<std::string>());
  auto received = cte::core::ParseTimestamp(worker.Requests()[0]["time"].get<std::string>());
  REQUIRE((dispatched && received));
  auto held = *received - *dispatched;
  INFO("held " << std::chrono::duration_cast<std::chrono::milliseconds>(held).count() << " ms");
  CHECK(held >= std::chrono::milliseconds(500));
  CHECK(held < std::chrono::seconds(5));
}
