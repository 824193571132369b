// The TaskStore contract (core/task_store.h and the tables it aggregates), run over every store
// set-up. Expected values come from the headers' comments and the round-trip rules the stores
// share: times and durations kept at microseconds, truncated toward zero.
#include "support/store_setups.h"

// The store set-ups under test come first; the cases below see only core::TaskStore.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/time_util.h"

using namespace cte;
using namespace std::chrono;
using core::AttemptLogEntry;
using core::Task;
using core::TimePoint;
using Outcome = core::AttemptLogEntry::Outcome;
using namespace cte::testing;  // The store set-ups, RunningQueue and HttpTask.

namespace {

const TimePoint kNow = kStoreNow;
const std::string kQ = "projects/p/locations/l/queues/q";
const std::string kQ2 = "projects/p/locations/l/queues/q2";  // kQ is a prefix of its name.
const std::string kR = "projects/p/locations/l/queues/r";

std::string TaskName(const std::string& queue, const std::string& id) {
  return queue + "/tasks/" + id;
}

// A store with a transaction open.
template <typename Db>
struct Fixture {
  Fixture() { REQUIRE(store->Begin().ok()); }
  // Commits, reopens a set-up that persists, and begins the next transaction.
  void NextTransaction() {
    REQUIRE(store->Commit().ok());
    if constexpr (Db::kPersists) {
      store.reset();
      store = db.OpenStore();
    }
    REQUIRE(store->Begin().ok());
  }
  core::QueueTable& queues() { return store->queues(); }
  core::TaskTable& tasks() { return store->tasks(); }
  core::AttemptTable& attempts() { return store->attempts(); }
  core::PolicyTable& policies() { return store->policies(); }

  Db db;
  std::unique_ptr<core::TaskStore> store = db.OpenStore();
};

template <typename T>
T Must(core::Result<T> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}
void Must(const core::Status& s) { REQUIRE_MESSAGE(s.ok(), s.ToString()); }

core::Queue BareQueue(const std::string& name) {
  core::Queue q;
  q.name = name;
  return q;
}

// Every field set, times and durations with parts below a microsecond.
core::Queue FullQueue(const std::string& name) {
  core::Queue q;
  q.name = name;
  q.app_engine_routing_override = core::AppEngineRouting{"svc", "v2", "i3", "host.example"};
  q.rate_limits = {250.5, 42, 17};
  q.retry_config = {7, seconds(1800) + nanoseconds(999), milliseconds(100) + nanoseconds(1500),
                    seconds(3600), 5};
  q.state = core::QueueState::kPaused;
  q.purge_time = kNow + nanoseconds(2999);
  q.stackdriver_logging_config = core::StackdriverLoggingConfig{0.25};
  return q;
}

Task AppEngineTask(const std::string& name, TimePoint schedule) {
  Task t;
  t.name = name;
  t.app_engine_http_request = core::AppEngineHttpRequest{core::HttpMethod::kGet,
                                                         core::AppEngineRouting{"s", "v", "i", ""},
                                                         "/run?x=1",
                                                         {{"X-AE", "yes"}},
                                                         "ae body"};
  t.schedule_time = schedule;
  t.create_time = kNow;
  t.dispatch_deadline = seconds(60);
  return t;
}

std::vector<std::string> Names(const std::vector<Task>& tasks) {
  std::vector<std::string> out;
  for (const Task& t : tasks) out.push_back(t.name);
  return out;
}

std::vector<std::string> Names(const std::vector<core::Queue>& queues) {
  std::vector<std::string> out;
  for (const core::Queue& q : queues) out.push_back(q.name);
  return out;
}

Task WithoutBody(Task t) {
  if (t.http_request) t.http_request->body.clear();
  if (t.app_engine_http_request) t.app_engine_http_request->body.clear();
  return t;
}

AttemptLogEntry Entry(const std::string& queue, const std::string& task, int attempt,
                      Outcome outcome) {
  AttemptLogEntry e;
  e.queue = queue;
  e.task = task;
  e.attempt = attempt;
  e.schedule_time = kNow;
  e.dispatch_time = kNow + seconds(1);
  e.method = "POST";
  e.url = "http://w/" + task;
  e.headers = {{"X-CloudTasks-TaskName", task}};
  e.outcome = outcome;
  return e;
}

std::string Describe(const std::optional<TimePoint>& t) {
  return t ? core::FormatTimestamp(*t) : "-";
}

// Every field of an entry, for comparisons that show what differs.
std::string Describe(const AttemptLogEntry& e) {
  std::string out = std::to_string(e.id) + " " + e.queue + " " + e.task + " #" +
                    std::to_string(e.attempt) + " " + Describe(e.schedule_time) + " " +
                    Describe(e.dispatch_time) + " " + Describe(e.response_time) + " " + e.method +
                    " " + e.url + " [";
  for (const auto& [k, v] : e.headers) out += k + "=" + v + ";";
  out += "] " + std::to_string(static_cast<int>(e.outcome)) + " " + std::to_string(e.http_status) +
         " '" + e.error + "' " + std::to_string(e.latency.count()) + "ns" +
         (e.duplicate ? " duplicate" : "");
  return out;
}

std::vector<std::string> Describe(const std::vector<AttemptLogEntry>& entries) {
  std::vector<std::string> out;
  for (const AttemptLogEntry& e : entries) out.push_back(Describe(e));
  return out;
}

std::vector<int64_t> Ids(const std::vector<AttemptLogEntry>& entries) {
  std::vector<int64_t> out;
  for (const AttemptLogEntry& e : entries) out.push_back(e.id);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Queues.

TEST_CASE_TEMPLATE("a queue with every field set reads back at microseconds, host left out", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(FullQueue(kQ)));
  f.NextTransaction();
  core::Queue expected;
  expected.name = kQ;
  expected.app_engine_routing_override = core::AppEngineRouting{"svc", "v2", "i3", ""};
  expected.rate_limits = {250.5, 42, 17};
  expected.retry_config = {7, seconds(1800), milliseconds(100) + microseconds(1), seconds(3600), 5};
  expected.state = core::QueueState::kPaused;
  expected.purge_time = kNow + microseconds(2);
  expected.stackdriver_logging_config = core::StackdriverLoggingConfig{0.25};
  auto found = Must(f.queues().Find(kQ));
  REQUIRE(found.has_value());
  CHECK(*found == expected);
}

// Every part of Queue.httpTarget set, in a header order a map would change, and with empty path
// and query overrides (which remove the task's path and query, so must stay apart from unset).
core::HttpTarget FullHttpTarget() {
  core::HttpTarget t;
  t.uri_override = core::UriOverride{core::UriScheme::kHttp,
                                     "worker.example",
                                     8443,
                                     "",
                                     "a=1&b=2",
                                     core::UriOverrideEnforceMode::kIfNotExists};
  t.http_method = core::HttpMethod::kPut;
  t.header_overrides = {{"X-Z", "last"}, {"X-A", ""}, {"Content-Type", "application/json"}};
  t.oidc_token = core::OidcToken{"sa@p.iam.gserviceaccount.com", "https://aud.example"};
  return t;
}

TEST_CASE_TEMPLATE("a queue's httpTarget reads back as set, and Put replaces or removes it", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  core::Queue q = BareQueue(kQ);
  q.http_target = FullHttpTarget();
  Must(f.queues().Put(q));
  core::Queue r = BareQueue(kR);
  r.http_target.emplace().oauth_token = core::OAuthToken{"sa@x", "scope"};
  r.http_target->uri_override.emplace();  // A uriOverride with nothing set is still one.
  Must(f.queues().Put(r));
  f.NextTransaction();
  CHECK(Must(f.queues().Find(kQ)) == std::optional<core::Queue>(q));
  CHECK(Must(f.queues().Find(kR)) == std::optional<core::Queue>(r));
  CHECK(Must(f.queues().List("", "", 10)).at(0).http_target == q.http_target);
  q.http_target.reset();
  Must(f.queues().Put(q));
  f.NextTransaction();
  CHECK_FALSE(Must(f.queues().Find(kQ))->http_target.has_value());
}

TEST_CASE_TEMPLATE("CMEK keys are kept per location, removed by an empty key, undone by rollback",
                   Db, CTE_STORES) {
  Fixture<Db> f;
  const std::string loc = "projects/p/locations/l";
  const std::string key = "projects/k/locations/l/keyRings/r/cryptoKeys/c";
  CHECK(Must(f.queues().GetKmsKey(loc)).empty());
  Must(f.queues().PutKmsKey(loc, key));
  Must(f.queues().PutKmsKey("projects/p/locations/m", "other"));
  Must(f.queues().Put(RunningQueue(kQ)));
  f.NextTransaction();
  CHECK(Must(f.queues().GetKmsKey(loc)) == key);
  Must(f.queues().Delete(kQ));  // The location's key stays when its queues go.
  Must(f.queues().PutKmsKey(loc, ""));
  f.NextTransaction();
  CHECK(Must(f.queues().GetKmsKey(loc)).empty());
  CHECK(Must(f.queues().GetKmsKey("projects/p/locations/m")) == "other");
  Must(f.queues().PutKmsKey(loc, key));
  Must(f.queues().DeleteAllKmsKeys());
  CHECK(Must(f.queues().GetKmsKey("projects/p/locations/m")).empty());
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK(Must(f.queues().GetKmsKey(loc)).empty());
  CHECK(Must(f.queues().GetKmsKey("projects/p/locations/m")) == "other");
  Must(f.queues().DeleteAllKmsKeys());
  f.NextTransaction();
  CHECK(Must(f.queues().GetKmsKey("projects/p/locations/m")).empty());
}

TEST_CASE_TEMPLATE("a queue with no field set reads back empty, a missing one as absent", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(BareQueue(kQ)));
  f.NextTransaction();
  auto found = Must(f.queues().Find(kQ));
  REQUIRE(found.has_value());
  CHECK(*found == BareQueue(kQ));
  CHECK_FALSE(Must(f.queues().Find(kR)).has_value());
}

