#include "api/rest_handler.h"

#include <doctest/doctest.h>

#include "api/rest_request.h"
#include "store/sqlite_store.h"

using namespace cte;
using namespace std::chrono;
using api::Json;

namespace {

const core::TimePoint kStart = sys_days(year(2026) / 11 / 29) + hours(20) + microseconds(123456);

// The REST layer over a real in-memory store and a manual clock, without sockets.
struct Fixture {
  core::ManualClock clock{kStart};
  std::unique_ptr<store::SqliteStore> store =
      std::move(store::SqliteStore::Open(":memory:").value());
  api::ServiceOptions options{hours(1), hours(1), false};
  api::Service service{*store, clock, options};

  struct Reply {
    int status;
    Json json;
  };
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "") {
    api::RestResponse r = api::HandleRestNow({method, target, body, "", {}}, {service}, *store);
    return {r.status, Json::parse(r.body)};
  }
  std::string Message(const Reply& r) { return r.json["error"]["message"]; }
};

const std::string kLoc = "/v2/projects/api-ai-blog-writer/locations/europe-west1";
const std::string kQueueName =
    "projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue";
const std::string kQ = "/v2/" + kQueueName;

}  // namespace

TEST_CASE_FIXTURE(Fixture, "CreateQueue with a name only answers the documented defaults") {
  auto r = Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})");
  CHECK(r.status == 200);
  CHECK(r.json == Json::parse(R"({"name":")" + kQueueName + R"(",
      "rateLimits":{"maxDispatchesPerSecond":500,"maxBurstSize":100,"maxConcurrentDispatches":1000},
      "retryConfig":{"maxAttempts":100,"minBackoff":"0.100s","maxBackoff":"3600s","maxDoublings":16},
      "state":"RUNNING"})"));
  auto again = Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})");
  CHECK(again.status == 409);
  CHECK(again.json["error"]["status"] == "ALREADY_EXISTS");
  CHECK(Message(again) == "Queue already exists");
}

TEST_CASE_FIXTURE(Fixture, "queue errors use the real service's codes and messages") {
  auto missing = Call("GET", kQ);
  CHECK(missing.status == 404);
  CHECK(Message(missing) ==
        "Queue does not exist. If you just created the queue, wait at least a minute for the "
        "queue to initialize.");
  CHECK(Message(Call("DELETE", kQ)) == "Requested entity was not found.");
  auto bad = Call("POST", kLoc + "/queues", R"({"name":"projects/p/locations/l/queues/a_b"})");
  CHECK(bad.status == 400);
  CHECK(Message(bad) ==
        "Queue name must be formatted: "
        "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>\".");
  auto rate =
      Call("POST", kLoc + "/queues",
           R"({"name":")" + kQueueName + R"(","rateLimits":{"maxDispatchesPerSecond":501}})");
  CHECK(Message(rate) == "RateLimits.maxDispatchesPerSecond must be less than or equal to 500.");
  CHECK(Call("POST", kLoc + "/queues", "{not json").status == 400);
  CHECK(Call("POST", kLoc + "/queues", "[1]").status == 400);
}

TEST_CASE_FIXTURE(Fixture, "a deleted queue's name is blocked for the tombstone time") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  auto deleted = Call("DELETE", kQ);
  CHECK(deleted.status == 200);
  CHECK(deleted.json == Json::object());
  auto recreate = Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})");
  CHECK(recreate.status == 400);
  CHECK(recreate.json["error"]["status"] == "FAILED_PRECONDITION");
  CHECK(Message(recreate) ==
        "The queue cannot be created because a queue with this name existed too recently.");
  CHECK(Call("GET", kQ).status == 404);
  clock.Advance(hours(1));
  CHECK(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
}

