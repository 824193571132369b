// Client against the real emulator binary: every method, and the error codes callers rely on.
#include "client/lib/client.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include <doctest/doctest.h>

#include "client/tests/emulator_child.h"

namespace cte::client {
namespace {

using cte::testing::Emulator;
using testing::ThisBuild;

const std::string kParent = LocationName("api-ai-blog-writer", "europe-west1");
const std::string kQueue =
    QueueName("api-ai-blog-writer", "europe-west1", "image-generation-queue");

Queue SeedQueue() {
  Queue q;
  q.name = kQueue;
  q.rate_limits.max_dispatches_per_second = 200;
  q.rate_limits.max_concurrent_dispatches = 1000;
  q.retry_config.max_retry_duration = "1800s";
  return q;
}

// A task for a worker that is never there (127.0.0.1:9, discard), so no dispatch leaves the host.
TaskSpec LocalTask(const std::string& id) {
  TaskSpec spec;
  spec.name = id;
  spec.http_request.url = "http://127.0.0.1:9/api/v1/images/worker";
  spec.http_request.headers["Content-Type"] = "application/json";
  spec.http_request.body = R"({"prompt":"A beautiful sunset"})";
  return spec;
}

TEST_CASE("client: queue methods round-trip typed fields") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  auto created = client.CreateQueue(kParent, SeedQueue());
  REQUIRE(created.ok());
  CHECK(created->name == kQueue);
  CHECK(created->state == "RUNNING");
  CHECK(created->rate_limits.max_dispatches_per_second == 200);
  CHECK(created->rate_limits.max_concurrent_dispatches == 1000);
  CHECK(created->rate_limits.max_burst_size == 100);
  CHECK(created->retry_config.max_retry_duration == "1800s");
  CHECK(created->retry_config.max_attempts == 100);
  CHECK(created->raw["retryConfig"]["minBackoff"] == "0.100s");

  auto got = client.GetQueue(kQueue);
  REQUIRE(got.ok());
  CHECK(got->raw == created->raw);

  Queue patch;
  patch.name = kQueue;
  patch.retry_config.max_attempts = 5;
  auto updated = client.UpdateQueue(patch, {"retryConfig.maxAttempts"});
  REQUIRE(updated.ok());
  CHECK(updated->retry_config.max_attempts == 5);
  CHECK(updated->rate_limits.max_dispatches_per_second == 200);  // Outside the mask: kept.

  CHECK(client.PauseQueue(kQueue)->state == "PAUSED");
  CHECK(client.ResumeQueue(kQueue)->state == "RUNNING");
  auto purged = client.PurgeQueue(kQueue);
  REQUIRE(purged.ok());
  CHECK_FALSE(purged->purge_time.empty());

  auto list = client.ListQueues(kParent);
  REQUIRE(list.ok());
  REQUIRE(list->items.size() == 1);
  CHECK(list->items[0].name == kQueue);
  CHECK(list->next_page_token.empty());

  CHECK(client.DeleteQueue(kQueue).ok());
  auto missing = client.GetQueue(kQueue);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().name() == "NOT_FOUND");
  CHECK(client.DeleteQueue(kQueue).code() == Code::kNotFound);
}

TEST_CASE("client: ListQueues pages and filters") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  for (const char* id : {"a", "b", "c"}) {
    Queue q;
    q.name = QueueName("p", "l", id);
    REQUIRE(client.CreateQueue(LocationName("p", "l"), q).ok());
  }
  REQUIRE(client.PauseQueue(QueueName("p", "l", "b")).ok());
  ListOptions options;
  options.page_size = 2;
  auto first = client.ListQueues(LocationName("p", "l"), options);
  REQUIRE(first.ok());
  CHECK(first->items.size() == 2);
  REQUIRE_FALSE(first->next_page_token.empty());
  options.page_token = first->next_page_token;
  auto second = client.ListQueues(LocationName("p", "l"), options);
  REQUIRE(second.ok());
  CHECK(second->items.size() == 1);
  ListOptions filter;
  filter.filter = "state: PAUSED";
  auto paused = client.ListQueues(LocationName("p", "l"), filter);
  REQUIRE(paused.ok());
  REQUIRE(paused->items.size() == 1);
  CHECK(paused->items[0].name == QueueName("p", "l", "b"));
}