TEST_CASE_TEMPLATE("Put replaces a queue's settings and keeps its tasks and policy", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(FullQueue(kQ)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  Must(f.policies().Put(kQ, "{\"etag\":\"BwX\"}"));
  f.NextTransaction();
  Must(f.queues().Put(RunningQueue(kQ)));  // No routing, logging or purge time any more.
  f.NextTransaction();
  CHECK(*Must(f.queues().Find(kQ)) == RunningQueue(kQ));
  CHECK(Must(f.tasks().Count(kQ)) == 1);
  CHECK(Must(f.policies().Get(kQ)) == "{\"etag\":\"BwX\"}");
}

TEST_CASE_TEMPLATE("queues are listed by prefix, after a name, in name order", Db, CTE_STORES) {
  Fixture<Db> f;
  const std::string l = "projects/p/locations/l/queues/";
  for (const std::string& name :
       std::vector<std::string>{l + "c", "projects/p2/locations/l/queues/a", l + "a",
                                "projects/p/locations/m/queues/a", l + "b"}) {
    Must(f.queues().Put(RunningQueue(name)));
  }
  f.NextTransaction();
  CHECK(Names(Must(f.queues().List(l, "", 2))) == std::vector<std::string>{l + "a", l + "b"});
  CHECK(Names(Must(f.queues().List(l, l + "b", 2))) == std::vector<std::string>{l + "c"});
  CHECK(Must(f.queues().List(l, l + "c", 2)).empty());
  CHECK(Names(Must(f.queues().List(l, l + "a", 100))) ==
        std::vector<std::string>{l + "b", l + "c"});
  // `after` sorting before the prefix ('/' sorts before '2').
  CHECK(Names(Must(f.queues().List("projects/p/locations/m/", "projects/a", 100))) ==
        std::vector<std::string>{"projects/p/locations/m/queues/a"});
  CHECK(Names(Must(f.queues().List("", "", 100))) ==
        std::vector<std::string>{l + "a", l + "b", l + "c", "projects/p/locations/m/queues/a",
                                 "projects/p2/locations/l/queues/a"});
  CHECK(Must(f.queues().List("projects/none/", "", 100)).empty());
  auto full = Must(f.queues().List(l, "", 1));
  REQUIRE(full.size() == 1);
  CHECK(full[0] == RunningQueue(l + "a"));
}

TEST_CASE_TEMPLATE("the locations of a project are the distinct prefixes of its queues, sorted", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  for (const char* name :
       {"projects/p/locations/us-east1/queues/a", "projects/p/locations/europe-west1/queues/b",
        "projects/p/locations/us-east1/queues/c", "projects/p2/locations/asia-east1/queues/d"}) {
    Must(f.queues().Put(BareQueue(name)));
  }
  f.NextTransaction();
  CHECK(Must(f.queues().ListLocations("p")) ==
        std::vector<std::string>{"projects/p/locations/europe-west1",
                                 "projects/p/locations/us-east1"});
  CHECK(Must(f.queues().ListLocations("p2")) ==
        std::vector<std::string>{"projects/p2/locations/asia-east1"});
  CHECK(Must(f.queues().ListLocations("none")).empty());
}

TEST_CASE_TEMPLATE("deleting a queue takes its tasks, task tombstones and policy, nothing else", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  for (const std::string& q : {kQ, kQ2}) {
    Must(f.queues().Put(RunningQueue(q)));
    REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(q, "a"), kNow))));
    Must(f.tasks().PutTombstone(TaskName(q, "old"), kNow + hours(1)));
    Must(f.policies().Put(q, "policy of " + q));
  }
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow))));
  f.NextTransaction();
  Must(f.queues().Delete(kQ));
  f.NextTransaction();
  CHECK_FALSE(Must(f.queues().Find(kQ)).has_value());
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kQ, "a"))).has_value());
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "old"), kNow)));
  CHECK(Must(f.policies().Get(kQ)).empty());
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  // The queue whose name kQ prefixes keeps everything.
  CHECK(Must(f.queues().Find(kQ2)).has_value());
  CHECK(Must(f.tasks().Find(TaskName(kQ2, "a"))).has_value());
  CHECK(Must(f.tasks().HasTombstone(TaskName(kQ2, "old"), kNow)));
  CHECK(Must(f.policies().Get(kQ2)) == "policy of " + kQ2);
  // Created again, the queue starts empty.
  Must(f.queues().Put(RunningQueue(kQ)));
  f.NextTransaction();
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  CHECK(Must(f.tasks().List(kQ, 0, 10, true)).tasks.empty());
  CHECK(Must(f.policies().Get(kQ)).empty());
  Must(f.queues().Delete("projects/p/locations/l/queues/missing"));  // A no-op.
}

TEST_CASE_TEMPLATE("queue tombstones block a name until they expire", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().PutTombstone(kQ, kNow + seconds(10)));
  f.NextTransaction();
  CHECK(Must(f.queues().HasTombstone(kQ, kNow)));
  CHECK(Must(f.queues().HasTombstone(kQ, kNow + seconds(10) - microseconds(1))));
  CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow + seconds(10))));
  CHECK_FALSE(Must(f.queues().HasTombstone(kR, kNow)));
  SUBCASE("a second Put replaces the expiry") {
    Must(f.queues().PutTombstone(kQ, kNow + seconds(5)));
    f.NextTransaction();
    CHECK(Must(f.queues().HasTombstone(kQ, kNow + seconds(4))));
    CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow + seconds(6))));
  }
  SUBCASE("DeleteTombstone forgets one name") {
    Must(f.queues().PutTombstone(kR, kNow + seconds(10)));
    Must(f.queues().DeleteTombstone(kQ));
    Must(f.queues().DeleteTombstone("projects/p/locations/l/queues/never"));
    f.NextTransaction();
    CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow)));
    CHECK(Must(f.queues().HasTombstone(kR, kNow)));
  }
  SUBCASE("DeleteAllTombstones forgets queue tombstones, not task tombstones") {
    Must(f.queues().Put(BareQueue(kR)));
    Must(f.queues().PutTombstone(kR, kNow + seconds(10)));
    Must(f.tasks().PutTombstone(TaskName(kR, "t"), kNow + seconds(10)));
    Must(f.queues().DeleteAllTombstones());
    f.NextTransaction();
    CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow)));
    CHECK_FALSE(Must(f.queues().HasTombstone(kR, kNow)));
    CHECK(Must(f.tasks().HasTombstone(TaskName(kR, "t"), kNow)));
  }
  SUBCASE("DeleteExpiredTombstones forgets those expiring at or before now, queues only") {
    Must(f.queues().PutTombstone(kR, kNow + seconds(11)));
    Must(f.tasks().PutTombstone(TaskName(kR, "t"), kNow + seconds(1)));
    Must(f.queues().DeleteExpiredTombstones(kNow + seconds(10)));
    f.NextTransaction();
    CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow)));  // Expired at 10 s: gone.
    CHECK(Must(f.queues().HasTombstone(kR, kNow)));
    CHECK(Must(f.tasks().HasTombstone(TaskName(kR, "t"), kNow)));
  }
}

TEST_CASE_TEMPLATE("tombstone times are compared at microseconds", Db, CTE_STORES) {
  Fixture<Db> f;
  // Kept as kNow + 1 µs; `now` is truncated the same way.
  Must(f.queues().PutTombstone(kQ, kNow + nanoseconds(1500)));
  Must(f.tasks().PutTombstone(TaskName(kQ, "t"), kNow + nanoseconds(1500)));
  f.NextTransaction();
  CHECK(Must(f.queues().HasTombstone(kQ, kNow + nanoseconds(999))));
  CHECK_FALSE(Must(f.queues().HasTombstone(kQ, kNow + nanoseconds(1200))));
  CHECK(Must(f.tasks().HasTombstone(TaskName(kQ, "t"), kNow + nanoseconds(999))));
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "t"), kNow + nanoseconds(1200))));
}

// ---------------------------------------------------------------------------------------------
// Tasks: what is kept.

TEST_CASE_TEMPLATE("an HTTP task with every field set reads back at microseconds", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task t;
  t.name = TaskName(kQ, "full");
  t.http_request = core::HttpRequest{"https://worker.example/run?x=1",
                                     core::HttpMethod::kPut,
                                     {{"Content-Type", "application/json"}, {"X-Custom", "a b"}},
                                     std::string("{\"k\":\0}", 7),
                                     core::OAuthToken{"sa@p.iam", "https://scope"},
                                     std::nullopt};
  t.schedule_time = kNow + seconds(30) + nanoseconds(1500);
  t.create_time = kNow + nanoseconds(999);
  t.dispatch_deadline = seconds(600) + nanoseconds(1999);
  REQUIRE(Must(f.tasks().Insert(t)));
  f.NextTransaction();
  Task expected = t;
  expected.schedule_time = kNow + seconds(30) + microseconds(1);
  expected.create_time = kNow;
  expected.dispatch_deadline = seconds(600) + microseconds(1);
  CHECK(Must(f.tasks().Find(t.name)) == expected);
}