TEST_CASE_FIXTURE(Fixture, "UpdateQueue is an upsert and honours nested update masks") {
  auto created =
      Call("PATCH", kQ + "?updateMask=rateLimits.maxDispatchesPerSecond",
           R"({"rateLimits":{"maxDispatchesPerSecond":200,"maxConcurrentDispatches":7}})");
  REQUIRE(created.status == 200);
  CHECK(created.json["rateLimits"]["maxDispatchesPerSecond"] == 200);
  CHECK(created.json["rateLimits"]["maxConcurrentDispatches"] == 1000);  // Not in the mask.
  auto cleared =
      Call("PATCH", kQ + "?updateMask=rateLimits.maxDispatchesPerSecond%2CretryConfig.maxAttempts",
           R"({"name":")" + kQueueName + R"(","retryConfig":{"maxAttempts":5}})");
  CHECK(cleared.json["rateLimits"]["maxDispatchesPerSecond"] == 500);  // Cleared: default.
  CHECK(cleared.json["retryConfig"]["maxAttempts"] == 5);
  auto all = Call("PATCH", kQ, R"({"retryConfig":{"maxRetryDuration":"1800s"}})");
  CHECK(all.json["retryConfig"]["maxAttempts"] == 100);  // No mask: everything replaced.
  CHECK(all.json["retryConfig"]["maxRetryDuration"] == "1800s");
  CHECK(Call("PATCH", kQ + "?updateMask=nope", "{}").status == 400);
  CHECK(Call("PATCH", kQ, R"({"name":"projects/p/locations/l/queues/other"})").status == 400);
}

TEST_CASE_FIXTURE(Fixture, "pause, resume, purge and the state filter of ListQueues") {
  for (const char* q : {"a", "b", "c"}) {
    std::string name =
        "projects/api-ai-blog-writer/locations/europe-west1/queues/" + std::string(q);
    REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + name + R"("})").status == 200);
  }
  auto paused = Call("POST", kLoc + "/queues/b:pause", "");
  CHECK(paused.json["state"] == "PAUSED");
  CHECK(Call("POST", kLoc + "/queues/b:pause", "{}").json["state"] == "PAUSED");
  auto list = Call("GET", kLoc + "/queues?filter=state%3A%20PAUSED");
  REQUIRE(list.json["queues"].size() == 1);
  CHECK(list.json["queues"][0]["name"].get<std::string>().ends_with("/queues/b"));
  CHECK(Call("GET", kLoc + "/queues?filter=name%3Dx").status == 400);
  CHECK(Call("POST", kLoc + "/queues/b:resume", "{}").json["state"] == "RUNNING");
  auto purged = Call("POST", kLoc + "/queues/b:purge", "{}");
  CHECK(purged.json["purgeTime"] == "2026-11-29T20:00:00.123456Z");
  CHECK(Call("POST", kLoc + "/queues/zz:pause", "{}").status == 404);
}

TEST_CASE_FIXTURE(Fixture, "ListQueues pages in name order and rejects foreign tokens") {
  for (int i = 0; i < 5; ++i) {
    std::string name =
        "projects/api-ai-blog-writer/locations/europe-west1/queues/q" + std::to_string(4 - i);
    REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + name + R"("})").status == 200);
  }
  std::vector<std::string> seen;
  std::string token;
  do {
    auto page = Call("GET", kLoc + "/queues?pageSize=2&pageToken=" + token);
    REQUIRE(page.status == 200);
    for (const auto& q : page.json["queues"]) seen.push_back(q["name"]);
    token = page.json.value("nextPageToken", "");
  } while (!token.empty());
  REQUIRE(seen.size() == 5);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(Call("GET", kLoc + "/queues?pageToken=garbage").status == 400);
  CHECK(Call("GET", kLoc + "/queues?pageSize=-1").status == 400);
  CHECK(Call("GET", kLoc + "/queues?bogus=1").status == 400);
}

