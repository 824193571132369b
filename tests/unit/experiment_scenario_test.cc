#include <fstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "experiment/scenario.h"
#include "support/temp_dir.h"

using namespace cte;
using namespace cte::experiment;
using namespace std::chrono;
using Json = nlohmann::json;

namespace {

// docs/experiments.md's example, as written there.
constexpr char kImageBurst[] = R"({
  "name": "image-burst",
  "seed": 1,
  "queues": [{
    "queue": {"name": "image-generation-queue",
              "rateLimits": {"maxDispatchesPerSecond": 200, "maxConcurrentDispatches": 1000},
              "retryConfig": {"maxRetryDuration": "1800s"}},
    "arrivals": [{"at": "0s", "count": 10000, "over": "60s"},
                 {"at": "120s", "rate": 50, "for": "600s"}],
    "task": {"bodyBytes": 1024, "dispatchDeadline": "60s", "scheduleDelay": "0s"},
    "worker": {"latency": {"fixed": "2s"},
               "failures": [{"status": 500, "probability": 0.05}],
               "outages": [{"from": "300s", "to": "900s", "status": 503}]}
  }],
  "until": "drained"
})";

// The smallest valid scenario; each bad case below changes one thing in it.
Json Minimal() {
  return Json::parse(R"({"name": "t", "queues": [{"queue": {"name": "q"},
                                                  "arrivals": [{"count": 10}]}]})");
}

Json& Queue0(Json& j) { return j["queues"][0]; }

// The message of a scenario that must be refused.
std::string Refusal(const std::string& text, const std::string& base_dir = "") {
  core::Result<Scenario> read = ReadScenario(text, base_dir);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == core::Code::kInvalidArgument);
  CHECK(read.status().message().find('\n') == std::string::npos);
  return read.status().message();
}

struct BadCase {
  const char* what;
  void (*edit)(Json&);
  const char* message;
};