TEST_CASE_TEMPLATE("an OIDC token, and times before the epoch, are kept", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task t = HttpTask(TaskName(kQ, "oidc"), TimePoint() - nanoseconds(1500));
  REQUIRE(Must(f.tasks().Insert(t)));
  f.NextTransaction();
  Task expected = t;
  expected.schedule_time = TimePoint() - microseconds(1);  // Truncated toward zero.
  CHECK(Must(f.tasks().Find(t.name)) == expected);
}

TEST_CASE_TEMPLATE("an App Engine task reads back with its routing's host left out", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task routed = AppEngineTask(TaskName(kQ, "routed"), kNow);
  routed.app_engine_http_request->app_engine_routing->host = "s.v.example";
  Task unrouted = AppEngineTask(TaskName(kQ, "unrouted"), kNow);
  unrouted.app_engine_http_request->app_engine_routing.reset();
  REQUIRE(Must(f.tasks().Insert(routed)));
  REQUIRE(Must(f.tasks().Insert(unrouted)));
  f.NextTransaction();
  CHECK(Must(f.tasks().Find(routed.name)) == AppEngineTask(routed.name, kNow));
  CHECK(Must(f.tasks().Find(unrouted.name)) == unrouted);
}

TEST_CASE_TEMPLATE("a task with no field set reads back with its times at the epoch", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task http;
  http.name = TaskName(kQ, "http");
  http.http_request = core::HttpRequest{};
  Task ae;
  ae.name = TaskName(kQ, "ae");
  ae.app_engine_http_request = core::AppEngineHttpRequest{};
  REQUIRE(Must(f.tasks().Insert(http)));
  REQUIRE(Must(f.tasks().Insert(ae)));
  f.NextTransaction();
  for (Task expected : {http, ae}) {
    expected.schedule_time = TimePoint();
    expected.create_time = TimePoint();
    CHECK(Must(f.tasks().Find(expected.name)) == expected);
  }
}

TEST_CASE_TEMPLATE("Insert starts the dispatch state at zero and does not keep the view", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task t = HttpTask(TaskName(kQ, "a"), kNow);
  t.dispatch_count = 3;
  t.response_count = 2;
  t.first_attempt = core::Attempt{kNow, kNow, kNow, core::RpcStatus{5, "x"}};
  t.last_attempt = core::Attempt{kNow, kNow, kNow, core::RpcStatus{5, "x"}};
  t.view = core::TaskView::kFull;
  t.execution_count = 1;
  t.previous_response = 503;
  REQUIRE(Must(f.tasks().Insert(t)));
  f.NextTransaction();
  CHECK(Must(f.tasks().Find(t.name)) == HttpTask(t.name, kNow));
}

TEST_CASE_TEMPLATE("Insert of an existing name returns false and writes nothing", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task first = HttpTask(TaskName(kQ, "a"), kNow);
  REQUIRE(Must(f.tasks().Insert(first)));
  f.NextTransaction();
  Task second = HttpTask(first.name, kNow - hours(1));
  second.http_request->url = "http://other/";
  CHECK_FALSE(Must(f.tasks().Insert(second)));
  CHECK_FALSE(Must(f.tasks().Insert(AppEngineTask(first.name, kNow))));
  f.NextTransaction();
  CHECK(Must(f.tasks().Find(first.name)) == first);
  CHECK(Must(f.tasks().Count(kQ)) == 1);
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow);
  CHECK(Names(Must(f.tasks().List(kQ, 0, 10, false)).tasks) ==
        std::vector<std::string>{first.name});
}

TEST_CASE_TEMPLATE("Delete reports whether a task was deleted", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow))));
  f.NextTransaction();
  CHECK(Must(f.tasks().Delete(TaskName(kQ, "a"))));
  f.NextTransaction();
  CHECK_FALSE(Must(f.tasks().Delete(TaskName(kQ, "a"))));
  CHECK_FALSE(Must(f.tasks().Delete(TaskName(kR, "a"))));  // Its queue does not exist.
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kQ, "a"))).has_value());
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kR, "a"))).has_value());
  CHECK(Must(f.tasks().Count(kQ)) == 1);
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "a"), kNow)));  // Only Put writes one.
}

TEST_CASE_TEMPLATE("DeleteAttempted deletes a task only at that dispatch count", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  core::Task a = HttpTask(TaskName(kQ, "a"), kNow);
  REQUIRE(Must(f.tasks().Insert(a)));
  a.dispatch_count = 2;
  REQUIRE(Must(f.tasks().UpdateState(a, true)));
  f.NextTransaction();
  CHECK_FALSE(Must(f.tasks().DeleteAttempted(a.name, 1)));  // Sent again since.
  CHECK_FALSE(Must(f.tasks().DeleteAttempted(TaskName(kQ, "b"), 2)));
  CHECK_FALSE(Must(f.tasks().DeleteAttempted(TaskName(kR, "a"), 2)));  // No such queue.
  CHECK(Must(f.tasks().Count(kQ)) == 1);
  CHECK(Must(f.tasks().DeleteAttempted(a.name, 2)));
  f.NextTransaction();
  CHECK_FALSE(Must(f.tasks().Find(a.name)).has_value());
  CHECK(Must(f.tasks().Count(kQ)) == 0);
}

TEST_CASE_TEMPLATE("List pages through a queue's tasks in creation order", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  // Names and schedule times in another order than creation.
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "c"), kNow + seconds(1)))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow))));
  REQUIRE(Must(f.tasks().Insert(AppEngineTask(TaskName(kQ, "a"), kNow + seconds(3)))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow))));
  f.NextTransaction();
  auto first = Must(f.tasks().List(kQ, 0, 2, true));
  CHECK(first.tasks == std::vector<Task>{HttpTask(TaskName(kQ, "c"), kNow + seconds(1)),
                                         AppEngineTask(TaskName(kQ, "a"), kNow + seconds(3))});
  auto second = Must(f.tasks().List(kQ, first.last_position, 2, true));
  CHECK(second.tasks == std::vector<Task>{HttpTask(TaskName(kQ, "b"), kNow)});
  CHECK(second.last_position > first.last_position);
  CHECK(Must(f.tasks().List(kQ, second.last_position, 2, true)).tasks.empty());

  auto basic = Must(f.tasks().List(kQ, 0, 10, false));
  CHECK(basic.tasks ==
        std::vector<Task>{WithoutBody(HttpTask(TaskName(kQ, "c"), kNow + seconds(1))),
                          WithoutBody(AppEngineTask(TaskName(kQ, "a"), kNow + seconds(3))),
                          WithoutBody(HttpTask(TaskName(kQ, "b"), kNow))});
  CHECK(basic.last_position == second.last_position);
  CHECK(Must(f.tasks().List("projects/p/locations/l/queues/missing", 0, 10, true)).tasks.empty());

  // A name deleted and created again counts as created last.
  REQUIRE(Must(f.tasks().Delete(TaskName(kQ, "c"))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "c"), kNow))));
  f.NextTransaction();
  CHECK(Names(Must(f.tasks().List(kQ, 0, 10, false)).tasks) ==
        std::vector<std::string>{TaskName(kQ, "a"), TaskName(kQ, "b"), TaskName(kQ, "c")});
}

// The dashboard's filter (/emulator/v1/tasks): each task in exactly one state, in creation
// order, a scan that stops at `limit` matches or `max_scan` tasks.
TEST_CASE_TEMPLATE("ListByState pages a queue's tasks by state, scanning a bounded number", Db,
                   CTE_STORES) {
  using core::TaskState;
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "later"), kNow + seconds(60)))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "due"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kR, "other"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "flying"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "failed"), kNow))));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "flying"), kNow), true)));
  Task failed = HttpTask(TaskName(kQ, "failed"), kNow + seconds(10));
  failed.dispatch_count = 1;
  REQUIRE(Must(f.tasks().UpdateState(failed, false)));
  f.NextTransaction();

  auto all = Must(f.tasks().ListByState(kQ, std::nullopt, kNow, 0, 10, 100));
  CHECK(Names(all.tasks) == std::vector<std::string>{TaskName(kQ, "later"), TaskName(kQ, "due"),
                                                     TaskName(kQ, "flying"),
                                                     TaskName(kQ, "failed")});
  CHECK(all.states == std::vector<TaskState>{TaskState::kScheduled, TaskState::kDue,
                                             TaskState::kInFlight, TaskState::kRetrying});
  CHECK_FALSE(all.more);
  CHECK(all.tasks[0] == WithoutBody(HttpTask(TaskName(kQ, "later"), kNow + seconds(60))));
  for (auto [state, name] : {std::pair{TaskState::kScheduled, "later"},
                             {TaskState::kDue, "due"},
                             {TaskState::kInFlight, "flying"},
                             {TaskState::kRetrying, "failed"}}) {
    auto page = Must(f.tasks().ListByState(kQ, state, kNow, 0, 10, 100));
    CHECK(Names(page.tasks) == std::vector<std::string>{TaskName(kQ, name)});
  }
  // Later, the scheduled task is due.
  CHECK(Names(Must(f.tasks().ListByState(kQ, TaskState::kDue, kNow + seconds(60), 0, 10, 100))
                  .tasks) == std::vector<std::string>{TaskName(kQ, "later"), TaskName(kQ, "due")});

  // A full page stops the scan, and so does max_scan: short pages that say there is more.
  auto two = Must(f.tasks().ListByState(kQ, std::nullopt, kNow, 0, 2, 100));
  CHECK(Names(two.tasks) == std::vector<std::string>{TaskName(kQ, "later"), TaskName(kQ, "due")});
  CHECK(two.more);
  auto scanned = Must(f.tasks().ListByState(kQ, TaskState::kRetrying, kNow, 0, 10, 2));
  CHECK(scanned.tasks.empty());
  CHECK(scanned.more);
  auto rest =
      Must(f.tasks().ListByState(kQ, TaskState::kRetrying, kNow, scanned.last_position, 10, 2));
  CHECK(Names(rest.tasks) == std::vector<std::string>{TaskName(kQ, "failed")});
  CHECK_FALSE(rest.more);
  // The last task ends a page exactly: nothing more.
  CHECK_FALSE(Must(f.tasks().ListByState(kQ, TaskState::kRetrying, kNow, 0, 1, 100)).more);
  CHECK(Must(f.tasks().ListByState(kQ2, std::nullopt, kNow, 0, 10, 100)).tasks.empty());
}