TEST_CASE_FIXTURE(Fixture, "CreateTask, GetTask, ListTasks and DeleteTask") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  std::string body = R"({"task":{"name":")" + kQueueName +
                     R"(/tasks/job-1","httpRequest":{"url":"https://w.example/api/v1/images/worker",
         "headers":{"Content-Type":"application/json"},"body":"eyJhIjoxfQ=="}}})";
  auto created = Call("POST", kQ + "/tasks", body);
  REQUIRE(created.status == 200);
  CHECK(created.json == Json::parse(R"({"name":")" + kQueueName + R"(/tasks/job-1",
      "httpRequest":{"url":"https://w.example/api/v1/images/worker","httpMethod":"POST",
      "headers":{"Content-Type":"application/json","User-Agent":"Google-Cloud-Tasks"}},
      "scheduleTime":"2026-11-29T20:00:00.123456Z","createTime":"2026-11-29T20:00:00Z",
      "dispatchDeadline":"600s","view":"BASIC"})"));
  auto dup = Call("POST", kQ + "/tasks", body);
  CHECK(dup.status == 409);
  CHECK(Message(dup) == "Requested entity already exists");
  auto full = Call("GET", kQ + "/tasks/job-1?responseView=FULL");
  CHECK(full.json["httpRequest"]["body"] == "eyJhIjoxfQ==");
  CHECK(full.json["view"] == "FULL");
  auto ints = Call("GET", kQ + "/tasks/job-1?responseView=2&$alt=json%3Benum-encoding=int");
  CHECK(ints.json["view"] == 2);
  CHECK(ints.json["httpRequest"]["httpMethod"] == 1);
  auto generated = Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{"url":"http://x"}}})");
  REQUIRE(generated.status == 200);
  std::string id = generated.json["name"].get<std::string>().substr(kQueueName.size() + 7);
  CHECK_FALSE(id.empty());
  CHECK(id.find_first_not_of("0123456789") == std::string::npos);
  auto list = Call("GET", kQ + "/tasks?pageSize=1");
  CHECK(list.json["tasks"].size() == 1);
  CHECK(list.json["tasks"][0].count("httpRequest") == 1);
  CHECK(Call("GET", kQ + "/tasks?pageToken=" + list.json["nextPageToken"].get<std::string>())
            .json["tasks"]
            .size() == 1);
  CHECK(Call("DELETE", kQ + "/tasks/job-1").status == 200);
  auto gone = Call("GET", kQ + "/tasks/job-1");
  CHECK(gone.status == 404);
  CHECK(Message(gone) ==
        "The task no longer exists, though a task with this name existed recently. The task "
        "either successfully completed or was deleted.");
  CHECK(Call("POST", kQ + "/tasks", body).status == 409);  // Name still blocked.
  CHECK(Message(Call("DELETE", kQ + "/tasks/job-1")) == "Requested entity was not found.");
  CHECK(Message(Call("GET", kQ + "/tasks/never")) == "Requested entity was not found.");
  clock.Advance(hours(1));
  CHECK(Call("POST", kQ + "/tasks", body).status == 200);  // The tombstone expired.
}

TEST_CASE_FIXTURE(Fixture, "generated task IDs have 19 digits, are unique and grow") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  std::string last;
  for (int i = 0; i < 200; ++i) {
    auto created = Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{"url":"http://x"}}})");
    REQUIRE(created.status == 200);
    std::string id = created.json["name"].get<std::string>().substr(kQueueName.size() + 7);
    CHECK(id.size() == 19);
    CHECK(id.find_first_not_of("0123456789") == std::string::npos);
    CHECK(id > last);
    last = id;
  }
  CHECK(Call("GET", kQ + "/tasks?pageSize=1000").json["tasks"].size() == 200);
}

