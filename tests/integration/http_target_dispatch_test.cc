// Queue.httpTarget at dispatch (spec 4.8): the real emulator pushing to the real
// cloud-tasks-worker, one test per kind of override, each checking what the worker received.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "support/binaries.h"
#include "support/eventually.h"
#include "support/http_client.h"

using cte::testing::Eventually;
using cte::testing::HttpClient;
using nlohmann::json;

namespace {

const std::string kLoc = "/v2/projects/p/locations/l";
const std::string kQ = kLoc + "/queues/q";

using Worker = cte::testing::RunningWorker;
using Emulator = cte::testing::RunningEmulator;
using cte::testing::HeaderOf;

// Creates queue q with `http_target` (JSON), then a task for `url` with a JSON body and headers,
// and waits for the worker's single request.
json DispatchOne(HttpClient& c, Worker& worker, const std::string& http_target,
                 const std::string& url, const std::string& task_extra = "") {
  auto q =
      c.Request("POST", kLoc + "/queues",
                R"({"name":"projects/p/locations/l/queues/q","httpTarget":)" + http_target + "}");
  REQUIRE_MESSAGE(q.status == 200, q.body);
  auto t = c.Request("POST", kQ + "/tasks",
                     R"({"task":{"httpRequest":{"url":")" + url +
                         R"(","body":"e30=","headers":{"Content-Type":"application/json",
                         "X-Task":"t"})" +
                         task_extra + "}}}");
  REQUIRE_MESSAGE(t.status == 200, t.body);
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  return worker.Requests()[0];
}

// The claims of a JWT (its middle part, base64url).
json Claims(const std::string& authorization) {
  REQUIRE(authorization.rfind("Bearer ", 0) == 0);
  std::string jwt = authorization.substr(7);
  size_t first = jwt.find('.'), second = jwt.find('.', first + 1);
  auto payload = cte::core::Base64Decode(jwt.substr(first + 1, second - first - 1));
  REQUIRE(payload.has_value());
  return json::parse(*payload);
}

}  // namespace

TEST_CASE("uriOverride sends every task of the queue to its scheme, host, port, path and query") {
  Worker worker;
  Emulator emulator;
  std::string target =
      R"({"uriOverride":{"scheme":"HTTP","host":"127.0.0.1","port":")" +
      std::to_string(worker.port) +
      R"(","pathOverride":{"path":"/override"},"queryOverride":{"queryParams":"from=queue"}}})";
  // The task names a host that does not resolve: only the override can reach the worker.
  json r = DispatchOne(emulator.client, worker, target, "https://nowhere.invalid:1/task?x=1");
  CHECK(r["method"] == "POST");
  CHECK(r["path"] == "/override?from=queue");
  CHECK(r["body"] == "e30=");
  CHECK(HeaderOf(r, "Host") == "127.0.0.1:" + std::to_string(worker.port));
}

TEST_CASE("uriOverride IF_NOT_EXISTS keeps the parts the task's URL has") {
  Worker worker;
  Emulator emulator;
  std::string target = R"({"uriOverride":{"host":"nowhere.invalid","port":"1",
      "pathOverride":{"path":"/queue-path"},"queryOverride":{"queryParams":"from=queue"},
      "uriOverrideEnforceMode":"IF_NOT_EXISTS"}})";
  json r = DispatchOne(emulator.client, worker, target, worker.Origin());
  CHECK(r["path"] == "/queue-path?from=queue");  // The task had neither path nor query.
}

TEST_CASE("httpMethod replaces the task's method, and with GET the body is dropped") {
  Worker worker;
  Emulator emulator;
  json r = DispatchOne(emulator.client, worker, R"({"httpMethod":"GET"})", worker.Origin() + "/m");
  CHECK(r["method"] == "GET");
  CHECK(r["body"] == "");
  CHECK(r["path"] == "/m");
}

TEST_CASE("headerOverrides replace the task's headers of the same name and add the others") {
  Worker worker;
  Emulator emulator;
  json r =
      DispatchOne(emulator.client, worker,
                  R"({"headerOverrides":[{"header":{"key":"content-type","value":"text/plain"}},
                           {"header":{"key":"X-Queue","value":"q1"}}]})",
                  worker.Origin() + "/h");
  CHECK(HeaderOf(r, "content-type") == "text/plain");
  CHECK(HeaderOf(r, "Content-Type") == "<absent>");
  CHECK(HeaderOf(r, "X-Queue") == "q1");
  CHECK(HeaderOf(r, "X-Task") == "t");
  CHECK(HeaderOf(r, "X-CloudTasks-QueueName") == "q");
}