// A client that pages while tasks come and go must not miss a new one; a harness that polls
// attempts after the last ID it saw must not miss one either.
TEST_CASE_TEMPLATE("positions and attempt IDs are never reused", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow))));
  CHECK(Must(f.attempts().Insert(Entry(kQ, TaskName(kQ, "a"), 1, Outcome::kInFlight))) == 1);
  CHECK(Must(f.attempts().Insert(Entry(kR, TaskName(kR, "b"), 1, Outcome::kInFlight))) == 2);
  f.NextTransaction();
  int64_t seen = Must(f.tasks().List(kQ, 0, 10, false)).last_position;
  REQUIRE(Must(f.tasks().Delete(TaskName(kQ, "b"))));
  Must(f.attempts().Delete(kR));
  f.NextTransaction();
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "c"), kNow))));
  CHECK(Must(f.attempts().Insert(Entry(kQ, TaskName(kQ, "c"), 1, Outcome::kInFlight))) == 3);
  f.NextTransaction();
  CHECK(Names(Must(f.tasks().List(kQ, seen, 10, false)).tasks) ==
        std::vector<std::string>{TaskName(kQ, "c")});
  CHECK(Ids(Must(f.attempts().List("", "", 2, 10))) == std::vector<int64_t>{3});
}

TEST_CASE_TEMPLATE("Purge deletes a queue's tasks, with tombstones when asked", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  REQUIRE(Must(f.tasks().Insert(AppEngineTask(TaskName(kQ, "b"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow))));
  f.NextTransaction();
  CHECK(Must(f.tasks().Purge(kQ, std::nullopt)) == 2);
  f.NextTransaction();
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kQ, "a"))).has_value());
  CHECK(Must(f.tasks().List(kQ, 0, 10, true)).tasks.empty());
  CHECK(Must(f.tasks().Due(kQ, kNow, 10)).empty());
  CHECK_FALSE(Must(f.tasks().NextScheduleTime(kQ)).has_value());
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "a"), kNow)));
  CHECK(Must(f.tasks().Count(kR)) == 1);
  CHECK(Must(f.tasks().Purge(kQ, std::nullopt)) == 0);
  CHECK(Must(f.tasks().Purge("projects/p/locations/l/queues/missing", kNow)) == 0);

  // The names can be used again; a purge with tombstones blocks them, replacing older ones.
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  Must(f.tasks().PutTombstone(TaskName(kQ, "a"), kNow + hours(5)));
  f.NextTransaction();
  CHECK(Must(f.tasks().Purge(kQ, kNow + hours(1))) == 1);
  f.NextTransaction();
  CHECK(Must(f.tasks().HasTombstone(TaskName(kQ, "a"), kNow + hours(1) - microseconds(1))));
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "a"), kNow + hours(1))));
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "b"), kNow)));
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kR, "r"), kNow)));
  CHECK(Must(f.tasks().Count(kR)) == 1);
}

TEST_CASE_TEMPLATE("Count follows every write, and its rollback, without reading the tasks", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  for (const char* id : {"a", "b", "c"}) {
    REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, id), kNow))));
  }
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  f.NextTransaction();  // A store that persists counts them again when it opens.
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  REQUIRE(f.store->BeginSavepoint().ok());
  REQUIRE(Must(f.tasks().Delete(TaskName(kQ, "a"))));
  CHECK_FALSE(Must(f.tasks().Delete(TaskName(kQ, "a"))));
  CHECK(Must(f.tasks().Count(kQ)) == 2);
  REQUIRE(f.store->RollbackSavepoint().ok());
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  // The last queue deleted and made again (a row ID given twice) starts empty.
  Must(f.queues().Delete(kQ));
  Must(f.queues().Put(RunningQueue(kQ)));
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "d"), kNow))));
  CHECK(Must(f.tasks().Count(kQ)) == 1);
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  CHECK(Must(f.tasks().Purge(kQ, std::nullopt)) == 3);
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  f.NextTransaction();
  CHECK(Must(f.tasks().Count(kQ)) == 0);
}

TEST_CASE_TEMPLATE("Count counts a queue's tasks, waiting, in flight or App Engine", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  CHECK(Must(f.tasks().Count(kQ)) == 0);  // No such queue.
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow))));
  REQUIRE(Must(f.tasks().Insert(AppEngineTask(TaskName(kQ, "c"), kNow))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow))));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "b"), kNow), true)));
  f.NextTransaction();
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  CHECK(Must(f.tasks().Count(kR)) == 1);
}

// ---------------------------------------------------------------------------------------------
// Tasks: dispatch.

TEST_CASE_TEMPLATE("Due gives tasks of both kinds not in flight, by schedule time then creation",
                   Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  auto insert = [&](const Task& t) { REQUIRE(Must(f.tasks().Insert(t))); };
  insert(HttpTask(TaskName(kQ, "later"), kNow + seconds(1)));
  insert(HttpTask(TaskName(kQ, "a"), kNow - seconds(2)));
  insert(HttpTask(TaskName(kQ, "b"), kNow - seconds(1)));
  insert(HttpTask(TaskName(kQ, "c"), kNow - seconds(1)));
  insert(HttpTask(TaskName(kQ, "d"), kNow));
  insert(HttpTask(TaskName(kQ, "edge"), kNow + nanoseconds(999)));  // Kept as kNow.
  insert(AppEngineTask(TaskName(kQ, "ae"), kNow - seconds(5)));
  insert(HttpTask(TaskName(kQ, "flying"), kNow - seconds(3)));
  insert(HttpTask(TaskName(kR, "r"), kNow - seconds(10)));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "flying"), kNow - seconds(3)), true)));
  // An App Engine task in flight is not due either.
  REQUIRE(Must(f.tasks().Insert(AppEngineTask(TaskName(kQ, "ae-flying"), kNow - seconds(9)))));
  REQUIRE(Must(
      f.tasks().UpdateState(AppEngineTask(TaskName(kQ, "ae-flying"), kNow - seconds(9)), true)));
  f.NextTransaction();
  auto names = [&](TimePoint now, int limit) { return Names(Must(f.tasks().Due(kQ, now, limit))); };
  std::vector<std::string> all = {TaskName(kQ, "ae"), TaskName(kQ, "a"), TaskName(kQ, "b"),
                                  TaskName(kQ, "c"),  TaskName(kQ, "d"), TaskName(kQ, "edge")};
  CHECK(names(kNow, 10) == all);
  CHECK(names(kNow, 6) == all);
  CHECK(names(kNow, 2) == std::vector<std::string>{TaskName(kQ, "ae"), TaskName(kQ, "a")});
  CHECK(names(kNow, 0).empty());
  CHECK(names(kNow - seconds(1), 10) ==
        std::vector<std::string>{TaskName(kQ, "ae"), TaskName(kQ, "a"), TaskName(kQ, "b"),
                                 TaskName(kQ, "c")});
  CHECK(names(kNow - seconds(1) - microseconds(1), 10) ==
        std::vector<std::string>{TaskName(kQ, "ae"), TaskName(kQ, "a")});
  CHECK(names(kNow - seconds(5) - microseconds(1), 10).empty());
  // kNow - 1 ns is kNow - 1 µs at microseconds: "d" and "edge" are not due yet.
  CHECK(names(kNow - nanoseconds(1), 10).size() == 4);
  CHECK(Names(Must(f.tasks().Due(kR, kNow, 10))) == std::vector<std::string>{TaskName(kR, "r")});
  CHECK(Must(f.tasks().Due("projects/p/locations/l/queues/missing", kNow, 10)).empty());
  // Due tasks come whole, bodies included.
  auto due = Must(f.tasks().Due(kQ, kNow, 2));
  CHECK(due == std::vector<Task>{AppEngineTask(TaskName(kQ, "ae"), kNow - seconds(5)),
                                 HttpTask(TaskName(kQ, "a"), kNow - seconds(2))});
}

TEST_CASE_TEMPLATE("NextScheduleTime is the earliest schedule time of tasks not in flight", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  const std::string missing = "projects/p/locations/l/queues/missing";
  CHECK_FALSE(Must(f.tasks().NextScheduleTime(missing)).has_value());
  Must(f.queues().Put(RunningQueue(kQ)));
  CHECK_FALSE(Must(f.tasks().NextScheduleTime(kQ)).has_value());
  REQUIRE(Must(f.tasks().Insert(AppEngineTask(TaskName(kQ, "ae"), kNow - hours(1)))));
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow - hours(1));
  REQUIRE(Must(f.tasks().UpdateState(AppEngineTask(TaskName(kQ, "ae"), kNow - hours(1)), true)));
  CHECK_FALSE(Must(f.tasks().NextScheduleTime(kQ)).has_value());
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow + nanoseconds(1500)))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow + seconds(10)))));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "flying"), kNow - seconds(5)))));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "flying"), kNow - seconds(5)), true)));
  f.NextTransaction();
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow + microseconds(1));
  REQUIRE(Must(f.tasks().Delete(TaskName(kQ, "b"))));
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow + seconds(10));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "flying"), kNow - seconds(5)), false)));
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow - seconds(5));
  // Moving a task moves the answer.
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "a"), kNow - seconds(6)), false)));
  f.NextTransaction();
  CHECK(Must(f.tasks().NextScheduleTime(kQ)) == kNow - seconds(6));
}