void CheckRefusals(std::initializer_list<BadCase> cases) {
  for (const BadCase& c : cases) {
    INFO(c.what);
    Json j = Minimal();
    c.edit(j);
    CHECK(Refusal(j.dump()) == c.message);
  }
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("the image-burst example of docs/experiments.md reads field by field") {
  core::Result<Scenario> read = ReadScenario(kImageBurst, "");
  REQUIRE(read.ok());
  const Scenario& s = *read;
  CHECK(s.name == "image-burst");
  CHECK(s.seed == 1);
  CHECK_FALSE(s.until.has_value());
  REQUIRE(s.queues.size() == 1);
  const QueueScenario& q = s.queues[0];
  CHECK(q.queue.name == "projects/emulator/locations/us-central1/queues/image-generation-queue");
  CHECK(q.queue.rate_limits.max_dispatches_per_second == 200);
  CHECK(q.queue.rate_limits.max_concurrent_dispatches == 1000);
  CHECK(q.queue.retry_config.max_retry_duration == seconds(1800));
  // Kept as read: the simulation's CreateQueue fills these in.
  CHECK(q.queue.rate_limits.max_burst_size == 0);
  CHECK(q.queue.retry_config.max_attempts == 0);
  CHECK(q.queue.retry_config.min_backoff == core::Duration(0));
  REQUIRE(q.arrivals.size() == 2);
  CHECK(q.arrivals[0].at == seconds(0));
  const auto& count = std::get<ArrivalPhase::Count>(q.arrivals[0].shape);
  CHECK(count.count == 10000);
  CHECK(count.over == seconds(60));
  CHECK(q.arrivals[1].at == seconds(120));
  const auto& rate = std::get<ArrivalPhase::Rate>(q.arrivals[1].shape);
  CHECK(rate.rate == 50);
  CHECK(rate.duration == seconds(600));
  CHECK(q.task.body_bytes == 1024);
  CHECK(q.task.dispatch_deadline == seconds(60));
  CHECK(q.task.schedule_delay == seconds(0));
  CHECK(std::get<Latency::Fixed>(q.worker.latency.shape).value == seconds(2));
  REQUIRE(q.worker.failures.size() == 1);
  CHECK(q.worker.failures[0].answer.kind == Answer::Kind::kStatus);
  CHECK(q.worker.failures[0].answer.status == 500);
  CHECK(q.worker.failures[0].probability == 0.05);
  REQUIRE(q.worker.outages.size() == 1);
  CHECK(q.worker.outages[0].from == seconds(300));
  CHECK(q.worker.outages[0].to == seconds(900));
  CHECK(q.worker.outages[0].answer.status == 503);
  CHECK_FALSE(q.worker.outages[0].answer.retry_after.has_value());
  CHECK(s.cloud_tasks.duplicate_rate == 0);
  CHECK_FALSE(s.cloud_tasks.extra_delay.has_value());
}

TEST_CASE("fields left out take the documented defaults") {
  core::Result<Scenario> read = ReadScenario(Minimal().dump(), "");
  REQUIRE(read.ok());
  CHECK(read->seed == 1);
  CHECK_FALSE(read->until.has_value());
  const QueueScenario& q = read->queues[0];
  CHECK(q.queue.name == "projects/emulator/locations/us-central1/queues/q");
  CHECK(q.arrivals[0].at == seconds(0));
  CHECK(std::get<ArrivalPhase::Count>(q.arrivals[0].shape).over == seconds(0));
  CHECK(q.task.body_bytes == 0);
  CHECK(q.task.dispatch_deadline == seconds(600));
  CHECK(q.task.schedule_delay == seconds(0));
  CHECK(std::get<Latency::Fixed>(q.worker.latency.shape).value == seconds(0));
  CHECK(q.worker.failures.empty());
  CHECK(q.worker.outages.empty());
  CHECK(read->cloud_tasks.duplicate_rate == 0);
}

TEST_CASE("every optional form of the schema reads") {
  Json j = Minimal();
  j["seed"] = 18446744073709551615u;
  j["until"] = "90.5s";
  j["cloudTasks"] =
      Json::parse(R"({"duplicateRate": 0.01, "extraDelay": {"uniform": ["0s", "2s"]}})");
  Queue0(j)["queue"]["name"] = "projects/my-project/locations/europe-west1/queues/q";
  Queue0(j)["arrivals"] =
      Json::parse(R"([{"ramp": {"from": 0, "to": 100, "for": "10s"}, "at": "1s"}])");
  Queue0(j)["worker"] = Json::parse(R"({
      "latency": {"lognormal": {"p50": "2s", "p99": "10s"}},
      "failures": [{"status": "timeout", "probability": 0.1}, {"status": "reset", "probability": 0.2},
                   {"status": 429, "probability": 0.7, "retryAfter": "30s"}],
      "outages": [{"from": "60s", "to": "70s", "refuse": true},
                  {"from": "10s", "to": "60s", "status": 503, "retryAfter": "5s"}]})");
  core::Result<Scenario> read = ReadScenario(j.dump(), "");
  REQUIRE(read.ok());
  CHECK(read->seed == 18446744073709551615u);
  CHECK(read->until == milliseconds(90500));
  CHECK(read->cloud_tasks.duplicate_rate == 0.01);
  const auto& extra = std::get<Latency::Uniform>(read->cloud_tasks.extra_delay->shape);
  CHECK(extra.min == seconds(0));
  CHECK(extra.max == seconds(2));
  const QueueScenario& q = read->queues[0];
  CHECK(q.queue.name == "projects/my-project/locations/europe-west1/queues/q");
  const auto& ramp = std::get<ArrivalPhase::Ramp>(q.arrivals[0].shape);
  CHECK(q.arrivals[0].at == seconds(1));
  CHECK(ramp.from == 0);
  CHECK(ramp.to == 100);
  CHECK(ramp.duration == seconds(10));
  const auto& lognormal = std::get<Latency::LogNormal>(q.worker.latency.shape);
  CHECK(lognormal.p50 == seconds(2));
  CHECK(lognormal.p99 == seconds(10));
  REQUIRE(q.worker.failures.size() == 3);
  CHECK(q.worker.failures[0].answer.kind == Answer::Kind::kTimeout);
  CHECK(q.worker.failures[1].answer.kind == Answer::Kind::kReset);
  CHECK(q.worker.failures[2].answer.status == 429);
  CHECK(q.worker.failures[2].answer.retry_after == seconds(30));
  // Sorted by start; windows may touch ([10s, 60s) then [60s, 70s)).
  REQUIRE(q.worker.outages.size() == 2);
  CHECK(q.worker.outages[0].from == seconds(10));
  CHECK(q.worker.outages[0].answer.status == 503);
  CHECK(q.worker.outages[0].answer.retry_after == seconds(5));
  CHECK(q.worker.outages[1].from == seconds(60));
  CHECK(q.worker.outages[1].answer.kind == Answer::Kind::kRefuse);
}

