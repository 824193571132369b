// CLI smoke test: the cloud-tasks binary runs the setup notes' gcloud commands against the real
// emulator and prints what gcloud prints.
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "client/tests/emulator_child.h"
#include "common/version.h"

namespace cte::client {
namespace {

using cte::testing::Emulator;
using testing::CommandResult;
using testing::RunCommand;
using testing::ThisBuild;

const std::string kQueue = "image-generation-queue";
const std::string kQueueName =
    "projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue";

// Runs cloud-tasks against `emulator`, with the project from the environment.
CommandResult Cli(const Emulator& emulator, std::vector<std::string> args) {
  args.push_back("--location=europe-west1");
  return RunCommand(CTE_CLI_BINARY, args,
                    {"CLOUD_TASKS_EMULATOR_HOST=" + emulator.host(),
                     "CLOUDSDK_CORE_PROJECT=api-ai-blog-writer", "GOOGLE_CLOUD_PROJECT="});
}

bool Matches(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex(pattern));
}

TEST_CASE("cli: cloud-tasks runs the gcloud queue setup") {
  Emulator emulator(ThisBuild());
  auto bad = Cli(emulator, {"queues", "create", kQueue, "--max-retry-duration=30m"});
  CHECK(bad.exit_code == 1);
  CHECK(Matches(
      bad.err,
      R"(^ERROR: \(cloud-tasks\.queues\.create\) INVALID_ARGUMENT: Invalid value at 'queue\.retry_config\.max_retry_duration')"));

  auto created = RunCommand(
      CTE_CLI_BINARY,
      {"queues", "create", kQueue, "--location=europe-west1", "--max-dispatches-per-second=200",
       "--max-concurrent-dispatches=1000", "--max-retry-duration=1800s",
       "--project=api-ai-blog-writer", "--endpoint=http://" + emulator.host()},
      {"CLOUDSDK_CORE_PROJECT=", "GOOGLE_CLOUD_PROJECT=", "CLOUD_TASKS_EMULATOR_HOST="});
  CHECK(created.exit_code == 0);
  CHECK(created.err == "Created queue [europe-west1/" + kQueue + "].\n");

  auto again = Cli(emulator, {"queues", "create", kQueue});
  CHECK(again.err == "ERROR: (cloud-tasks.queues.create) ALREADY_EXISTS: Queue already exists\n");

  auto describe = Cli(emulator, {"queues", "describe", kQueue});
  CHECK(describe.exit_code == 0);
  CHECK(describe.out == "name: " + kQueueName + R"(
rateLimits:
  maxBurstSize: 100
  maxConcurrentDispatches: 1000
  maxDispatchesPerSecond: 200.0
retryConfig:
  maxAttempts: 100
  maxBackoff: 3600s
  maxDoublings: 16
  maxRetryDuration: 1800s
  minBackoff: 0.100s
state: RUNNING
)");

  auto update = Cli(emulator, {"queues", "update", kQueue, "--max-attempts=5", "--min-backoff=1s",
                               "--max-doublings=4"});
  CHECK(update.err == "Updated queue [europe-west1/" + kQueue + "].\n");
  CHECK(Cli(emulator, {"queues", "pause", kQueue}).err ==
        "Paused queue [europe-west1/" + kQueue + "].\n");
  CHECK(Cli(emulator, {"queues", "resume", kQueue}).err ==
        "Resumed queue [europe-west1/" + kQueue + "].\n");

  auto list = Cli(emulator, {"queues", "list"});
  CHECK(list.out ==
        "QUEUE_NAME              STATE    MAX_NUM_OF_TASKS  MAX_RATE (/sec)  MAX_ATTEMPTS\n"
        "image-generation-queue  RUNNING  1000              200.0            5\n");
  auto json = Cli(emulator, {"queues", "describe", kQueue, "--format=json"});
  CHECK(Matches(json.out, R"("maxAttempts": 5)"));

  auto unlimited = Cli(emulator, {"queues", "update", kQueue, "--max-attempts=unlimited"});
  CHECK(unlimited.exit_code == 0);
  auto clear = Cli(emulator, {"queues", "update", kQueue, "--clear-max-attempts"});
  CHECK(clear.exit_code == 0);
  CHECK(Matches(Cli(emulator, {"queues", "describe", kQueue}).out, "maxAttempts: 100\n"));
}

TEST_CASE("cli: cloud-tasks task commands") {
  Emulator emulator(ThisBuild());
  REQUIRE(Cli(emulator, {"queues", "create", kQueue}).exit_code == 0);
  REQUIRE(Cli(emulator, {"queues", "pause", kQueue}).exit_code == 0);
  auto created = Cli(emulator, {"create-http-task", "my-task-1", "--queue=" + kQueue,
                                "--url=http://127.0.0.1:9/api/v1/images/worker", "--method=POST",
                                R"(--body-content={"prompt":"A beautiful sunset"})",
                                "--header=Content-Type:application/json",
                                "--oidc-service-account-email=worker@x.iam.gserviceaccount.com"});
  CHECK(created.exit_code == 0);
  CHECK(created.err == "Created task [" + kQueueName + "/tasks/my-task-1].\n");
  auto generated =
      Cli(emulator, {"create-http-task", "--queue=" + kQueue, "--url=http://127.0.0.1:9/x",
                     "--schedule-time=2000-01-01T00:00:00Z"});
  CHECK(Matches(generated.err, "^Created task \\[" + kQueueName + "/tasks/[0-9]+\\]\\.\n$"));
  auto dup = Cli(emulator, {"create-http-task", "my-task-1", "--queue=" + kQueue,
                            "--url=http://127.0.0.1:9/x"});
  CHECK(dup.exit_code == 1);
  CHECK(dup.err ==
        "ERROR: (cloud-tasks.create-http-task) ALREADY_EXISTS: Requested entity already exists\n");

  auto describe = Cli(emulator, {"describe", "my-task-1", "--queue=" + kQueue});
  CHECK(Matches(describe.out, R"(^createTime: '[0-9-]+T[0-9:]+Z'
dispatchDeadline: 600s
httpRequest:
  headers:
    Content-Type: application/json
    User-Agent: Google-Cloud-Tasks
  httpMethod: POST
  oidcToken:
    serviceAccountEmail: worker@x.iam.gserviceaccount.com
  url: http://127.0.0.1:9/api/v1/images/worker
name: )" + kQueueName + R"(/tasks/my-task-1
scheduleTime: '[0-9-]+T[0-9:.]+Z'
view: BASIC
$)"));

  auto list = Cli(emulator, {"list", "--queue=" + kQueue});
  CHECK(Matches(
      list.out,
      R"(^TASK_NAME +TYPE +CREATE_TIME +SCHEDULE_TIME +DISPATCH_ATTEMPTS +RESPONSE_ATTEMPTS +LAST_ATTEMPT_STATUS
my-task-1 +http +[0-9-]+T[0-9:]+Z +[0-9-]+T[0-9:.]+Z +0 +0 +Unknown
[0-9]+ +http +[0-9-]+T[0-9:]+Z +[0-9-]+T[0-9:.]+Z +0 +0 +Unknown
$)"));

  auto run = Cli(emulator, {"run", "my-task-1", "--queue=" + kQueue});
  CHECK(run.exit_code == 0);
  CHECK(Matches(run.out, "dispatchCount: 1\n"));

  CHECK(Cli(emulator, {"delete", "my-task-1", "--queue=" + kQueue}).err ==
        "Deleted task [my-task-1].\n");
  auto gone = Cli(emulator, {"describe", "my-task-1", "--queue=" + kQueue});
  CHECK(gone.exit_code == 1);
  CHECK(Matches(gone.err, R"(^ERROR: \(cloud-tasks\.describe\) NOT_FOUND: )"));

  CHECK(Cli(emulator, {"queues", "purge", kQueue, "--quiet"}).err ==
        "Purged queue [europe-west1/" + kQueue + "].\n");
  CHECK(Cli(emulator, {"list", "--queue=" + kQueue}).err == "Listed 0 items.\n");
  CHECK(Cli(emulator, {"queues", "delete", kQueue, "--quiet"}).err ==
        "Deleted queue [europe-west1/" + kQueue + "].\n");
  auto missing = Cli(emulator, {"queues", "describe", kQueue});
  CHECK(missing.exit_code == 1);
  CHECK(Matches(missing.err,
                R"(^ERROR: \(cloud-tasks\.queues\.describe\) NOT_FOUND: Queue does not exist)"));
}

// Every command's --help, found by walking the "Subcommands:" lists from the top: it lists the
// global flags, and every flag has a description.
TEST_CASE(
    "cli: every command's help lists --project, --location and --format, each flag described") {
  std::vector<std::vector<std::string>> todo = {{}};
  int commands = 0;
  while (!todo.empty()) {
    std::vector<std::string> path = todo.back();
    todo.pop_back();
    std::vector<std::string> args = path;
    args.push_back("--help");
    CommandResult help = RunCommand(CTE_CLI_BINARY, args);
    std::string name = "cloud-tasks";
    for (const auto& word : path) name += " " + word;
    INFO(name);
    REQUIRE(help.exit_code == 0);
    ++commands;
    for (const char* flag : {"--project TEXT", "--location TEXT", "--format TEXT"}) {
      CHECK(help.out.find(flag) != std::string::npos);
    }
    std::istringstream lines(help.out);
    std::string line;
    bool subcommands = false;
    while (std::getline(lines, line)) {
      if (line == "Subcommands:") subcommands = true;
      if (line.rfind("  ", 0) != 0) continue;
      // "  --flag TYPE    description": a description after a gap of two spaces or more.
      static const std::regex kEntry(R"(^  (\S+)(?: \S+)*\s{2,}\S.*$)");
      std::smatch m;
      CHECK_MESSAGE(std::regex_match(line, m, kEntry), line);
      if (subcommands && m.size() > 1 && m[1].str()[0] != '-') {
        std::vector<std::string> sub = path;
        sub.push_back(m[1]);
        todo.push_back(sub);
      }
    }
  }
  CHECK(commands >= 30);
}

TEST_CASE("cli: cloud-tasks emulator commands and usage errors") {
  Emulator emulator(ThisBuild({"--clock", "manual"}));
  CHECK(Matches(Cli(emulator, {"emulator", "clock"}).out, "mode: manual\n"));
  CHECK(Cli(emulator, {"emulator", "advance", "1800s"}).exit_code == 0);
  CHECK(Cli(emulator, {"emulator", "advance", "1h"}).exit_code == 0);  // The flags' forms too.
  CHECK(Cli(emulator, {"emulator", "advance", "1h30m"}).exit_code == 0);
  REQUIRE(Cli(emulator, {"queues", "create", kQueue}).exit_code == 0);
  CHECK(Cli(emulator, {"emulator", "wait", "--queue", kQueue, "--timeout", "5s"}).exit_code == 0);
  CHECK(Cli(emulator, {"emulator", "wait", "--queue", kQueue, "--timeout", "1m30s"}).exit_code ==
        0);
  // A misspelled queue is an error, not an idle answer.
  auto misspelled = Cli(emulator, {"emulator", "wait", "--queue", kQueue + "x"});
  CHECK(misspelled.exit_code == 1);
  CHECK(
      Matches(misspelled.err, R"(^ERROR: \(cloud-tasks\.emulator\.wait\) NOT_FOUND: The queue )"));
  CHECK(Matches(Cli(emulator, {"emulator", "stats"}).out, "europe-west1/" + kQueue));
  CHECK(Cli(emulator, {"emulator", "attempts", "--queue", kQueue}).exit_code == 0);
  CHECK(Cli(emulator, {"emulator", "reset", "--queue", kQueue}).exit_code == 0);
  CHECK(Cli(emulator, {"emulator", "reset"}).err == "Reset the emulator.\n");

  CHECK(Cli(emulator, {"queues", "frobnicate"}).exit_code == 2);
  CHECK(RunCommand(CTE_CLI_BINARY, {"--version"}).out ==
        std::string("cloud-tasks ") + cte::kVersion + "\n");
  // A misspelled command is named, with the closest one (issue 18), before any flag is checked.
  auto queue = Cli(emulator, {"queue", "list"});
  CHECK(queue.exit_code == 2);
  CHECK(queue.err ==
        "ERROR: (cloud-tasks) Invalid choice: 'queue'.\nMaybe you meant:\n"
        "  cloud-tasks queues\n");
  auto lst = Cli(emulator, {"--project", "p", "queues", "lst"});
  CHECK(lst.err ==
        "ERROR: (cloud-tasks.queues) Invalid choice: 'lst'.\nMaybe you meant:\n"
        "  cloud-tasks queues list\n");
  auto filter = Cli(emulator, {"queues", "list", "--filter=state=RUNNING AND (name:a"});
  CHECK(filter.exit_code == 2);
  CHECK(filter.err == "ERROR: (cloud-tasks.queues.list) --filter: a ( is not closed\n");
  CHECK(Cli(emulator, {"queues", "list", "--format=table(name)"}).exit_code == 2);
  CHECK(Cli(emulator, {"emulator", "zzzzzzzz"}).err ==
        "ERROR: (cloud-tasks.emulator) Invalid choice: 'zzzzzzzz'.\n");
  CHECK(Cli(emulator, {"create-http-task", "--queue=" + kQueue}).exit_code == 2);  // No --url.
  auto no_project = RunCommand(CTE_CLI_BINARY, {"queues", "describe", kQueue, "--location=l"},
                               {"CLOUDSDK_CORE_PROJECT=", "GOOGLE_CLOUD_PROJECT="});
  CHECK(no_project.exit_code == 2);
  auto down = RunCommand(CTE_CLI_BINARY, {"emulator", "clock", "--endpoint=127.0.0.1:1"});
  CHECK(down.exit_code == 1);
  CHECK(Matches(down.err, R"(^ERROR: \(cloud-tasks\.emulator\.clock\) UNAVAILABLE: )"));
  // The Docker image's health check: exit 0 with healthz's answer, 1 when nothing serves.
  auto health = Cli(emulator, {"emulator", "health", "--format=json"});
  CHECK(health.exit_code == 0);
  CHECK(Matches(health.out, R"("status": "SERVING")"));
  CHECK(RunCommand(CTE_CLI_BINARY, {"emulator", "health", "--endpoint=127.0.0.1:1"}).exit_code ==
        1);
}

}  // namespace
}  // namespace cte::client