TEST_CASE("client: task methods with ALREADY_EXISTS and NOT_FOUND") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  REQUIRE(client.PauseQueue(kQueue).ok());

  TaskSpec spec = LocalTask("my-task-1");
  spec.http_request.oidc_token = OidcToken{"worker@api-ai-blog-writer.iam.gserviceaccount.com", ""};
  auto task = client.CreateTask(kQueue, spec, "FULL");
  REQUIRE(task.ok());
  CHECK(task->name == TaskName(kQueue, "my-task-1"));
  REQUIRE(task->http_request.has_value());
  CHECK(task->http_request->http_method == "POST");
  CHECK(task->http_request->body == R"({"prompt":"A beautiful sunset"})");
  CHECK(task->http_request->headers.at("Content-Type") == "application/json");
  CHECK(task->http_request->oidc_token->service_account_email ==
        "worker@api-ai-blog-writer.iam.gserviceaccount.com");
  CHECK(task->dispatch_deadline == "600s");
  CHECK(task->view == "FULL");

  auto again = client.CreateTask(kQueue, LocalTask("my-task-1"));
  CHECK(again.status().code() == Code::kAlreadyExists);

  TaskSpec unnamed = LocalTask("");
  unnamed.schedule_time = "2000-01-01T00:00:00Z";
  auto generated = client.CreateTask(kQueue, unnamed);
  REQUIRE(generated.ok());
  CHECK(generated->name.rfind(kQueue + "/tasks/", 0) == 0);

  auto basic = client.GetTask(task->name);
  REQUIRE(basic.ok());
  CHECK(basic->view == "BASIC");
  CHECK(basic->http_request->body.empty());
  auto list = client.ListTasks(kQueue);
  REQUIRE(list.ok());
  CHECK(list->items.size() == 2);

  CHECK(client.DeleteTask(task->name).ok());
  CHECK(client.GetTask(task->name).status().code() == Code::kNotFound);
  CHECK(client.DeleteTask(task->name).code() == Code::kNotFound);
  auto gone = client.CreateTask(kQueue, LocalTask("my-task-1"));
  CHECK(gone.status().code() == Code::kAlreadyExists);  // The tombstone blocks the name.
  CHECK(client.CreateTask(QueueName("p", "l", "nope"), LocalTask("")).status().code() ==
        Code::kNotFound);
}

TEST_CASE("client: INVALID_ARGUMENT carries Google's message") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  Queue q = SeedQueue();
  q.retry_config.max_retry_duration = "30m";
  auto bad = client.CreateQueue(kParent, q);
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("queue.retry_config.max_retry_duration") != std::string::npos);
  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  TaskSpec ftp = LocalTask("");
  ftp.http_request.url = "ftp://x";
  auto task = client.CreateTask(kQueue, ftp);
  CHECK(task.status().code() == Code::kInvalidArgument);
  CHECK(task.status().message() == "HttpTarget.url must start with 'http://' or 'https://'.");
  CHECK(client.GetQueue("projects/p/bad").status().code() != Code::kOk);
}

TEST_CASE("client: RunTask dispatches now and the attempt log records it") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  REQUIRE(client.PauseQueue(kQueue).ok());
  auto task = client.CreateTask(kQueue, LocalTask("run-me"));
  REQUIRE(task.ok());
  auto ran = client.RunTask(task->name);
  REQUIRE(ran.ok());
  CHECK(ran->dispatch_count == 1);
  CHECK(ran->first_attempt.has_value());
  // The worker at port 9 is not there: the attempt ends with a connection error.
  std::vector<AttemptRecord> attempts;
  for (int i = 0; i < 200; ++i) {
    auto page = client.ListAttempts(kQueue, task->name);
    REQUIRE(page.ok());
    attempts = page->items;
    if (!attempts.empty() && attempts[0].outcome != "IN_FLIGHT") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // Eventually: the attempt ends.
  }
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].task == task->name);
  CHECK(attempts[0].attempt == 1);
  CHECK(attempts[0].url == "http://127.0.0.1:9/api/v1/images/worker");
  CHECK(attempts[0].outcome == "CONNECTION_ERROR");
}

TEST_CASE("client: IAM policy and permissions") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  auto empty = client.GetIamPolicy(kQueue);
  REQUIRE(empty.ok());
  CHECK(empty->bindings.empty());
  Policy policy;
  policy.bindings.push_back({"roles/cloudtasks.enqueuer", {"user:a@example.com"}});
  auto set = client.SetIamPolicy(kQueue, policy);
  REQUIRE(set.ok());
  REQUIRE(set->bindings.size() == 1);
  CHECK(set->bindings[0].members == std::vector<std::string>{"user:a@example.com"});
  auto got = client.GetIamPolicy(kQueue);
  REQUIRE(got.ok());
  CHECK(got->bindings.size() == 1);
  CHECK_FALSE(got->etag.empty());
  auto perms = client.TestIamPermissions(kQueue, {"cloudtasks.tasks.create"});
  REQUIRE(perms.ok());
  CHECK(*perms == std::vector<std::string>{"cloudtasks.tasks.create"});
  CHECK(client.GetIamPolicy(QueueName("p", "l", "nope")).status().code() == Code::kNotFound);
}