TEST_CASE("unknown fields are refused at every level, by their path") {
  CheckRefusals({
      {"top", [](Json& j) { j["foo"] = 1; }, "foo: unknown field"},
      {"queue entry", [](Json& j) { Queue0(j)["workers"] = Json::object(); },
       "queues[0].workers: unknown field"},
      {"phase", [](Json& j) { Queue0(j)["arrivals"][0]["every"] = "1s"; },
       "queues[0].arrivals[0].every: unknown field"},
      {"ramp",
       [](Json& j) {
         Queue0(j)["arrivals"][0] =
             Json::parse(R"({"ramp": {"from": 1, "to": 2, "for": "1s", "x": 1}})");
       },
       "queues[0].arrivals[0].ramp.x: unknown field"},
      {"task", [](Json& j) { Queue0(j)["task"] = Json::parse(R"({"body": 1})"); },
       "queues[0].task.body: unknown field"},
      {"worker", [](Json& j) { Queue0(j)["worker"] = Json::parse(R"({"speed": 1})"); },
       "queues[0].worker.speed: unknown field"},
      {"latency",
       [](Json& j) { Queue0(j)["worker"]["latency"] = Json::parse(R"({"normal": "1s"})"); },
       "queues[0].worker.latency.normal: unknown field"},
      {"lognormal",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] =
             Json::parse(R"({"lognormal": {"p50": "1s", "p90": "2s"}})");
       },
       "queues[0].worker.latency.lognormal.p90: unknown field"},
      {"failure",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] =
             Json::parse(R"([{"status": 500, "probability": 0.1, "p": 1}])");
       },
       "queues[0].worker.failures[0].p: unknown field"},
      {"outage",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "status": 503, "until": "2s"}])");
       },
       "queues[0].worker.outages[0].until: unknown field"},
      {"cloudTasks", [](Json& j) { j["cloudTasks"] = Json::parse(R"({"jitter": "1s"})"); },
       "cloudTasks.jitter: unknown field"},
      {"queue resource: CreateQueue's own words", [](Json& j) { Queue0(j)["queue"]["foo"] = 1; },
       "queues[0].queue: Invalid JSON payload received. Unknown name \"foo\" at 'queue': Cannot "
       "find field."},
  });
}

TEST_CASE("wrong types are refused by their path") {
  CheckRefusals({
      {"name", [](Json& j) { j["name"] = 5; }, "name: must be a non-empty string"},
      {"empty name", [](Json& j) { j["name"] = ""; }, "name: must be a non-empty string"},
      {"missing name", [](Json& j) { j.erase("name"); }, "name: required"},
      {"seed negative", [](Json& j) { j["seed"] = -1; }, "seed: must be a non-negative integer"},
      {"seed float", [](Json& j) { j["seed"] = 1.5; }, "seed: must be a non-negative integer"},
      {"seed string", [](Json& j) { j["seed"] = "1"; }, "seed: must be a non-negative integer"},
      {"queues object", [](Json& j) { j["queues"] = Json::object(); }, "queues: must be an array"},
      {"queue entry", [](Json& j) { j["queues"][0] = 1; }, "queues[0]: must be an object"},
      {"count string", [](Json& j) { Queue0(j)["arrivals"][0]["count"] = "10"; },
       "queues[0].arrivals[0].count: must be an integer"},
      {"count fraction", [](Json& j) { Queue0(j)["arrivals"][0]["count"] = 2.5; },
       "queues[0].arrivals[0].count: must be an integer"},
      {"duration number", [](Json& j) { Queue0(j)["arrivals"][0]["over"] = 60; },
       "queues[0].arrivals[0].over: must be a duration such as \"1.5s\""},
      {"duration without s", [](Json& j) { Queue0(j)["arrivals"][0]["at"] = "1m"; },
       "queues[0].arrivals[0].at: must be a duration such as \"1.5s\""},
      {"failures object", [](Json& j) { Queue0(j)["worker"]["failures"] = Json::object(); },
       "queues[0].worker.failures: must be an array"},
      {"latency string", [](Json& j) { Queue0(j)["worker"]["latency"] = "2s"; },
       "queues[0].worker.latency: must be an object"},
      {"probability string",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500, "probability": "5%"}])");
       },
       "queues[0].worker.failures[0].probability: must be a number"},
      {"queue resource type",
       [](Json& j) {
         Queue0(j)["queue"]["rateLimits"] = Json::parse(R"({"maxDispatchesPerSecond": true})");
       },
       "queues[0].queue: Invalid value at 'queue.rate_limits.max_dispatches_per_second' "
       "(TYPE_DOUBLE), true"},
      {"until number", [](Json& j) { j["until"] = 60; },
       "until: must be \"drained\" or a positive duration of at most 31536000s"},
  });
}