TEST_CASE_TEMPLATE("UpdateState keeps the dispatch state, and only that", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Task base = HttpTask(TaskName(kQ, "a"), kNow);
  REQUIRE(Must(f.tasks().Insert(base)));
  f.NextTransaction();
  Task update = base;
  update.http_request->url = "http://other/";
  update.http_request->body = "changed";
  update.create_time = kNow + hours(1);
  update.dispatch_deadline = seconds(1);
  update.view = core::TaskView::kFull;
  update.schedule_time = kNow + seconds(10) + nanoseconds(1500);
  update.dispatch_count = 4;
  update.response_count = 3;
  update.first_attempt =
      core::Attempt{kNow - hours(1), kNow - hours(1) + nanoseconds(2500),
                    kNow - hours(1) + seconds(1), core::RpcStatus{14, "unavailable"}};
  update.last_attempt =
      core::Attempt{kNow + nanoseconds(1500), kNow + seconds(2) + nanoseconds(999),
                    kNow + seconds(3) + nanoseconds(1000), core::RpcStatus{5, "not found"}};
  update.execution_count = 2;
  update.previous_response = 404;
  REQUIRE(Must(f.tasks().UpdateState(update, false)));
  f.NextTransaction();
  Task expected = base;  // Target, create time and deadline as inserted.
  expected.schedule_time = kNow + seconds(10) + microseconds(1);
  expected.dispatch_count = 4;
  expected.response_count = 3;
  expected.first_attempt =
      core::Attempt{std::nullopt, kNow - hours(1) + microseconds(2), std::nullopt, std::nullopt};
  expected.last_attempt =
      core::Attempt{kNow + microseconds(1), kNow + seconds(2), kNow + seconds(3) + microseconds(1),
                    core::RpcStatus{5, "not found"}};
  expected.execution_count = 2;
  expected.previous_response = 404;
  CHECK(Must(f.tasks().Find(base.name)) == expected);

  // Attempts without a dispatch time are not kept; unset times and statuses stay unset.
  Task again = base;
  again.schedule_time.reset();
  again.first_attempt = core::Attempt{kNow, std::nullopt, kNow, core::RpcStatus{1, "x"}};
  again.last_attempt =
      core::Attempt{std::nullopt, kNow + microseconds(5), std::nullopt, std::nullopt};
  REQUIRE(Must(f.tasks().UpdateState(again, false)));
  f.NextTransaction();
  expected = base;
  expected.schedule_time = TimePoint();
  expected.last_attempt = again.last_attempt;
  CHECK(Must(f.tasks().Find(base.name)) == expected);
  again.last_attempt->dispatch_time.reset();
  REQUIRE(Must(f.tasks().UpdateState(again, false)));
  f.NextTransaction();
  CHECK_FALSE(Must(f.tasks().Find(base.name))->last_attempt.has_value());
}

TEST_CASE_TEMPLATE("UpdateState returns false for a task that no longer exists", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  CHECK_FALSE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "none"), kNow), true)));
  CHECK_FALSE(Must(f.tasks().UpdateState(HttpTask(TaskName(kR, "none"), kNow), true)));
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow))));
  REQUIRE(Must(f.tasks().Delete(TaskName(kQ, "a"))));
  CHECK_FALSE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "a"), kNow), true)));
  CHECK(Must(f.tasks().Count(kQ)) == 0);
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kQ, "a"))).has_value());
}

TEST_CASE_TEMPLATE("in-flight tasks are not due until their state clears", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  for (const char* id : {"a", "b", "c"}) {
    REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, id), kNow))));
  }
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow - seconds(1)))));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "a"), kNow), true)));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "b"), kNow), true)));
  REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kR, "r"), kNow - seconds(1)), true)));
  f.NextTransaction();
  CHECK(Names(Must(f.tasks().Due(kQ, kNow, 10))) == std::vector<std::string>{TaskName(kQ, "c")});
  CHECK(Must(f.tasks().Due(kR, kNow, 10)).empty());
  CHECK_FALSE(Must(f.tasks().NextScheduleTime(kR)).has_value());
  CHECK(Must(f.tasks().Count(kQ)) == 3);
  CHECK(Must(f.tasks().List(kQ, 0, 10, false)).tasks.size() == 3);
  CHECK(Must(f.tasks().Find(TaskName(kQ, "a"))).has_value());

  SUBCASE("UpdateState with in_flight false makes one due again") {
    REQUIRE(Must(f.tasks().UpdateState(HttpTask(TaskName(kQ, "b"), kNow), false)));
    f.NextTransaction();
    CHECK(Names(Must(f.tasks().Due(kQ, kNow, 10))) ==
          std::vector<std::string>{TaskName(kQ, "b"), TaskName(kQ, "c")});
  }
  SUBCASE("ClearInFlight makes every one due again") {
    Must(f.tasks().ClearInFlight());
    f.NextTransaction();
    CHECK(Names(Must(f.tasks().Due(kQ, kNow, 10))) ==
          std::vector<std::string>{TaskName(kQ, "a"), TaskName(kQ, "b"), TaskName(kQ, "c")});
    CHECK(Names(Must(f.tasks().Due(kR, kNow, 10))) == std::vector<std::string>{TaskName(kR, "r")});
    CHECK(Must(f.tasks().NextScheduleTime(kR)) == kNow - seconds(1));
  }
}

TEST_CASE_TEMPLATE("task tombstones block a name until they expire", Db, CTE_STORES) {
  Fixture<Db> f;
  const std::string t1 = TaskName(kQ, "t1");
  Must(f.tasks().PutTombstone(t1, kNow + seconds(10)));
  f.NextTransaction();
  CHECK(Must(f.tasks().HasTombstone(t1, kNow)));
  CHECK(Must(f.tasks().HasTombstone(t1, kNow + seconds(10) - microseconds(1))));
  CHECK_FALSE(Must(f.tasks().HasTombstone(t1, kNow + seconds(10))));
  CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ, "other"), kNow)));
  CHECK_FALSE(Must(f.queues().HasTombstone(t1, kNow)));  // Queue and task names apart.
  SUBCASE("a second Put replaces the expiry") {
    Must(f.tasks().PutTombstone(t1, kNow + seconds(1)));
    f.NextTransaction();
    CHECK_FALSE(Must(f.tasks().HasTombstone(t1, kNow + seconds(2))));
  }
  SUBCASE("DeleteTombstones forgets one queue's, or every queue's, task tombstones") {
    Must(f.tasks().PutTombstone(TaskName(kQ2, "t"), kNow + seconds(10)));
    Must(f.tasks().PutTombstone(TaskName(kR, "t"), kNow + seconds(10)));
    Must(f.queues().PutTombstone(kQ, kNow + seconds(10)));
    Must(f.tasks().DeleteTombstones(kQ));
    f.NextTransaction();
    CHECK_FALSE(Must(f.tasks().HasTombstone(t1, kNow)));
    CHECK(Must(f.tasks().HasTombstone(TaskName(kQ2, "t"), kNow)));
    CHECK(Must(f.tasks().HasTombstone(TaskName(kR, "t"), kNow)));
    Must(f.tasks().DeleteTombstones(""));
    f.NextTransaction();
    CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kQ2, "t"), kNow)));
    CHECK_FALSE(Must(f.tasks().HasTombstone(TaskName(kR, "t"), kNow)));
    CHECK(Must(f.queues().HasTombstone(kQ, kNow)));
  }
  SUBCASE("DeleteExpiredTombstones forgets those expiring at or before now, tasks only") {
    Must(f.tasks().PutTombstone(TaskName(kQ, "t2"), kNow + seconds(11)));
    Must(f.queues().PutTombstone(kQ, kNow + seconds(1)));
    Must(f.tasks().DeleteExpiredTombstones(kNow + seconds(10)));
    f.NextTransaction();
    CHECK_FALSE(Must(f.tasks().HasTombstone(t1, kNow)));
    CHECK(Must(f.tasks().HasTombstone(TaskName(kQ, "t2"), kNow)));
    CHECK(Must(f.queues().HasTombstone(kQ, kNow)));
  }
}

// ---------------------------------------------------------------------------------------------
// Attempts and policies.