TEST_CASE_FIXTURE(Fixture, "CreateTask errors") {
  auto missing = Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{"url":"http://x"}}})");
  CHECK(missing.status == 404);
  CHECK(Message(missing) ==
        "Queue does not exist. If you just created the queue, wait at least a minute for the "
        "queue to initialize.");
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  CHECK(Message(Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{"url":"ftp://x"}}})")) ==
        "HttpTarget.url must start with 'http://' or 'https://'.");
  CHECK(Message(Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{}}})")) ==
        "HttpRequest.url is required.");
  CHECK(Message(Call("POST", kQ + "/tasks",
                     R"({"task":{"name":"projects/p/locations/l/queues/other/tasks/t",
                        "httpRequest":{"url":"http://x"}}})")) ==
        "The queue name from request ('" + kQueueName +
            "') must be the same as the queue name in the named task "
            "('projects/p/locations/l/queues/other').");
  CHECK(Message(Call("POST", kQ + "/tasks",
                     R"({"task":{"httpRequest":{"url":"http://x"},"dispatchDeadline":"5s"}})")) ==
        "Task.dispatchDeadline must be between [15s, 30m].");
  CHECK(
      Call("POST", kQ + "/tasks", R"({"task":{"httpRequest":{"url":"http://x"}},"x":1})").status ==
      400);
  CHECK(Call("POST", kQ + "/tasks:run", "{}").status == 404);
}

TEST_CASE_FIXTURE(Fixture, "IAM policies are stored and returned, not enforced") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  CHECK(Call("POST", kQ + ":getIamPolicy", "{}").json == Json::parse(R"({"etag":"ACAB"})"));
  auto set = Call(
      "POST", kQ + ":setIamPolicy",
      R"({"policy":{"bindings":[{"role":"roles/cloudtasks.enqueuer","members":["user:a@b.c"]}]}})");
  REQUIRE(set.status == 200);
  auto got = Call("POST", kQ + ":getIamPolicy", R"({"options":{"requestedPolicyVersion":3}})");
  CHECK(got.json["bindings"] == set.json["bindings"]);
  CHECK(got.json["etag"] == set.json["etag"]);
  auto stale = Call("POST", kQ + ":setIamPolicy", R"({"policy":{"etag":"ACAB"}})");
  CHECK(stale.json["error"]["status"] == "ABORTED");
  auto perms =
      Call("POST", kQ + ":testIamPermissions", R"({"permissions":["cloudtasks.tasks.create"]})");
  CHECK(perms.json["permissions"] == Json::array({"cloudtasks.tasks.create"}));
  auto none = Call("POST", kLoc + "/queues/missing:testIamPermissions",
                   R"({"permissions":["cloudtasks.tasks.create"]})");
  CHECK(none.status == 200);
  CHECK(none.json == Json::object());
}

TEST_CASE_FIXTURE(Fixture, "locations, routes and health") {
  auto list = Call("GET", "/v2/projects/p/locations?pageSize=100");
  REQUIRE(list.status == 200);
  bool found = false;
  for (const auto& l : list.json["locations"]) found = found || l["locationId"] == "europe-west1";
  CHECK(found);
  CHECK(Call("GET", "/v1/projects/p/locations/us-central1").json ==
        Json::parse(R"({"name":"projects/p/locations/us-central1","locationId":"us-central1"})"));
  CHECK(Call("GET", "/v2/projects/p/elsewhere").status == 404);
  CHECK(Call("PUT", kQ).status == 404);
  CHECK(Call("GET", "/emulator/v1/healthz").status == 200);
  CHECK(Call("GET", "/v2/projects/p/locations/l/queues/q%zz").status == 400);
}

TEST_CASE("request bodies nest at most 64 deep, and brackets inside strings do not count") {
  auto nested = [](int depth, const std::string& inner) {
    return std::string("{\"a\":") + std::string(static_cast<size_t>(depth - 1), '[') + inner +
           std::string(static_cast<size_t>(depth - 1), ']') + "}";
  };
  CHECK(api::ParseJsonBody(nested(64, "1")).ok());
  auto deep = api::ParseJsonBody(nested(65, "1"));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().message() == "Invalid JSON payload received. Nesting is too deep.");
  std::string brackets(100, '[');
  CHECK(api::ParseJsonBody(nested(64, "\"" + brackets + "\"")).ok());
  CHECK(api::ParseJsonBody(nested(64, "\"\\\"" + brackets + "\\\\\"")).ok());
  CHECK(api::ParseJsonBody("{\"a\":\"\\\\\\\"[[\",\"b\":[[1]]}")->at("b")[0][0] == 1);
  // An escaped quote does not end a string: the brackets after it are still inside it.
  CHECK(api::ParseJsonBody(nested(64, "\"\\\"" + brackets + "\"")).ok());
  CHECK_FALSE(api::ParseJsonBody("{\"a\":\"unterminated [[[").ok());
}

TEST_CASE_FIXTURE(Fixture, "the empty JSON string that google-gax sends for a path-only request") {
  // @google-cloud/tasks in REST mode sends JSON.stringify("") for updateQueue({queue: {name}}).
  auto updated = Call("PATCH", kQ, R"("")");
  CHECK(updated.status == 200);
  CHECK(updated.json["name"] == kQueueName);
  CHECK(Call("POST", kQ + ":pause", R"("")").json["state"] == "PAUSED");
  auto other = Call("PATCH", kQ, R"("x")");
  CHECK(other.status == 400);
  CHECK(Message(other) == "Invalid JSON payload received. The request body must be a JSON object.");
}

TEST_CASE_FIXTURE(Fixture, "UNIMPLEMENTED is answered with HTTP 400, which gcloud does not retry") {
  auto r = Call("GET", "/v2/projects/p/locations?filter=x");
  CHECK(r.status == 400);
  CHECK(r.json["error"]["code"] == 400);
  CHECK(r.json["error"]["status"] == "UNIMPLEMENTED");
}

namespace {

const std::string kTarget = R"({"httpTarget":{
    "uriOverride":{"scheme":"HTTP","host":"127.0.0.1","port":"8080",
                   "pathOverride":{"path":"/work"},"queryOverride":{"queryParams":"a=1"},
                   "uriOverrideEnforceMode":"ALWAYS"},
    "httpMethod":"PUT",
    "headerOverrides":[{"header":{"key":"X-Team","value":"blue"}}],
    "oidcToken":{"serviceAccountEmail":"sa@p.iam.gserviceaccount.com","audience":"https://aud"}}})";

}  // namespace