TEST_CASE("arrival phases: one shape each, positive rates") {
  CheckRefusals({
      {"zero rate",
       [](Json& j) {
         Queue0(j)["arrivals"] = Json::parse(R"([{"count": 1}, {"rate": 0, "for": "10s"}])");
       },
       "queues[0].arrivals[1].rate: must be greater than 0"},
      {"negative rate",
       [](Json& j) { Queue0(j)["arrivals"][0] = Json::parse(R"({"rate": -5, "for": "10s"})"); },
       "queues[0].arrivals[0].rate: must be greater than 0"},
      {"rate without for",
       [](Json& j) { Queue0(j)["arrivals"][0] = Json::parse(R"({"rate": 5})"); },
       "queues[0].arrivals[0].for: required"},
      {"rate for 0s",
       [](Json& j) { Queue0(j)["arrivals"][0] = Json::parse(R"({"rate": 5, "for": "0s"})"); },
       "queues[0].arrivals[0].for: must be greater than 0"},
      {"no shape", [](Json& j) { Queue0(j)["arrivals"][0] = Json::parse(R"({"at": "1s"})"); },
       "queues[0].arrivals[0]: give one of count, rate, ramp or csv"},
      {"two shapes",
       [](Json& j) {
         Queue0(j)["arrivals"][0] = Json::parse(R"({"count": 1, "rate": 1, "for": "1s"})");
       },
       "queues[0].arrivals[0]: give one of count, rate, ramp or csv"},
      {"over with rate",
       [](Json& j) {
         Queue0(j)["arrivals"][0] = Json::parse(R"({"rate": 1, "for": "1s", "over": "1s"})");
       },
       "queues[0].arrivals[0].over: only with count"},
      {"for with count", [](Json& j) { Queue0(j)["arrivals"][0]["for"] = "1s"; },
       "queues[0].arrivals[0].for: only with rate"},
      {"zero count", [](Json& j) { Queue0(j)["arrivals"][0]["count"] = 0; },
       "queues[0].arrivals[0].count: must be greater than 0"},
      {"count over the bound", [](Json& j) { Queue0(j)["arrivals"][0]["count"] = 100000001; },
       "queues[0].arrivals[0].count: must be at most 100000000"},
      {"rate times for over the bound",
       [](Json& j) {
         Queue0(j)["arrivals"][0] = Json::parse(R"({"rate": 500, "for": "31536000s"})");
       },
       "queues[0].arrivals[0]: rate for 31536000s gives more than 100000000 tasks"},
      {"negative at", [](Json& j) { Queue0(j)["arrivals"][0]["at"] = "-1s"; },
       "queues[0].arrivals[0].at: must not be negative"},
      {"at over a year", [](Json& j) { Queue0(j)["arrivals"][0]["at"] = "31536001s"; },
       "queues[0].arrivals[0].at: must be at most 31536000s"},
      {"negative ramp",
       [](Json& j) {
         Queue0(j)["arrivals"][0] = Json::parse(R"({"ramp": {"from": -1, "to": 2, "for": "1s"}})");
       },
       "queues[0].arrivals[0].ramp.from: must not be negative"},
      {"ramp of nothing",
       [](Json& j) {
         Queue0(j)["arrivals"][0] = Json::parse(R"({"ramp": {"from": 0, "to": 0, "for": "1s"}})");
       },
       "queues[0].arrivals[0].ramp: from and to cannot both be 0"},
      {"ramp without for",
       [](Json& j) { Queue0(j)["arrivals"][0] = Json::parse(R"({"ramp": {"from": 0, "to": 1}})"); },
       "queues[0].arrivals[0].ramp.for: required"},
      {"no phases", [](Json& j) { Queue0(j)["arrivals"] = Json::array(); },
       "queues[0].arrivals: must not be empty"},
      {"no arrivals", [](Json& j) { Queue0(j).erase("arrivals"); }, "queues[0].arrivals: required"},
  });
}