TEST_CASE_TEMPLATE("attempts keep every field at microseconds and list by queue, task and ID", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  const std::string qa = TaskName(kQ, "a");
  AttemptLogEntry e1 = Entry(kQ, qa, 1, Outcome::kInFlight);
  e1.id = 77;  // Assigned by the store.
  e1.schedule_time = kNow + nanoseconds(1500);
  e1.dispatch_time = kNow + seconds(2) + nanoseconds(999);
  e1.headers = {{"X-B", "2"}, {"X-A", "1"}, {"X-A", "dup"}};  // Order and repeats as sent.
  AttemptLogEntry e2 = Entry(kQ, TaskName(kQ, "b"), 1, Outcome::kResponse);
  e2.response_time = kNow + seconds(3);
  e2.http_status = 200;
  e2.latency = milliseconds(12) + nanoseconds(1500);
  AttemptLogEntry e3 = Entry(kR, TaskName(kR, "a"), 1, Outcome::kDeadlineExceeded);
  e3.schedule_time.reset();
  e3.dispatch_time.reset();
  e3.error = "deadline";
  AttemptLogEntry e4 = Entry(kQ, qa, 2, Outcome::kInFlight);
  e4.duplicate = true;  // A second delivery of attempt 2.
  CHECK(Must(f.attempts().Insert(e1)) == 1);
  CHECK(Must(f.attempts().Insert(e2)) == 2);
  CHECK(Must(f.attempts().Insert(e3)) == 3);
  CHECK(Must(f.attempts().Insert(e4)) == 4);
  f.NextTransaction();

  AttemptLogEntry r1 = e1;
  r1.id = 1;
  r1.schedule_time = kNow + microseconds(1);
  r1.dispatch_time = kNow + seconds(2);
  AttemptLogEntry r2 = e2;
  r2.id = 2;
  r2.latency = milliseconds(12) + microseconds(1);
  AttemptLogEntry r3 = e3;
  r3.id = 3;
  AttemptLogEntry r4 = e4;
  r4.id = 4;
  CHECK(Describe(Must(f.attempts().List("", "", 0, 10))) ==
        Describe(std::vector<AttemptLogEntry>{r1, r2, r3, r4}));
  auto ids = [&](std::string_view q, std::string_view t, int64_t after, int limit) {
    return Ids(Must(f.attempts().List(q, t, after, limit)));
  };
  CHECK(ids(kQ, "", 0, 10) == std::vector<int64_t>{1, 2, 4});
  CHECK(ids("", qa, 0, 10) == std::vector<int64_t>{1, 4});
  CHECK(ids(kQ, qa, 1, 10) == std::vector<int64_t>{4});
  CHECK(ids(kR, qa, 0, 10).empty());
  CHECK(ids("projects/p/locations/l/queues/missing", "", 0, 10).empty());
  CHECK(ids("", "", 2, 10) == std::vector<int64_t>{3, 4});
  CHECK(ids("", "", 0, 2) == std::vector<int64_t>{1, 2});
  CHECK(ids("", "", 2, 2) == std::vector<int64_t>{3, 4});
  CHECK(ids("", "", 4, 2).empty());
  CHECK(ids(kQ, "", 1, 1) == std::vector<int64_t>{2});
  CHECK(ids(kQ, "", 2, 1) == std::vector<int64_t>{4});
}

TEST_CASE_TEMPLATE("Update rewrites an attempt's outcome, and its headers when given", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  AttemptLogEntry e = Entry(kQ, TaskName(kQ, "a"), 1, Outcome::kInFlight);
  REQUIRE(Must(f.attempts().Insert(e)) == 1);
  REQUIRE(Must(f.attempts().Insert(Entry(kQ, TaskName(kQ, "b"), 1, Outcome::kInFlight))) == 2);
  f.NextTransaction();
  AttemptLogEntry outcome;  // Only the outcome fields and the ID are meant to count.
  outcome.id = 1;
  outcome.queue = "ignored";
  outcome.task = "ignored";
  outcome.attempt = 9;
  outcome.method = "GET";
  outcome.url = "http://ignored/";
  outcome.duplicate = true;
  outcome.response_time = kNow + seconds(5) + nanoseconds(1500);
  outcome.outcome = Outcome::kResponse;
  outcome.http_status = 503;
  outcome.error = "Service Unavailable";
  outcome.latency = milliseconds(2) + nanoseconds(999);
  Must(f.attempts().Update(outcome));
  f.NextTransaction();
  AttemptLogEntry expected = e;
  expected.id = 1;
  expected.response_time = kNow + seconds(5) + microseconds(1);
  expected.outcome = Outcome::kResponse;
  expected.http_status = 503;
  expected.error = "Service Unavailable";
  expected.latency = milliseconds(2);
  auto listed = Must(f.attempts().List("", TaskName(kQ, "a"), 0, 10));
  CHECK(Describe(listed) == Describe(std::vector<AttemptLogEntry>{expected}));

  outcome.headers = {{"Authorization", "Bearer x"}};
  Must(f.attempts().Update(outcome));
  outcome.id = 99;  // No such entry: nothing happens.
  Must(f.attempts().Update(outcome));
  f.NextTransaction();
  expected.headers = {{"Authorization", "Bearer x"}};
  listed = Must(f.attempts().List("", "", 0, 10));
  REQUIRE(listed.size() == 2);
  CHECK(Describe(listed[0]) == Describe(expected));
  AttemptLogEntry untouched = Entry(kQ, TaskName(kQ, "b"), 1, Outcome::kInFlight);
  untouched.id = 2;
  CHECK(Describe(listed[1]) == Describe(untouched));
}

TEST_CASE_TEMPLATE("attempts are deleted by queue or all at once, and ended when in flight", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  REQUIRE(Must(f.attempts().Insert(Entry(kQ, TaskName(kQ, "a"), 1, Outcome::kInFlight))) == 1);
  REQUIRE(Must(f.attempts().Insert(Entry(kQ, TaskName(kQ, "b"), 1, Outcome::kResponse))) == 2);
  REQUIRE(Must(f.attempts().Insert(Entry(kR, TaskName(kR, "a"), 1, Outcome::kInFlight))) == 3);
  f.NextTransaction();
  SUBCASE("EndInFlight") {
    Must(f.attempts().EndInFlight("interrupted: the emulator stopped"));
    f.NextTransaction();
    auto listed = Must(f.attempts().List("", "", 0, 10));
    REQUIRE(listed.size() == 3);
    CHECK(listed[0].outcome == Outcome::kConnectionError);
    CHECK(listed[0].error == "interrupted: the emulator stopped");
    CHECK(listed[1].outcome == Outcome::kResponse);
    CHECK(listed[1].error.empty());
    CHECK(listed[2].outcome == Outcome::kConnectionError);
    CHECK(listed[2].error == "interrupted: the emulator stopped");
  }
  SUBCASE("Delete of one queue") {
    Must(f.attempts().Delete(kQ));
    Must(f.attempts().Delete("projects/p/locations/l/queues/missing"));
    f.NextTransaction();
    CHECK(Ids(Must(f.attempts().List("", "", 0, 10))) == std::vector<int64_t>{3});
    CHECK(Must(f.attempts().List(kQ, "", 0, 10)).empty());
    CHECK(Must(f.attempts().List("", TaskName(kQ, "a"), 0, 10)).empty());
  }
  SUBCASE("Delete of every queue") {
    Must(f.attempts().Delete(""));
    f.NextTransaction();
    CHECK(Must(f.attempts().List("", "", 0, 10)).empty());
  }
}

TEST_CASE_TEMPLATE("a queue's policy is kept as given and goes with the queue", Db, CTE_STORES) {
  Fixture<Db> f;
  CHECK(Must(f.policies().Get(kQ)).empty());  // No such queue.
  Must(f.queues().Put(RunningQueue(kQ)));
  Must(f.queues().Put(RunningQueue(kR)));
  CHECK(Must(f.policies().Get(kQ)).empty());
  Must(f.policies().Put(kQ, "{\"bindings\":[]}"));
  f.NextTransaction();
  CHECK(Must(f.policies().Get(kQ)) == "{\"bindings\":[]}");
  CHECK(Must(f.policies().Get(kR)).empty());
  Must(f.policies().Put(kQ, "v2"));
  f.NextTransaction();
  CHECK(Must(f.policies().Get(kQ)) == "v2");
  Must(f.queues().Delete(kQ));
  f.NextTransaction();
  CHECK(Must(f.policies().Get(kQ)).empty());
  Must(f.queues().Put(RunningQueue(kQ)));
  f.NextTransaction();
  CHECK(Must(f.policies().Get(kQ)).empty());
}

// ---------------------------------------------------------------------------------------------
// Transactions.

TEST_CASE_TEMPLATE("InTransaction is true from Begin to Commit or Rollback", Db, CTE_STORES) {
  Db db;
  auto store = db.OpenStore();
  CHECK_FALSE(store->InTransaction());
  REQUIRE(store->Begin().ok());
  CHECK(store->InTransaction());
  REQUIRE(store->Commit().ok());
  CHECK_FALSE(store->InTransaction());
  REQUIRE(store->Begin().ok());
  REQUIRE(store->BeginSavepoint().ok());
  CHECK(store->InTransaction());
  REQUIRE(store->RollbackSavepoint().ok());
  CHECK(store->InTransaction());
  store->Rollback();
  CHECK_FALSE(store->InTransaction());
  store->Rollback();  // None open: nothing happens.
  CHECK_FALSE(store->InTransaction());
}

TEST_CASE_TEMPLATE("rollback and savepoints leave nothing behind", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  f.NextTransaction();
  REQUIRE(f.store->BeginSavepoint().ok());
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "gone"), kNow))));
  REQUIRE(f.store->RollbackSavepoint().ok());
  REQUIRE(f.store->BeginSavepoint().ok());
  REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "kept"), kNow))));
  REQUIRE(f.store->ReleaseSavepoint().ok());
  f.NextTransaction();
  CHECK_FALSE(Must(f.tasks().Find(TaskName(kQ, "gone"))).has_value());
  CHECK(Must(f.tasks().Find(TaskName(kQ, "kept"))).has_value());
  Must(f.queues().Put(RunningQueue(kR)));
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK_FALSE(Must(f.queues().Find(kR)).has_value());
}