TEST_CASE("a queue-level oidcToken is signed like a task's and beats the task's own token") {
  Worker worker;
  Emulator emulator;
  json r = DispatchOne(
      emulator.client, worker,
      R"({"oidcToken":{"serviceAccountEmail":"queue@p.iam.gserviceaccount.com","audience":"https://queue-aud"}})",
      worker.Origin() + "/o",
      R"(,"oidcToken":{"serviceAccountEmail":"task@p.iam.gserviceaccount.com"})");
  json claims = Claims(HeaderOf(r, "Authorization"));
  CHECK(claims["aud"] == "https://queue-aud");
  CHECK(claims["email"] == "queue@p.iam.gserviceaccount.com");
}

TEST_CASE("a queue-level oauthToken gives the request an access token") {
  Worker worker;
  Emulator emulator;
  json r = DispatchOne(
      emulator.client, worker,
      R"({"oauthToken":{"serviceAccountEmail":"queue@p.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/cloud-platform"}})",
      worker.Origin() + "/a");
  std::string auth = HeaderOf(r, "Authorization");
  CHECK(auth.rfind("Bearer ", 0) == 0);
  CHECK(auth.size() > 7);
}

TEST_CASE("--rewrite applies after the queue's uriOverride") {
  Worker worker;
  Emulator emulator(
      {"--rewrite", "https://queue-host.example/=" + worker.Origin() + "/rewritten/"});
  json r = DispatchOne(emulator.client, worker, R"({"uriOverride":{"host":"queue-host.example"}})",
                       "https://task-host.example/p");
  CHECK(r["path"] == "/rewritten/p");
}

TEST_CASE("a buffered task goes where the queue's httpTarget says, with the caller's headers") {
  Worker worker;
  Emulator emulator;
  HttpClient& c = emulator.client;
  auto q = c.Request("POST", kLoc + "/queues",
                     R"({"name":"projects/p/locations/l/queues/q","httpTarget":{"uriOverride":{
                         "scheme":"HTTP","host":"127.0.0.1","port":")" +
                         std::to_string(worker.port) + R"(","pathOverride":{"path":"/buf"}}}})");
  REQUIRE(q.status == 200);
  // Raw, to send headers of our own: the client sends none.
  HttpClient raw(emulator.port);
  std::string answer = raw.Raw("POST " + kQ +
                               "/tasks/b1:buffer HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: text/plain\r\nX-Caller: c\r\n"
                               "Content-Length: 12\r\nConnection: close\r\n\r\nhello buffer");
  REQUIRE_MESSAGE(answer.rfind("HTTP/1.1 200", 0) == 0, answer);
  json task = json::parse(answer.substr(answer.find("\r\n\r\n") + 4))["task"];
  CHECK(task["name"] == "projects/p/locations/l/queues/q/tasks/b1");
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  json r = worker.Requests()[0];
  CHECK(r["path"] == "/buf");
  CHECK(r["method"] == "POST");
  CHECK(r["body"] == cte::core::Base64Encode("hello buffer"));
  CHECK(HeaderOf(r, "Content-Type") == "text/plain");
  CHECK(HeaderOf(r, "X-Caller") == "c");
  CHECK(HeaderOf(r, "X-CloudTasks-TaskName") == "b1");
}

TEST_CASE("with --rewrite, an OIDC token's default audience is the URL before the rewrite") {
  Worker worker;
  Emulator emulator({"--rewrite", "https://prod.example/=" + worker.Origin() + "/"});
  auto q = emulator.client.Request("POST", kLoc + "/queues",
                                   R"({"name":"projects/p/locations/l/queues/q"})");
  REQUIRE(q.status == 200);
  auto t = emulator.client.Request(
      "POST", kQ + "/tasks",
      R"({"task":{"httpRequest":{"url":"https://prod.example/api/v1/images/worker",
          "oidcToken":{"serviceAccountEmail":"sa@p.iam.gserviceaccount.com"}}}})");
  REQUIRE(t.status == 200);
  REQUIRE(Eventually([&] { return worker.Requests().size() == 1; }));
  json r = worker.Requests()[0];
  CHECK(r["path"] == "/api/v1/images/worker");
  // What Cloud Tasks would use: a worker checking aud against its production URL accepts it.
  CHECK(Claims(HeaderOf(r, "Authorization"))["aud"] == "https://prod.example/api/v1/images/worker");
}