TEST_CASE("queues: at least one, names unique, the queue checked as CreateQueue checks it") {
  CheckRefusals({
      {"empty list", [](Json& j) { j["queues"] = Json::array(); }, "queues: must not be empty"},
      {"no list", [](Json& j) { j.erase("queues"); }, "queues: required"},
      {"duplicate, short and full",
       [](Json& j) {
         j["queues"].push_back(Queue0(j));
         j["queues"][1]["queue"]["name"] = "projects/emulator/locations/us-central1/queues/q";
       },
       "queues[1].queue.name: duplicates queues[0].queue.name"},
      {"duplicate ID in another project",
       [](Json& j) {
         j["queues"].push_back(Queue0(j));
         j["queues"][1]["queue"]["name"] = "projects/other/locations/us-central1/queues/q";
       },
       "queues[1].queue.name: duplicates queues[0].queue.name"},
      {"no queue", [](Json& j) { Queue0(j).erase("queue"); }, "queues[0].queue: required"},
      {"no queue name", [](Json& j) { Queue0(j)["queue"].erase("name"); },
       "queues[0].queue.name: required"},
      {"bad short name", [](Json& j) { Queue0(j)["queue"]["name"] = "my_queue"; },
       "queues[0].queue.name: Queue name must be formatted: "
       "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>\"."},
      {"bad full name", [](Json& j) { Queue0(j)["queue"]["name"] = "projects/p/queues/q"; },
       "queues[0].queue.name: Queue name must be formatted: "
       "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>\"."},
      {"a limit",
       [](Json& j) { Queue0(j)["queue"]["rateLimits"]["maxConcurrentDispatches"] = 5001; },
       "queues[0].queue: RateLimits.maxConcurrentDispatches must be less than or equal to 5000."},
      {"against a default: minBackoff over the default maxBackoff of 3600s",
       [](Json& j) { Queue0(j)["queue"]["retryConfig"]["minBackoff"] = "3601s"; },
       "queues[0].queue: RetryConfig.minBackoff must be less than or equal to "
       "RetryConfig.maxBackoff."},
  });
}

TEST_CASE("task template: CreateTask's ranges") {
  CheckRefusals({
      {"deadline below 15s", [](Json& j) { Queue0(j)["task"]["dispatchDeadline"] = "14.999s"; },
       "queues[0].task.dispatchDeadline: must be between 15s and 1800s"},
      {"deadline over 30m", [](Json& j) { Queue0(j)["task"]["dispatchDeadline"] = "1801s"; },
       "queues[0].task.dispatchDeadline: must be between 15s and 1800s"},
      {"negative body", [](Json& j) { Queue0(j)["task"]["bodyBytes"] = -1; },
       "queues[0].task.bodyBytes: must not be negative"},
      {"body over a task's size", [](Json& j) { Queue0(j)["task"]["bodyBytes"] = 1048570; },
       "queues[0].task.bodyBytes: must be at most 1048569"},
      {"schedule delay over 720h", [](Json& j) { Queue0(j)["task"]["scheduleDelay"] = "2592001s"; },
       "queues[0].task.scheduleDelay: must be at most 2592000s"},
  });
  Json j = Minimal();
  Queue0(j)["task"]["dispatchDeadline"] = "15s";
  CHECK(ReadScenario(j.dump(), "").ok());
  Queue0(j)["task"]["dispatchDeadline"] = "1800s";
  CHECK(ReadScenario(j.dump(), "")->queues[0].task.dispatch_deadline == seconds(1800));
}