TEST_CASE_TEMPLATE("a queue read again sees every change, rollbacks included", Db, CTE_STORES) {
  Fixture<Db> f;
  auto state = [&] { return Must(f.queues().Find(kQ))->state; };
  core::Queue q = RunningQueue(kQ);
  Must(f.queues().Put(q));
  CHECK(state() == core::QueueState::kRunning);
  f.NextTransaction();
  CHECK(state() == core::QueueState::kRunning);  // Read, and so possibly cached.
  q.state = core::QueueState::kPaused;
  Must(f.queues().Put(q));
  CHECK(state() == core::QueueState::kPaused);
  REQUIRE(f.store->BeginSavepoint().ok());
  q.state = core::QueueState::kDisabled;
  Must(f.queues().Put(q));
  CHECK(state() == core::QueueState::kDisabled);
  REQUIRE(f.store->RollbackSavepoint().ok());
  CHECK(state() == core::QueueState::kPaused);
  f.NextTransaction();
  CHECK(state() == core::QueueState::kPaused);
  q.state = core::QueueState::kRunning;
  Must(f.queues().Put(q));
  CHECK(state() == core::QueueState::kRunning);
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK(state() == core::QueueState::kPaused);
  Must(f.queues().Delete(kQ));
  CHECK_FALSE(Must(f.queues().Find(kQ)).has_value());
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK(state() == core::QueueState::kPaused);
}

namespace {

const std::string kS = "projects/p/locations/l/queues/s";

// What a reader can see of one queue.
struct QueueView {
  std::optional<core::Queue> queue;
  std::vector<Task> tasks;
  int64_t last_position = 0;
  int64_t count = 0;
  std::vector<Task> due;
  std::optional<TimePoint> next;
  std::string policy;
  bool operator==(const QueueView&) const = default;
};

// Everything the rollback cases read back, through every method that reads.
struct Snapshot {
  std::vector<core::Queue> queues;
  std::vector<std::string> locations;
  std::vector<QueueView> views;
  std::vector<bool> tombstones;
  std::vector<std::string> attempts;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(core::TaskStore& store) {
  Snapshot s;
  s.queues = Must(store.queues().List("", "", 100));
  s.locations = Must(store.queues().ListLocations("p"));
  for (const std::string& name : {kQ, kR, kS}) {
    QueueView v;
    v.queue = Must(store.queues().Find(name));
    core::TaskPage page = Must(store.tasks().List(name, 0, 100, true));
    v.tasks = std::move(page.tasks);
    v.last_position = page.last_position;
    v.count = Must(store.tasks().Count(name));
    v.due = Must(store.tasks().Due(name, kNow + hours(2), 100));
    v.next = Must(store.tasks().NextScheduleTime(name));
    v.policy = Must(store.policies().Get(name));
    s.views.push_back(std::move(v));
  }
  for (TimePoint now : {kNow, kNow + hours(2)}) {
    for (const char* id : {"old1", "old2", "new", "a", "b", "c", "d"}) {
      s.tombstones.push_back(Must(store.tasks().HasTombstone(TaskName(kQ, id), now)));
    }
    s.tombstones.push_back(Must(store.tasks().HasTombstone(TaskName(kR, "old"), now)));
    s.tombstones.push_back(Must(store.tasks().HasTombstone(TaskName(kR, "r"), now)));
    for (const char* id : {"gone1", "gone2", "gone3"}) {
      s.tombstones.push_back(Must(
          store.queues().HasTombstone("projects/p/locations/l/queues/" + std::string(id), now)));
    }
  }
  s.attempts = Describe(Must(store.attempts().List("", "", 0, 100)));
  return s;
}

// Two queues with tasks in every dispatch state, tombstones of both kinds, attempts, a policy.
void WriteBaseline(core::TaskStore& store) {
  Must(store.queues().Put(FullQueue(kQ)));
  Must(store.queues().Put(BareQueue(kR)));
  Must(store.policies().Put(kQ, "p1"));
  REQUIRE(Must(store.tasks().Insert(HttpTask(TaskName(kQ, "a"), kNow - seconds(1)))));
  REQUIRE(Must(store.tasks().Insert(HttpTask(TaskName(kQ, "b"), kNow - seconds(2)))));
  REQUIRE(Must(store.tasks().Insert(AppEngineTask(TaskName(kQ, "c"), kNow - seconds(3)))));
  REQUIRE(Must(store.tasks().Insert(HttpTask(TaskName(kQ, "d"), kNow + hours(1)))));
  REQUIRE(Must(store.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow - seconds(5)))));
  REQUIRE(Must(store.tasks().UpdateState(HttpTask(TaskName(kQ, "b"), kNow - seconds(2)), true)));
  Must(store.tasks().PutTombstone(TaskName(kQ, "old1"), kNow + hours(1)));
  Must(store.tasks().PutTombstone(TaskName(kQ, "old2"), kNow + hours(3)));
  Must(store.tasks().PutTombstone(TaskName(kR, "old"), kNow + hours(1)));
  Must(store.queues().PutTombstone("projects/p/locations/l/queues/gone1", kNow + hours(1)));
  Must(store.queues().PutTombstone("projects/p/locations/l/queues/gone2", kNow + hours(3)));
  REQUIRE(Must(store.attempts().Insert(Entry(kQ, TaskName(kQ, "a"), 1, Outcome::kInFlight))) == 1);
  REQUIRE(Must(store.attempts().Insert(Entry(kQ, TaskName(kQ, "b"), 1, Outcome::kResponse))) == 2);
  REQUIRE(Must(store.attempts().Insert(Entry(kR, TaskName(kR, "r"), 1, Outcome::kInFlight))) == 3);
}

using Write = std::pair<const char*, std::function<void(core::TaskStore&)>>;

// Every kind of write, each one changing what Take reads. In this order they can also run one
// after the other in one transaction.
std::vector<Write> TaskWrites() {
  return {
      {"put a new queue", [](core::TaskStore& s) { Must(s.queues().Put(RunningQueue(kS))); }},
      {"change a queue", [](core::TaskStore& s) { Must(s.queues().Put(RunningQueue(kQ))); }},
      {"insert a task",
       [](core::TaskStore& s) {
         REQUIRE(Must(s.tasks().Insert(HttpTask(TaskName(kQ, "new"), kNow - seconds(10)))));
       }},
      {"insert, delete and insert a name",
       [](core::TaskStore& s) {
         REQUIRE(Must(s.tasks().Insert(HttpTask(TaskName(kQ, "tmp"), kNow))));
         REQUIRE(Must(s.tasks().Delete(TaskName(kQ, "tmp"))));
         REQUIRE(Must(s.tasks().Insert(AppEngineTask(TaskName(kQ, "tmp"), kNow))));
       }},
      {"delete a task",
       [](core::TaskStore& s) { REQUIRE(Must(s.tasks().Delete(TaskName(kQ, "a")))); }},
      {"delete a task and insert its name again",
       [](core::TaskStore& s) {
         REQUIRE(Must(s.tasks().Delete(TaskName(kQ, "d"))));
         REQUIRE(Must(s.tasks().Insert(HttpTask(TaskName(kQ, "d"), kNow - hours(1)))));
       }},
      {"put a task in flight",
       [](core::TaskStore& s) {
         REQUIRE(Must(s.tasks().UpdateState(HttpTask(TaskName(kQ, "d"), kNow + hours(1)), true)));
       }},
      {"move a task out of flight",
       [](core::TaskStore& s) {
         Task t = HttpTask(TaskName(kQ, "b"), kNow - seconds(30));
         t.dispatch_count = 1;
         t.last_attempt = core::Attempt{kNow, kNow, std::nullopt, std::nullopt};
         REQUIRE(Must(s.tasks().UpdateState(t, false)));
       }},
      {"clear in flight", [](core::TaskStore& s) { Must(s.tasks().ClearInFlight()); }},
  };
}

std::vector<Write> TombstoneWrites() {
  const std::string gone = "projects/p/locations/l/queues/gone";
  return {
      {"put task tombstones",
       [](core::TaskStore& s) {
         Must(s.tasks().PutTombstone(TaskName(kQ, "new"), kNow + hours(1)));
         Must(s.tasks().PutTombstone(TaskName(kQ, "old1"), kNow + hours(10)));
       }},
      {"delete a queue's task tombstones",
       [](core::TaskStore& s) { Must(s.tasks().DeleteTombstones(kQ)); }},
      {"delete every task tombstone",
       [](core::TaskStore& s) { Must(s.tasks().DeleteTombstones("")); }},
      {"delete expired task tombstones",
       [](core::TaskStore& s) { Must(s.tasks().DeleteExpiredTombstones(kNow + hours(2))); }},
      {"put queue tombstones",
       [gone](core::TaskStore& s) {
         Must(s.queues().PutTombstone(gone + "3", kNow + hours(1)));
         Must(s.queues().PutTombstone(gone + "1", kNow + hours(10)));
       }},
      {"delete a queue tombstone",
       [gone](core::TaskStore& s) { Must(s.queues().DeleteTombstone(gone + "1")); }},
      {"delete every queue tombstone",
       [](core::TaskStore& s) { Must(s.queues().DeleteAllTombstones()); }},
      {"delete expired queue tombstones",
       [](core::TaskStore& s) { Must(s.queues().DeleteExpiredTombstones(kNow + hours(2))); }},
  };
}