TEST_CASE_FIXTURE(Fixture, "Queue.httpTarget is stored and returned, with the port as a string") {
  auto created =
      Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"(",)" + kTarget.substr(1));
  REQUIRE(created.status == 200);
  Json expected = Json::parse(kTarget)["httpTarget"];
  CHECK(created.json["httpTarget"] == expected);
  CHECK(Call("GET", kQ).json["httpTarget"] == expected);
  auto ints = Call("GET", kQ + "?$alt=json;enum-encoding=int").json["httpTarget"];
  CHECK(ints["uriOverride"]["scheme"] == 1);
  CHECK(ints["uriOverride"]["uriOverrideEnforceMode"] == 2);
  CHECK(ints["httpMethod"] == 4);
}

TEST_CASE_FIXTURE(Fixture,
                  "httpTarget updates by whole or nested mask, and an empty body removes it") {
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget", kTarget).status == 200);
  // The example of "Configure Cloud Tasks queues": a nested path replaces the uriOverride only.
  auto nested = Call("PATCH", kQ + "?updateMask=httpTarget.uriOverride",
                     R"({"httpTarget":{"uriOverride":{"host":"NEW_HOST"}}})");
  REQUIRE(nested.status == 200);
  CHECK(nested.json["httpTarget"]["uriOverride"] == Json::parse(R"({"host":"NEW_HOST"})"));
  CHECK(nested.json["httpTarget"]["httpMethod"] == "PUT");
  auto port = Call("PATCH", kQ + "?updateMask=httpTarget.uriOverride.port",
                   R"({"httpTarget":{"uriOverride":{"port":9000}}})");
  CHECK(port.json["httpTarget"]["uriOverride"] ==
        Json::parse(R"({"host":"NEW_HOST","port":"9000"})"));
  auto method = Call("PATCH", kQ + "?updateMask=httpTarget.httpMethod", "{}");
  CHECK_FALSE(method.json["httpTarget"].contains("httpMethod"));
  auto removed = Call("PATCH", kQ + "?updateMask=httpTarget", "");
  REQUIRE(removed.status == 200);
  CHECK_FALSE(removed.json.contains("httpTarget"));
  CHECK_FALSE(Call("GET", kQ).json.contains("httpTarget"));
  CHECK(Call("PATCH", kQ + "?updateMask=httpTarget.nope", "{}").status == 400);
}

TEST_CASE_FIXTURE(Fixture, "a bad httpTarget is refused with a clear error and nothing stored") {
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget", kTarget).status == 200);
  const std::pair<const char*, const char*> kBad[] = {
      {R"({"uriOverride":{"host":""}})", "HttpTarget.uriOverride.host must not be empty."},
      {R"({"uriOverride":{"host":"h","port":"65536"}})",
       "HttpTarget.uriOverride.port must be between 0 and 65535 (0 removes the port), not 65536."},
      {R"({"headerOverrides":[{"header":{"key":"Host","value":"x"}}]})",
       "HttpTarget.headerOverrides cannot set the header \"Host\": Cloud Tasks sets or reserves "
       "it."},
      {R"({"oauthToken":{"serviceAccountEmail":"a@b"}})",
       "HttpTarget.oauthToken needs both serviceAccountEmail and scope when it is set on a "
       "queue."},
      // CR LF would add a header of its own to every attempt, or break every attempt.
      {R"({"headerOverrides":[{"header":{"key":"X-Q","value":"x\r\nEvil: 1"}}]})",
       "Invalid value for header \"X-Q\" in HttpTarget.headerOverrides: a header value cannot "
       "contain CR, LF, NUL or any other control character but tab."},
      {R"({"headerOverrides":[{"header":{"key":"X-A\r\nB","value":"1"}}]})",
       "Invalid header name \"X-A\\r\\nB\" in HttpTarget.headerOverrides: a header name is "
       "one or more letters, digits or any of !#$%&'*+-.^_`|~."},
      {R"({"uriOverride":{"host":"127.0.0.1:40289/evil?"}})",
       "HttpTarget.uriOverride.host must be a host name, an IPv4 address or an IPv6 address in "
       "brackets, without scheme, port, path or user info, not \"127.0.0.1:40289/evil?\"."},
      {R"({"uriOverride":{"host":"a b/c"}})",
       "HttpTarget.uriOverride.host must be a host name, an IPv4 address or an IPv6 address in "
       "brackets, without scheme, port, path or user info, not \"a b/c\"."},
      {R"({"uriOverride":{"pathOverride":{"path":"no-slash"}}})",
       "HttpTarget.uriOverride.pathOverride.path must be empty or start with \"/\", without "
       "whitespace, control characters, \"?\" or \"#\", not \"no-slash\"."},
      {R"({"uriOverride":{"queryOverride":{"queryParams":"a=1&b=x y"}}})",
       "HttpTarget.uriOverride.queryOverride.queryParams must not contain whitespace, control "
       "characters or \"#\", not \"a=1&b=x y\"."},
  };
  for (const auto& [target, message] : kBad) {
    auto r = Call("PATCH", kQ + "?updateMask=httpTarget",
                  std::string(R"({"httpTarget":)") + target + "}");
    CHECK(r.status == 400);
    CHECK(r.json["error"]["status"] == "INVALID_ARGUMENT");
    CHECK(Message(r) == message);
    auto created = Call("POST", kLoc + "/queues",
                        R"({"name":")" + kQueueName + R"(-b","httpTarget":)" + target + "}");
    CHECK(Message(created) == message);
  }
  CHECK(Call("GET", kQ).json["httpTarget"] == Json::parse(kTarget)["httpTarget"]);
  CHECK(Call("GET", kQ + "-b").status == 404);
  auto nested_empty = Call("PATCH", kQ + "?updateMask=httpTarget.uriOverride.host",
                           R"({"httpTarget":{"uriOverride":{"host":""}}})");
  CHECK(Message(nested_empty) == "HttpTarget.uriOverride.host must not be empty.");
}