TEST_CASE("worker: latency shapes, failures and outages") {
  CheckRefusals({
      {"two latency shapes",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] =
             Json::parse(R"({"fixed": "1s", "uniform": ["0s", "1s"]})");
       },
       "queues[0].worker.latency: give one of fixed, uniform or lognormal"},
      {"no latency shape", [](Json& j) { Queue0(j)["worker"]["latency"] = Json::object(); },
       "queues[0].worker.latency: give one of fixed, uniform or lognormal"},
      {"uniform min over max",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] = Json::parse(R"({"uniform": ["2s", "1s"]})");
       },
       "queues[0].worker.latency.uniform: min is greater than max"},
      {"uniform of three",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] = Json::parse(R"({"uniform": ["1s", "2s", "3s"]})");
       },
       "queues[0].worker.latency.uniform: must be [MIN, MAX]"},
      {"lognormal p99 under p50",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] =
             Json::parse(R"({"lognormal": {"p50": "2s", "p99": "1s"}})");
       },
       "queues[0].worker.latency.lognormal.p99: must not be less than p50"},
      {"lognormal p50 of 0",
       [](Json& j) {
         Queue0(j)["worker"]["latency"] =
             Json::parse(R"({"lognormal": {"p50": "0s", "p99": "1s"}})");
       },
       "queues[0].worker.latency.lognormal.p50: must be greater than 0"},
      {"probability over 1",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500, "probability": 0.1},
                                                          {"status": 503, "probability": 1.5}])");
       },
       "queues[0].worker.failures[1].probability: must be between 0 and 1"},
      {"probability under 0",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500, "probability": -0.1}])");
       },
       "queues[0].worker.failures[0].probability: must be between 0 and 1"},
      {"probabilities over 1 in all",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500, "probability": 0.6},
                                                          {"status": "reset", "probability": 0.5}])");
       },
       "queues[0].worker.failures: probabilities add up to more than 1"},
      {"status 600",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 600, "probability": 0.1}])");
       },
       "queues[0].worker.failures[0].status: must be an HTTP status between 100 and 599"},
      {"status word",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] =
             Json::parse(R"([{"status": "hang", "probability": 0.1}])");
       },
       "queues[0].worker.failures[0].status: must be an HTTP status, \"timeout\" or \"reset\""},
      {"failure without probability",
       [](Json& j) { Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500}])"); },
       "queues[0].worker.failures[0].probability: required"},
      {"retryAfter on 500",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] =
             Json::parse(R"([{"status": 500, "probability": 0.1, "retryAfter": "1s"}])");
       },
       "queues[0].worker.failures[0].retryAfter: only with status 429 or 503"},
      {"retryAfter on a timeout",
       [](Json& j) {
         Queue0(j)["worker"]["failures"] =
             Json::parse(R"([{"status": "timeout", "probability": 0.1, "retryAfter": "1s"}])");
       },
       "queues[0].worker.failures[0].retryAfter: only with status 429 or 503"},
      {"overlapping outages",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "300s", "to": "900s", "status": 503},
                                                         {"from": "100s", "to": "301s", "refuse": true}])");
       },
       "queues[0].worker.outages[1]: overlaps queues[0].worker.outages[0]"},
      {"outage ending at its start",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "300s", "to": "300s", "status": 503}])");
       },
       "queues[0].worker.outages[0].to: must be after from"},
      {"outage status 99",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "status": 99}])");
       },
       "queues[0].worker.outages[0].status: must be an HTTP status between 100 and 599"},
      {"outage status and refuse",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "status": 503, "refuse": true}])");
       },
       "queues[0].worker.outages[0]: give one of status or refuse"},
      {"outage refuse false",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "refuse": false}])");
       },
       "queues[0].worker.outages[0].refuse: must be true"},
      {"outage timeout",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "status": "timeout"}])");
       },
       "queues[0].worker.outages[0].status: must be an HTTP status between 100 and 599"},
      {"retryAfter on a refusal",
       [](Json& j) {
         Queue0(j)["worker"]["outages"] =
             Json::parse(R"([{"from": "0s", "to": "1s", "refuse": true, "retryAfter": "1s"}])");
       },
       "queues[0].worker.outages[0].retryAfter: only with status 429 or 503"},
  });
}

TEST_CASE("probabilities that add up to 1 within rounding are accepted") {
  Json j = Minimal();
  // 0.2 + 0.4 + 0.3 + 0.1, added in this order, is 1.0000000000000002 in doubles.
  Queue0(j)["worker"]["failures"] = Json::parse(R"([{"status": 500, "probability": 0.2},
      {"status": 502, "probability": 0.4}, {"status": 503, "probability": 0.3},
      {"status": 504, "probability": 0.1}])");
  double sum = 0;
  for (double p : {0.2, 0.4, 0.3, 0.1}) sum += p;
  REQUIRE(sum > 1);
  CHECK(ReadScenario(j.dump(), "").ok());
}