std::vector<Write> AttemptPolicyAndQueueWrites() {
  return {
      {"insert an attempt",
       [](core::TaskStore& s) {
         REQUIRE(Must(s.attempts().Insert(Entry(kQ, TaskName(kQ, "a"), 2, Outcome::kInFlight))) >
                 3);
       }},
      {"update an attempt",
       [](core::TaskStore& s) {
         AttemptLogEntry e = Entry(kQ, TaskName(kQ, "a"), 1, Outcome::kResponse);
         e.id = 1;
         e.http_status = 500;
         e.headers = {{"X-New", "1"}};
         Must(s.attempts().Update(e));
       }},
      {"end attempts in flight", [](core::TaskStore& s) { Must(s.attempts().EndInFlight("x")); }},
      {"delete a queue's attempts", [](core::TaskStore& s) { Must(s.attempts().Delete(kQ)); }},
      {"delete every attempt", [](core::TaskStore& s) { Must(s.attempts().Delete("")); }},
      {"put policies",
       [](core::TaskStore& s) {
         Must(s.policies().Put(kQ, "p2"));
         Must(s.policies().Put(kR, "pr"));
       }},
      {"purge without tombstones",
       [](core::TaskStore& s) { REQUIRE(Must(s.tasks().Purge(kR, std::nullopt)) == 1); }},
      {"purge with tombstones",
       [](core::TaskStore& s) { REQUIRE(Must(s.tasks().Purge(kQ, kNow + hours(1))) >= 1); }},
      {"delete a queue", [](core::TaskStore& s) { Must(s.queues().Delete(kQ)); }},
      {"delete a queue and create it again",
       [](core::TaskStore& s) {
         Must(s.queues().Delete(kR));
         Must(s.queues().Put(RunningQueue(kR)));
         REQUIRE(Must(s.tasks().Insert(HttpTask(TaskName(kR, "r"), kNow - hours(1)))));
       }},
  };
}

// Last in EveryWrite: the writes before need the queues.
std::vector<Write> QueueDeletions() {
  return {
      {"delete a queue, create it again and add a task",
       [](core::TaskStore& s) {
         Must(s.queues().Delete(kR));
         Must(s.queues().Put(RunningQueue(kR)));
         REQUIRE(Must(s.tasks().Insert(HttpTask(TaskName(kR, "again"), kNow))));
       }},
      {"delete a queue and its tasks", [](core::TaskStore& s) { Must(s.queues().Delete(kQ)); }},
  };
}

std::vector<Write> EveryWrite() {
  std::vector<Write> out = TaskWrites();
  for (auto* more : {&TombstoneWrites, &AttemptPolicyAndQueueWrites, &QueueDeletions}) {
    for (Write& w : more()) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("Rollback and RollbackSavepoint undo every kind of write", Db, CTE_STORES) {
  Fixture<Db> f;
  WriteBaseline(*f.store);
  f.NextTransaction();
  const Snapshot baseline = Take(*f.store);
  f.store->Rollback();
  for (const auto& [name, write] : EveryWrite()) {
    CAPTURE(name);
    REQUIRE(f.store->Begin().ok());
    write(*f.store);
    CHECK_FALSE(Take(*f.store) == baseline);  // The write shows inside the transaction.
    f.store->Rollback();
    REQUIRE(f.store->Begin().ok());
    CHECK(Take(*f.store) == baseline);

    // Undone by a savepoint, after a write that stays.
    REQUIRE(Must(f.tasks().Insert(HttpTask(TaskName(kQ, "before"), kNow - hours(2)))));
    const Snapshot before = Take(*f.store);
    REQUIRE(f.store->BeginSavepoint().ok());
    write(*f.store);
    REQUIRE(f.store->RollbackSavepoint().ok());
    CHECK(Take(*f.store) == before);
    f.store->Rollback();
    REQUIRE(f.store->Begin().ok());
    CHECK(Take(*f.store) == baseline);
    f.store->Rollback();
  }
}

TEST_CASE_TEMPLATE("a rollback undoes every kind of write made in one transaction", Db,
                   CTE_STORES) {
  Fixture<Db> f;
  WriteBaseline(*f.store);
  f.NextTransaction();
  const Snapshot baseline = Take(*f.store);
  for (const auto& [name, write] : EveryWrite()) write(*f.store);
  CHECK_FALSE(Take(*f.store) == baseline);
  f.store->Rollback();
  REQUIRE(f.store->Begin().ok());
  CHECK(Take(*f.store) == baseline);
  SUBCASE("and a savepoint after some of them undoes the rest") {
    auto writes = EveryWrite();
    size_t half = writes.size() / 2;
    for (size_t i = 0; i < half; ++i) writes[i].second(*f.store);
    const Snapshot middle = Take(*f.store);
    REQUIRE(f.store->BeginSavepoint().ok());
    for (size_t i = half; i < writes.size(); ++i) writes[i].second(*f.store);
    REQUIRE(f.store->RollbackSavepoint().ok());
    CHECK(Take(*f.store) == middle);
    f.NextTransaction();
    CHECK(Take(*f.store) == middle);
  }
}

// A store with a transaction open, and the log its OnCommit and OnRollback actions write to.
template <typename Db>
struct ActionLog {
  ActionLog() { REQUIRE(store->Begin().ok()); }
  // Registers an OnCommit action that logs `what`, with a "!" when it sees a transaction open.
  void OnCommit(std::string what) {
    store->OnCommit([this, what] { log.push_back(what + (store->InTransaction() ? "!" : "")); });
  }
  void OnRollback(std::string what) {
    store->OnRollback([this, what] { log.push_back(what); });
  }
  // An OnCommit action "c<n>" and an OnRollback action "r<n>".
  void Both(int n) {
    OnCommit("c" + std::to_string(n));
    OnRollback("r" + std::to_string(n));
  }

  std::vector<std::string> log;  // Before the store, which may run actions as it closes.
  Db db;
  std::unique_ptr<core::TaskStore> store = db.OpenStore();
};
using Log = std::vector<std::string>;

TEST_CASE_TEMPLATE("OnCommit actions run after Commit, in order, and never after Rollback", Db,
                   CTE_STORES) {
  ActionLog<Db> a;
  for (const char* what : {"1", "2", "3"}) a.OnCommit(what);
  CHECK(a.log.empty());
  REQUIRE(a.store->Commit().ok());
  CHECK(a.log == Log{"1", "2", "3"});  // None saw the transaction open.
  REQUIRE(a.store->Begin().ok());
  a.OnCommit("dropped");
  a.store->Rollback();
  REQUIRE(a.store->Begin().ok());
  REQUIRE(a.store->Commit().ok());
  CHECK(a.log == Log{"1", "2", "3"});
}

TEST_CASE_TEMPLATE("OnRollback actions run newest first on Rollback, and never after Commit", Db,
                   CTE_STORES) {
  ActionLog<Db> a;
  for (const char* what : {"a", "b", "c"}) a.OnRollback(what);
  CHECK(a.log.empty());
  a.store->Rollback();
  CHECK(a.log == Log{"c", "b", "a"});
  REQUIRE(a.store->Begin().ok());
  a.OnRollback("dropped");
  REQUIRE(a.store->Commit().ok());
  REQUIRE(a.store->Begin().ok());
  a.store->Rollback();
  CHECK(a.log == Log{"c", "b", "a"});
}

// c1/r1 before a savepoint, c2/r2 and c3/r3 inside it, c4/r4 after it ends.
TEST_CASE_TEMPLATE("a savepoint's actions: undone with it, or kept in the transaction", Db,
                   CTE_STORES) {
  struct Row {
    const char* what;
    bool release;         // Else RollbackSavepoint.
    bool commit;          // Else Rollback, at the end.
    Log after_savepoint;  // The log when the savepoint has ended.
    Log at_end;
  };
  const Row rows[] = {
      {"RollbackSavepoint runs the OnRollback actions since the savepoint only, then Commit "
       "drops its OnCommit actions",
       false,
       true,
       {"r3", "r2"},
       {"r3", "r2", "c1", "c4"}},
      {"RollbackSavepoint, then a Rollback runs the other actions only",
       false,
       false,
       {"r3", "r2"},
       {"r3", "r2", "r4", "r1"}},
      {"ReleaseSavepoint, then Commit runs them all in order",
       true,
       true,
       {},
       {"c1", "c2", "c3", "c4"}},
      {"ReleaseSavepoint, then Rollback runs them all newest first",
       true,
       false,
       {},
       {"r4", "r3", "r2", "r1"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    ActionLog<Db> a;
    a.Both(1);
    REQUIRE(a.store->BeginSavepoint().ok());
    a.Both(2);
    a.Both(3);
    REQUIRE((row.release ? a.store->ReleaseSavepoint() : a.store->RollbackSavepoint()).ok());
    CHECK(a.log == row.after_savepoint);
    a.Both(4);
    if (row.commit) {
      REQUIRE(a.store->Commit().ok());
    } else {
      a.store->Rollback();
    }
    CHECK(a.log == row.at_end);
  }
}

// 16 MB of task bodies over many commits; every row stays readable. A growing SQLite memory
// buffer is copied several times on the way, a reserved one never.
TEST_CASE_TEMPLATE("a store of many megabytes keeps every row", Db, CTE_STORES) {
  Fixture<Db> f;
  Must(f.queues().Put(RunningQueue(kQ)));
  auto body = [](int i) { return std::string(4000, static_cast<char>('a' + i % 26)); };
  for (int batch = 0; batch < 40; ++batch) {
    f.NextTransaction();
    for (int i = batch * 100; i < (batch + 1) * 100; ++i) {
      Task t = HttpTask(TaskName(kQ, "t" + std::to_string(i)), kNow);
      t.http_request->body = body(i);
      REQUIRE(Must(f.tasks().Insert(t)));
    }
  }
  f.NextTransaction();
  CHECK(Must(f.tasks().Count(kQ)) == 4000);
  for (int i : {0, 1234, 3999}) {
    auto t = Must(f.tasks().Find(TaskName(kQ, "t" + std::to_string(i))));
    REQUIRE(t.has_value());
    CHECK(t->http_request->body == body(i));
  }
}