TEST_CASE_FIXTURE(Fixture, "BufferTask needs a queue with an httpTarget") {
  REQUIRE(Call("PATCH", kQ, "{}").status == 200);
  auto r = Call("POST", kQ + "/tasks:buffer", "hello");
  CHECK(r.status == 400);
  CHECK(r.json["error"]["status"] == "FAILED_PRECONDITION");
  CHECK(Message(r) == "BufferTask requires a queue with an HTTP target (Queue.httpTarget); " +
                          kQueueName + " has none.");
  CHECK(Call("POST", kQ + "-missing/tasks:buffer", "").status == 404);
  CHECK_FALSE(Call("GET", kQ + "/tasks").json.contains("tasks"));
}

TEST_CASE_FIXTURE(Fixture, "BufferTask: the body and the headers become an HTTP task's") {
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget",
               R"({"httpTarget":{"uriOverride":{"scheme":"HTTP","host":"127.0.0.1",
                   "port":"8080","pathOverride":{"path":"/in"}}}})")
              .status == 200);
  api::RestRequest request{"POST", kQ + "/tasks/mine:buffer", "raw \x01 bytes", "", {}};
  request.headers = {{"Content-Type", "text/plain"}, {"X-Trace", "t1"},
                     {"Host", "emulator"},           {"Authorization", "Bearer caller"},
                     {"User-Agent", "curl"},         {"x-goog-api-client", "gl-python"},
                     {"Content-Length", "13"}};
  api::RestResponse r = api::HandleRestNow(request, {service}, *store);
  REQUIRE(r.status == 200);
  Json task = Json::parse(r.body)["task"];
  CHECK(task["name"] == kQueueName + "/tasks/mine");
  CHECK(task["httpRequest"]["url"] == "http://127.0.0.1:8080/in");
  CHECK(task["httpRequest"]["httpMethod"] == "POST");
  CHECK(task["httpRequest"]["headers"] ==
        Json::parse(R"({"Content-Type":"text/plain","X-Trace":"t1",
                        "User-Agent":"Google-Cloud-Tasks"})"));
  CHECK_FALSE(task["httpRequest"].contains("body"));  // The BASIC view.
  auto full = Call("GET", kQ + "/tasks/mine?responseView=FULL");
  CHECK(full.json["httpRequest"]["body"] == "cmF3IAEgYnl0ZXM=");
  auto generated = Call("POST", kQ + "/tasks:buffer", "");
  REQUIRE(generated.status == 200);
  CHECK(generated.json["task"]["name"].get<std::string>().size() == kQueueName.size() + 7 + 19);
  // gcloud's form when it has no task ID: an empty ID before the verb.
  CHECK(Call("POST", kQ + "/tasks/:buffer", "").status == 200);
  CHECK(Call("POST", kQ + "/tasks/mine:buffer", "").status == 409);
}