TEST_CASE("client: locations") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  auto list = client.ListLocations("projects/api-ai-blog-writer");
  REQUIRE(list.ok());
  bool found = false;
  for (const auto& l : list->items) found = found || l.location_id == "europe-west1";
  CHECK(found);
  auto one = client.GetLocation(kParent);
  REQUIRE(one.ok());
  CHECK(one->location_id == "europe-west1");
  CHECK(one->name == kParent);
  ListOptions filtered;
  filtered.filter = "x";
  CHECK(client.ListLocations("projects/p", filtered).status().code() == Code::kUnimplemented);
}

TEST_CASE("client: harness manual clock and waitIdle and stats and reset") {
  Emulator emulator(ThisBuild({"--clock", "manual"}));
  Client client(emulator.host());
  auto clock = client.GetClock();
  REQUIRE(clock.ok());
  CHECK(clock->mode == "manual");
  auto advanced = client.AdvanceClock(std::chrono::seconds(1800));
  REQUIRE(advanced.ok());
  CHECK(advanced->time != clock->time);
  CHECK(client.AdvanceClock("1800s").ok());
  CHECK(client.SetClock("2000-01-01T00:00:00Z").status().code() != Code::kOk);  // Backwards.
  CHECK(client.SetClock(std::chrono::system_clock::now() + std::chrono::hours(24 * 400)).ok());

  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  REQUIRE(client.PauseQueue(kQueue).ok());
  REQUIRE(client.CreateTask(kQueue, LocalTask("t1")).ok());
  CHECK(client.WaitIdle({kQueue}, std::chrono::seconds(5), true).ok());  // Paused: idle.
  auto stats = client.Stats();
  REQUIRE(stats.ok());
  REQUIRE(stats->queues.size() == 1);
  CHECK(stats->queues[0].name == kQueue);
  CHECK(stats->queues[0].tasks_waiting == 1);
  CHECK(client.Reset(kQueue).ok());
  CHECK(client.ListTasks(kQueue)->items.empty());
  CHECK(client.Reset().ok());
  CHECK(client.GetQueue(kQueue).status().code() == Code::kNotFound);
}

TEST_CASE("client: WaitIdle with scheduled tasks times out with DEADLINE_EXCEEDED") {
  Emulator emulator(ThisBuild());
  Client client(emulator.host());
  REQUIRE(client.CreateQueue(kParent, SeedQueue()).ok());
  REQUIRE(client.PauseQueue(kQueue).ok());
  TaskSpec later = LocalTask("later");
  later.schedule_time = FormatTimestamp(std::chrono::system_clock::now() + std::chrono::hours(1));
  REQUIRE(client.CreateTask(kQueue, later).ok());
  REQUIRE(client.ResumeQueue(kQueue).ok());
  CHECK(client.WaitIdle({}, std::chrono::milliseconds(200), false).ok());  // Not due yet.
  Status s = client.WaitIdle({kQueue}, std::chrono::milliseconds(200), true);
  CHECK(s.code() == Code::kDeadlineExceeded);
  CHECK_FALSE(s.message().empty());
}

TEST_CASE("client: connection failures are UNAVAILABLE and the client reconnects") {
  Client nobody("http://127.0.0.1:1/");
  CHECK(nobody.endpoint() == "127.0.0.1:1");
  CHECK(nobody.GetClock().status().code() == Code::kUnavailable);
  CHECK(Client("https://x:1").GetClock().status().code() == Code::kInvalidArgument);

  auto emulator = std::make_unique<Emulator>(ThisBuild());
  Client client(emulator->host());
  CHECK(client.GetClock().ok());
  CHECK(client.GetClock().ok());  // Same connection.
  emulator.reset();
  CHECK(client.GetClock().status().code() == Code::kUnavailable);
}

TEST_CASE("client: endpoint from CLOUD_TASKS_EMULATOR_HOST") {
  setenv("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:4567", 1);
  CHECK(Client().endpoint() == "127.0.0.1:4567");
  unsetenv("CLOUD_TASKS_EMULATOR_HOST");
  CHECK(Client().endpoint() == "127.0.0.1:8123");
}

TEST_CASE("client: wire formats") {
  CHECK(FormatDuration(std::chrono::seconds(1800)) == "1800s");
  CHECK(FormatDuration(std::chrono::milliseconds(1500)) == "1.5s");
  CHECK(FormatTimestamp(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00Z");
  CHECK(Base64Decode(Base64Encode("hello, world!")) == "hello, world!");
  CHECK(Base64Encode("ab") == "YWI=");
  CHECK(UrlEncode("state: PAUSED") == "state%3A%20PAUSED");
}

}  // namespace
}  // namespace cte::client
