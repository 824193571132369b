// cte::testing::Emulator against this build's emulator and cloud-tasks-worker binaries.
#include "client/lib/testing.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unistd.h>

#include <doctest/doctest.h>

#include "client/lib/emulator_process.h"

namespace cte::testing {
namespace {

using client::Client;
using doctest::Contains;

const std::string kParent = client::LocationName("p", "l");
const std::string kQueue = client::QueueName("p", "l", "q");

// Options that start this build's emulator, whatever the environment says.
EmulatorOptions Forced(std::vector<std::string> args = {}) {
  EmulatorOptions options;
  options.binary = CTE_EMULATOR_BINARY;
  options.args = std::move(args);
  return options;
}

// Sets an environment variable (unsets it for nullptr) until the end of the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A file of this test in the temp directory, removed at the end of the scope.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("cte-testing-" + std::to_string(getpid()) + "-" + name)) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::filesystem::path path;
};

void WriteExecutable(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// The message of the std::runtime_error `start` throws; "" when it throws none.
std::string ErrorOf(const std::function<void()>& start) {
  try {
    start();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

client::Queue NewQueue() {
  client::Queue queue;
  queue.name = kQueue;
  return queue;
}

client::TaskSpec TaskFor(const std::string& url) {
  client::TaskSpec spec;
  spec.http_request.url = url;
  return spec;
}

TEST_CASE("client testing: Emulator starts the binary on a free port and its destructor stops it") {
  std::string host;
  {
    Emulator emulator(Forced());
    CHECK(emulator.owns_process());
    REQUIRE(emulator.port() > 0);
    host = emulator.host();
    CHECK(host == "127.0.0.1:" + std::to_string(emulator.port()));
    REQUIRE(emulator.client().CreateQueue(kParent, NewQueue()).ok());
    CHECK(Client(host).GetQueue(kQueue).ok());  // Another client, the same emulator.
    CHECK(emulator.Log().find("listening on http://" + host) != std::string::npos);
  }
  // The process is gone, so is its port (a refused connection is UNAVAILABLE).
  CHECK(Client(host).GetClock().status().code() == Code::kUnavailable);
}

TEST_CASE("client testing: log_file keeps the emulator's log") {
  TempFile log("emulator.log");
  EmulatorOptions options = Forced();
  options.log_file = log.path.string();
  std::string host;
  {
    Emulator emulator(options);
    host = emulator.host();
  }
  CHECK(ReadFile(log.path).find("listening on http://" + host) != std::string::npos);
}

TEST_CASE("client testing: Advance on the manual clock makes a scheduled task's attempt happen") {
  EmulatorProcess worker(CTE_WORKER_BINARY, {"--port", "0"});
  int worker_port = worker.WaitReady();
  REQUIRE(worker_port > 0);
  Emulator emulator(Forced({"--clock", "manual"}));
  Client& client = emulator.client();
  REQUIRE(client.CreateQueue(kParent, NewQueue()).ok());
  REQUIRE(client.SetClock("2035-01-01T00:00:00Z").ok());
  client::TaskSpec spec = TaskFor("http://127.0.0.1:" + std::to_string(worker_port) + "/work");
  spec.schedule_time = "2035-01-01T00:01:00Z";
  auto task = client.CreateTask(kQueue, spec);
  REQUIRE(task.ok());

  emulator.WaitIdle();  // Nothing is due: returns at once.
  emulator.Advance(std::chrono::seconds(59));
  emulator.WaitIdle({kQueue}, std::chrono::seconds(10));
  CHECK(emulator.Attempts(kQueue).empty());

  emulator.Advance(std::chrono::seconds(1));  // Now it is due.
  emulator.WaitIdle({kQueue}, std::chrono::seconds(10));
  auto attempts = emulator.Attempts(kQueue);
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].task == task->name);
  CHECK(attempts[0].http_status == 200);
  CHECK(client.GetTask(task->name).status().code() == Code::kNotFound);  // Done.
}

TEST_CASE("client testing: Reset empties the emulator, and the shortcuts throw what fails") {
  Emulator emulator(Forced());
  Client& client = emulator.client();
  REQUIRE(client.CreateQueue(kParent, NewQueue()).ok());
  REQUIRE(client.PauseQueue(kQueue).ok());
  REQUIRE(client.CreateTask(kQueue, TaskFor("http://127.0.0.1:9/")).ok());
  REQUIRE(client.ListTasks(kQueue)->items.size() == 1);
  emulator.Reset();
  CHECK(client.ListQueues(kParent)->items.empty());
  CHECK(client.GetQueue(kQueue).status().code() == Code::kNotFound);
  CHECK(emulator.Attempts().empty());
  // The system clock cannot be moved: Advance throws the emulator's FAILED_PRECONDITION.
  CHECK_THROWS_WITH_AS(emulator.Advance(std::chrono::seconds(1)),
                       Contains("Advance: FAILED_PRECONDITION"), std::runtime_error);
}

TEST_CASE("client testing: CLOUD_TASKS_EMULATOR_HOST names a running emulator, left running") {
  Emulator running(Forced());
  {
    ScopedEnv host("CLOUD_TASKS_EMULATOR_HOST", running.host().c_str());
    Emulator found;
    CHECK_FALSE(found.owns_process());
    CHECK(found.host() == running.host());
    CHECK(found.port() == running.port());
    CHECK(found.Log().empty());
    REQUIRE(found.client().CreateQueue(kParent, NewQueue()).ok());
    Emulator forced(Forced());  // A binary given in the options is started all the same.
    CHECK(forced.owns_process());
    CHECK(forced.port() != running.port());
  }
  CHECK(running.client().GetQueue(kQueue).ok());  // Still serving what `found` made.

  ScopedEnv nobody("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:1");
  CHECK(ErrorOf([] { Emulator{}; }).find("(127.0.0.1:1) does not answer: UNAVAILABLE") !=
        std::string::npos);
}

TEST_CASE("client testing: the binary from CLOUD_TASKS_EMULATOR_BIN, else from the PATH") {
  ScopedEnv no_host("CLOUD_TASKS_EMULATOR_HOST", nullptr);
  {
    ScopedEnv bin("CLOUD_TASKS_EMULATOR_BIN", CTE_EMULATOR_BINARY);
    Emulator emulator;
    CHECK(emulator.owns_process());
    CHECK(emulator.client().GetClock().ok());
  }
  ScopedEnv no_bin("CLOUD_TASKS_EMULATOR_BIN", nullptr);
  std::string dir = std::filesystem::path(CTE_EMULATOR_BINARY).parent_path().string();
  ScopedEnv path("PATH", ("/nonexistent:" + dir).c_str());
  CHECK(FindExecutable("cloud-tasks-emulator") == dir + "/cloud-tasks-emulator");
  Emulator emulator;
  CHECK(emulator.owns_process());
  CHECK(emulator.client().GetClock().ok());
}

TEST_CASE("client testing: a missing binary is a clear exception") {
  EmulatorOptions options;
  options.binary = "/nonexistent/cloud-tasks-emulator";
  CHECK_THROWS_WITH_AS(Emulator{options},
                       Contains("no executable file /nonexistent/cloud-tasks-emulator; give the "
                                "binary in EmulatorOptions::binary or $CLOUD_TASKS_EMULATOR_BIN"),
                       std::runtime_error);
  ScopedEnv no_host("CLOUD_TASKS_EMULATOR_HOST", nullptr);
  ScopedEnv no_bin("CLOUD_TASKS_EMULATOR_BIN", nullptr);
  ScopedEnv path("PATH", "/nonexistent");
  CHECK_THROWS_WITH_AS(Emulator{}, Contains("no cloud-tasks-emulator on the PATH"),
                       std::runtime_error);
}

TEST_CASE("client testing: a binary that fails, cannot run or stays silent throws with its log") {
  std::string exited = ErrorOf([] { Emulator{Forced({"--no-such-flag"})}; });
  CHECK(exited.find("exited with code") != std::string::npos);
  CHECK(exited.find("--no-such-flag") != std::string::npos);  // From its log.

  TempFile garbage("garbage");
  WriteExecutable(garbage.path, "not a program\n");
  EmulatorOptions options;
  options.binary = garbage.path.string();
  CHECK(ErrorOf([&] { Emulator{options}; }).find(options.binary + " cannot be run") !=
        std::string::npos);

  TempFile silent("silent.sh");
  WriteExecutable(silent.path, "#!/bin/sh\necho 'warming up' >&2\nexec sleep 60\n");
  options.binary = silent.path.string();
  options.start_timeout = std::chrono::milliseconds(300);
  auto began = std::chrono::steady_clock::now();
  std::string what = ErrorOf([&] { Emulator{options}; });
  CHECK(what.find("printed no ready line within 300 ms") != std::string::npos);
  CHECK(what.find("warming up") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(5));  // SIGTERM, no wait.
}

}  // namespace
}  // namespace cte::testing