TEST_CASE("until, cloudTasks and malformed JSON") {
  CheckRefusals({
      {"until a word", [](Json& j) { j["until"] = "forever"; },
       "until: must be \"drained\" or a positive duration of at most 31536000s"},
      {"until 0s", [](Json& j) { j["until"] = "0s"; },
       "until: must be \"drained\" or a positive duration of at most 31536000s"},
      {"until negative", [](Json& j) { j["until"] = "-5s"; },
       "until: must be \"drained\" or a positive duration of at most 31536000s"},
      {"duplicate rate over 1", [](Json& j) { j["cloudTasks"]["duplicateRate"] = 1.01; },
       "cloudTasks.duplicateRate: must be between 0 and 1"},
      {"extra delay of two shapes",
       [](Json& j) {
         j["cloudTasks"]["extraDelay"] = Json::parse(R"({"fixed": "1s", "lognormal": {}})");
       },
       "cloudTasks.extraDelay: give one of fixed, uniform or lognormal"},
  });
  CHECK(Refusal("{\"name\": \"x\",\n \"queues\": [}") ==
        "parse error at line 2, column 13: syntax error while parsing value - unexpected '}'; "
        "expected '[', '{', or a literal");
  CHECK(Refusal("") ==
        "parse error at line 1, column 1: syntax error while parsing value - unexpected end of "
        "input; expected '[', '{', or a literal");
  CHECK(Refusal("[]") == "the scenario must be a JSON object");
}

TEST_CASE("CSV arrivals are read from the scenario's folder, line by line") {
  testing::TempDir dir;
  WriteFile(dir.File("day.csv"), "2\r\n0.5\n\n  0.000001 \n");
  WriteFile(dir.File("bad.csv"), "1\n2\n3x\n");
  WriteFile(dir.File("negative.csv"), "1\n-2\n");
  WriteFile(dir.File("empty.csv"), "\n\n");
  auto with_csv = [](const std::string& file) {
    Json j = Minimal();
    Queue0(j)["arrivals"] = Json::array({{{"at", "5s"}, {"csv", file}}});
    return j.dump();
  };
  core::Result<Scenario> read = ReadScenario(with_csv("day.csv"), dir.File(""));
  REQUIRE(read.ok());
  const auto& csv = std::get<ArrivalPhase::Csv>(read->queues[0].arrivals[0].shape);
  CHECK(csv.path == dir.File("day.csv"));
  CHECK(csv.offsets == std::vector<core::Duration>{microseconds(1), milliseconds(500), seconds(2)});
  CHECK(Refusal(with_csv("x.csv"), dir.File("")) ==
        "queues[0].arrivals[0].csv: cannot read \"x.csv\": No such file or directory");
  CHECK(Refusal(with_csv("bad.csv"), dir.File("")) ==
        "queues[0].arrivals[0].csv: \"bad.csv\" line 3: \"3x\" is not a number of seconds "
        "between 0 and 31536000");
  CHECK(Refusal(with_csv("negative.csv"), dir.File("")) ==
        "queues[0].arrivals[0].csv: \"negative.csv\" line 2: \"-2\" is not a number of seconds "
        "between 0 and 31536000");
  CHECK(Refusal(with_csv("empty.csv"), dir.File("")) ==
        "queues[0].arrivals[0].csv: \"empty.csv\" has no arrival offsets");
  // An absolute path ignores the base folder.
  CHECK(ReadScenario(with_csv(dir.File("day.csv")), "/nonexistent").ok());
}

TEST_CASE("ReadScenarioFile reads CSV files next to the scenario") {
  testing::TempDir dir;
  WriteFile(dir.File("arrivals.csv"), "0\n1.5\n");
  Json j = Minimal();
  Queue0(j)["arrivals"] = Json::array({{{"csv", "arrivals.csv"}}});
  WriteFile(dir.File("scenario.json"), j.dump());
  core::Result<Scenario> read = ReadScenarioFile(dir.File("scenario.json"));
  REQUIRE(read.ok());
  CHECK(std::get<ArrivalPhase::Csv>(read->queues[0].arrivals[0].shape).offsets ==
        std::vector<core::Duration>{seconds(0), milliseconds(1500)});
  core::Result<Scenario> missing = ReadScenarioFile(dir.File("nope.json"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "cannot read scenario \"" + dir.File("nope.json") + "\": No such file or directory");
}