TEST_CASE_FIXTURE(Fixture,
                  "a task header that is no valid HTTP header is refused, storing nothing") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  auto value =
      Call("POST", kQ + "/tasks", R"({"task":{"name":")" + kQueueName + R"(/tasks/v","httpRequest":{
                        "url":"http://x/","headers":{"X-Q":"x\r\nEvil: 1"}}}})");
  CHECK(value.status == 400);
  CHECK(value.json["error"]["status"] == "INVALID_ARGUMENT");
  CHECK(Message(value) ==
        "Invalid value for header \"X-Q\" in HttpRequest.headers: a header value cannot contain "
        "CR, LF, NUL or any other control character but tab.");
  auto name = Call("POST", kQ + "/tasks",
                   R"({"task":{"appEngineHttpRequest":{"headers":{"X-A\nB":"1"}}}})");
  CHECK(name.status == 400);
  CHECK(Message(name) ==
        "Invalid header name \"X-A\\nB\" in AppEngineHttpRequest.headers: a header name is one "
        "or more letters, digits or any of !#$%&'*+-.^_`|~.");
  CHECK(Call("GET", kQ + "/tasks/v").status == 404);
  CHECK_FALSE(Call("GET", kQ + "/tasks").json.contains("tasks"));

  // BufferTask: the request's own headers, e.g. one with a control character HTTP/1.1 let in.
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget.uriOverride.host",
               R"({"httpTarget":{"uriOverride":{"host":"worker"}}})")
              .status == 200);
  api::RestRequest request{"POST", kQ + "/tasks/b:buffer", "body", "", {}};
  request.headers = {{"X-Trace", "a\x01"}};
  api::RestResponse buffered = api::HandleRestNow(request, {service}, *store);
  CHECK(buffered.status == 400);
  CHECK(Json::parse(buffered.body)["error"]["message"] ==
        "Invalid value for header \"X-Trace\" in HttpRequest.headers: a header value cannot "
        "contain CR, LF, NUL or any other control character but tab.");
  CHECK(Call("GET", kQ + "/tasks/b").status == 404);
}

TEST_CASE_FIXTURE(Fixture,
                  "a task URL with whitespace or a control character is refused, storing nothing") {
  REQUIRE(Call("POST", kLoc + "/queues", R"({"name":")" + kQueueName + R"("})").status == 200);
  // Sent as is, CR LF in the URL would end the request line and add a header of its own.
  const std::string kUrl =
      "HttpRequest.url must not contain whitespace or control characters "
      "(percent-encode them: %20 for a space), not ";
  const std::pair<std::string, std::string> kBad[] = {
      {R"("httpRequest":{"url":"http://127.0.0.1:9/a\r\nEvil: 1\r\nX:"})",
       kUrl + "\"http://127.0.0.1:9/a\\r\\nEvil: 1\\r\\nX:\"."},
      {R"("httpRequest":{"url":"http://w/a b"})", kUrl + "\"http://w/a b\"."},
      {R"("appEngineHttpRequest":{"relativeUri":"/a\nEvil: 1"})",
       "AppEngineHttpRequest.relativeUri must not contain whitespace or control characters "
       "(percent-encode them: %20 for a space), not \"/a\\nEvil: 1\"."},
  };
  for (const auto& [target, message] : kBad) {
    auto r = Call("POST", kQ + "/tasks",
                  R"({"task":{"name":")" + kQueueName + "/tasks/u\"," + target + "}}");
    CHECK(r.status == 400);
    CHECK(r.json["error"]["status"] == "INVALID_ARGUMENT");
    CHECK(Message(r) == message);
  }
  CHECK(Call("GET", kQ + "/tasks/u").status == 404);
  CHECK_FALSE(Call("GET", kQ + "/tasks").json.contains("tasks"));

  // BufferTask's URL comes from the queue's uriOverride: one stored before its parts were
  // checked may hold CR LF, and the task is refused all the same.
  core::Queue q = std::move(store->queues().Find(kQueueName).value().value());
  core::UriOverride& uri = q.http_target.emplace().uri_override.emplace();
  uri.host = "worker";
  uri.path = "/a\r\nEvil: 1";
  REQUIRE(store->queues().Put(q).ok());
  auto buffered = Call("POST", kQ + "/tasks/b:buffer", "body");
  CHECK(buffered.status == 400);
  CHECK(Message(buffered) == kUrl + "\"https://worker/a\\r\\nEvil: 1\".");
  CHECK(Call("GET", kQ + "/tasks/b").status == 404);
}

TEST_CASE_FIXTURE(Fixture, "BufferTask refuses a body over the task size limit, storing nothing") {
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget.uriOverride.host",
               R"({"httpTarget":{"uriOverride":{"host":"worker"}}})")
              .status == 200);
  auto big = Call("POST", kQ + "/tasks/big:buffer", std::string(1024 * 1024 + 1, 'x'));
  CHECK(big.status == 400);
  CHECK(Message(big) == "Task size too large");
  CHECK(Call("GET", kQ + "/tasks/big").status == 404);
}

TEST_CASE_FIXTURE(Fixture, "the CMEK config of a location is stored and returned") {
  const std::string config = kLoc + "/cmekConfig";
  const std::string name = kLoc.substr(4) + "/cmekConfig";
  CHECK(Call("GET", config).json == Json{{"name", name}});
  const std::string key =
      "projects/kms-project/locations/europe-west1/keyRings/ring/cryptoKeys/key";
  auto set = Call("PATCH", config + "?updateMask=kmsKey", R"({"kmsKey":")" + key + R"("})");
  REQUIRE(set.status == 200);
  CHECK(set.json == Json{{"name", name}, {"kmsKey", key}});
  CHECK(Call("GET", config).json == set.json);
  CHECK(Call("GET", "/v2/projects/api-ai-blog-writer/locations/us-east1/cmekConfig").json ==
        Json{{"name", "projects/api-ai-blog-writer/locations/us-east1/cmekConfig"}});
  auto other_region = Call("PATCH", config + "?updateMask=kmsKey",
                           R"({"kmsKey":"projects/k/locations/us-east1/keyRings/r/cryptoKeys/c"})");
  CHECK(other_region.status == 400);
  CHECK(Call("PATCH", config + "?updateMask=kmsKey", R"({"kmsKey":"not-a-key"})").status == 400);
  CHECK(Call("PATCH", config + "?updateMask=other", "{}").status == 400);
  // name is the config's identifier: a mask may not name it (UpdateQueue's message form).
  auto named = Call("PATCH", config + "?updateMask=name", R"({"kmsKey":""})");
  CHECK(named.status == 400);
  CHECK(named.json["error"]["status"] == "INVALID_ARGUMENT");
  CHECK(Message(named) == "Invalid update_mask path \"name\".");
  CHECK(Call("PATCH", config + "?updateMask=name,kmsKey", R"({"kmsKey":""})").status == 400);
  CHECK(Call("GET", config).json["kmsKey"] == key);
  CHECK(Call("PATCH", config + "?updateMask=kmsKey", "{}").json == Json{{"name", name}});
}

TEST_CASE_FIXTURE(Fixture, "queue-level authentication and CMEK cannot be combined") {
  const std::string config = kLoc + "/cmekConfig";
  const std::string key =
      "projects/kms-project/locations/europe-west1/keyRings/ring/cryptoKeys/key";
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget", kTarget).status == 200);
  auto refused = Call("PATCH", config + "?updateMask=kmsKey", R"({"kmsKey":")" + key + R"("})");
  CHECK(refused.status == 400);
  CHECK(refused.json["error"]["status"] == "FAILED_PRECONDITION");
  CHECK_FALSE(Call("GET", config).json.contains("kmsKey"));
  REQUIRE(Call("PATCH", kQ + "?updateMask=httpTarget.oidcToken", "{}").status == 200);
  REQUIRE(Call("PATCH", config + "?updateMask=kmsKey", R"({"kmsKey":")" + key + R"("})").status ==
          200);
  auto token = Call("PATCH", kQ + "?updateMask=httpTarget.oauthToken",
                    R"({"httpTarget":{"oauthToken":{"serviceAccountEmail":"a@b","scope":"s"}}})");
  CHECK(token.status == 400);
  CHECK(token.json["error"]["status"] == "FAILED_PRECONDITION");
  CHECK_FALSE(Call("GET", kQ).json["httpTarget"].contains("oauthToken"));
  // Overrides without authentication are allowed with CMEK.
  CHECK(Call("PATCH", kQ + "?updateMask=httpTarget.httpMethod",
             R"({"httpTarget":{"httpMethod":"GET"}})")
            .status == 200);
}
