// REST and gRPC give the same answer: every method and each error case of spec section 7.3 is
// sent as one request to two identical emulators, once over gRPC and once over REST (the REST
// form derived from the protobuf request by the google.api.http rules of spec 2.1), and the codes,
// messages and response bodies (as proto3 JSON) must match.
#include "google/cloud/location/locations.grpc.pb.h"
#include "google/cloud/tasks/v2/cloudtasks.grpc.pb.h"

#include <arpa/inet.h>
#include <functional>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <map>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "client/lib/client.h"
#include "support/http_client.h"
#include "support/running.h"

using cte::testing::HttpClient;
using cte::testing::Running;
using nlohmann::json;
namespace pb = google::protobuf;

namespace {

const std::string kEmulator = CTE_EMULATOR_BINARY;
const std::string kLoc = "projects/parity/locations/us-central1";
const std::string kQueues = kLoc + "/queues";
// The manual clock of both emulators is set here; "future" is an hour later.
const std::string kStart = "2030-01-01T00:00:00Z";
const int64_t kStartSeconds = 1893456000;

struct Outcome {
  std::string code;  // "OK", "NOT_FOUND", ...
  std::string message;
  json body;  // The response as proto3 JSON, when OK.
};

const pb::MethodDescriptor* FindMethod(const std::string& name) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  const pb::MethodDescriptor* m =
      pool->FindMethodByName("google.cloud.tasks.v2.CloudTasks." + name);
  if (m == nullptr) m = pool->FindMethodByName("google.cloud.location.Locations." + name);
  REQUIRE_MESSAGE(m != nullptr, "no such method: " << name);
  return m;
}

json ToJson(const pb::Message& m) {
  std::string out;
  REQUIRE(pb::util::MessageToJsonString(m, &out).ok());
  return json::parse(out);
}

// The google.api.http rule of each method (spec 2.1): verb, the field bound in the path, what
// follows it, and the body ("" none, "*" every field not in the path, or one field's name).
struct HttpRule {
  const char* verb;
  const char* path_field;
  const char* suffix;
  const char* body;
};

const std::map<std::string, HttpRule>& Rules() {
  static const std::map<std::string, HttpRule> rules = {
      {"ListLocations", {"GET", "name", "/locations", ""}},
      {"GetLocation", {"GET", "name", "", ""}},
      {"ListQueues", {"GET", "parent", "/queues", ""}},
      {"GetQueue", {"GET", "name", "", ""}},
      {"CreateQueue", {"POST", "parent", "/queues", "queue"}},
      {"UpdateQueue", {"PATCH", "queue.name", "", "queue"}},
      {"DeleteQueue", {"DELETE", "name", "", ""}},
      {"PurgeQueue", {"POST", "name", ":purge", "*"}},
      {"PauseQueue", {"POST", "name", ":pause", "*"}},
      {"ResumeQueue", {"POST", "name", ":resume", "*"}},
      {"GetIamPolicy", {"POST", "resource", ":getIamPolicy", "*"}},
      {"SetIamPolicy", {"POST", "resource", ":setIamPolicy", "*"}},
      {"TestIamPermissions", {"POST", "resource", ":testIamPermissions", "*"}},
      {"ListTasks", {"GET", "parent", "/tasks", ""}},
      {"GetTask", {"GET", "name", "", ""}},
      {"CreateTask", {"POST", "parent", "/tasks", "*"}},
      {"DeleteTask", {"DELETE", "name", "", ""}},
      {"RunTask", {"POST", "name", ":run", "*"}},
  };
  return rules;
}

// The REST call for a protobuf request, as a GAPIC REST client transcodes it.
Outcome CallRest(HttpClient& http, const std::string& method, const pb::Message& request) {
  const HttpRule& rule = Rules().at(method);
  json fields = ToJson(request);
  std::string path_field = rule.path_field;
  std::string bound;
  if (path_field == "queue.name") {
    bound = fields["queue"]["name"];
  } else {
    bound = fields.value(path_field, "");
    fields.erase(path_field);
  }
  std::string body;
  std::string body_field = rule.body;
  if (body_field == "*") {
    body = fields.dump();
    fields = json::object();
  } else if (!body_field.empty()) {
    body = fields.value(body_field, json::object()).dump();
    fields.erase(body_field);
  }
  std::string query;
  for (const auto& [k, v] : fields.items()) {
    query += (query.empty() ? "?" : "&") + k + "=" +
             cte::client::UrlEncode(v.is_string() ? v.get<std::string>() : v.dump());
  }
  auto reply = http.Request(rule.verb, "/v2/" + bound + rule.suffix + query, body);
  json j = json::parse(reply.body);
  if (reply.status == 200) return {"OK", "", j};
  return {j["error"]["status"], j["error"]["message"], {}};
}

// The gRPC call through the generated stubs.
class GrpcSide {
 public:
  explicit GrpcSide(int port)
      : channel_(::grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       ::grpc::InsecureChannelCredentials())),
        tasks_(google::cloud::tasks::v2::CloudTasks::NewStub(channel_)),
        locations_(google::cloud::location::Locations::NewStub(channel_)) {
    using T = google::cloud::tasks::v2::CloudTasks::Stub;
    using L = google::cloud::location::Locations::Stub;
    Add("ListLocations", locations_.get(), &L::ListLocations);
    Add("GetLocation", locations_.get(), &L::GetLocation);
    Add("ListQueues", tasks_.get(), &T::ListQueues);
    Add("GetQueue", tasks_.get(), &T::GetQueue);
    Add("CreateQueue", tasks_.get(), &T::CreateQueue);
    Add("UpdateQueue", tasks_.get(), &T::UpdateQueue);
    Add("DeleteQueue", tasks_.get(), &T::DeleteQueue);
    Add("PurgeQueue", tasks_.get(), &T::PurgeQueue);
    Add("PauseQueue", tasks_.get(), &T::PauseQueue);
    Add("ResumeQueue", tasks_.get(), &T::ResumeQueue);
    Add("GetIamPolicy", tasks_.get(), &T::GetIamPolicy);
    Add("SetIamPolicy", tasks_.get(), &T::SetIamPolicy);
    Add("TestIamPermissions", tasks_.get(), &T::TestIamPermissions);
    Add("ListTasks", tasks_.get(), &T::ListTasks);
    Add("GetTask", tasks_.get(), &T::GetTask);
    Add("CreateTask", tasks_.get(), &T::CreateTask);
    Add("DeleteTask", tasks_.get(), &T::DeleteTask);
    Add("RunTask", tasks_.get(), &T::RunTask);
  }

  Outcome Call(const std::string& method, const pb::Message& request) {
    ::grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::unique_ptr<pb::Message> response;
    ::grpc::Status s = calls_.at(method)(&context, request, response);
    if (!s.ok()) {
      static const char* kNames[] = {"OK",
                                     "CANCELLED",
                                     "UNKNOWN",
                                     "INVALID_ARGUMENT",
                                     "DEADLINE_EXCEEDED",
                                     "NOT_FOUND",
                                     "ALREADY_EXISTS",
                                     "PERMISSION_DENIED",
                                     "RESOURCE_EXHAUSTED",
                                     "FAILED_PRECONDITION",
                                     "ABORTED",
                                     "OUT_OF_RANGE",
                                     "UNIMPLEMENTED",
                                     "INTERNAL",
                                     "UNAVAILABLE",
                                     "DATA_LOSS",
                                     "UNAUTHENTICATED"};
      return {kNames[s.error_code()], s.error_message(), {}};
    }
    return {"OK", "", ToJson(*response)};
  }

 private:
  using Invoker = std::function<::grpc::Status(::grpc::ClientContext*, const pb::Message&,
                                               std::unique_ptr<pb::Message>&)>;

  template <typename Stub, typename Req, typename Resp>
  void Add(const char* name, Stub* stub,
           ::grpc::Status (Stub::*fn)(::grpc::ClientContext*, const Req&, Resp*)) {
    calls_[name] = [stub, fn](::grpc::ClientContext* c, const pb::Message& req,
                              std::unique_ptr<pb::Message>& out) {
      auto resp = std::make_unique<Resp>();
      ::grpc::Status s = (stub->*fn)(c, dynamic_cast<const Req&>(req), resp.get());
      out = std::move(resp);
      return s;
    };
  }

  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<google::cloud::tasks::v2::CloudTasks::Stub> tasks_;
  std::unique_ptr<google::cloud::location::Locations::Stub> locations_;
  std::map<std::string, Invoker> calls_;
};

// One emulator per transport, both on the manual clock at kStart, so that their state, times and
// page tokens stay the same step by step.
struct Twins {
  Twins()
      : rest_emulator(kEmulator, Flags()),
        grpc_emulator(kEmulator, Flags()),
        rest(rest_emulator.port),
        grpc_http(grpc_emulator.port),
        grpc(grpc_emulator.port) {
    for (HttpClient* c : {&rest, &grpc_http}) {
      REQUIRE(
          c->Request("POST", "/emulator/v1/clock:set", R"({"time":")" + kStart + R"("})").status ==
          200);
    }
  }

  static std::vector<std::string> Flags() {
    return {"--port",      "0",  "--db", ":memory:", "--clock", "manual", "--queue-tombstone=1h",
            "--log-level", "off"};
  }

  // Sends `text` (a `method` request in protobuf text format, after `edit`) both ways and checks
  // that the outcomes match and have `code`. Returns the outcome.
  Outcome Check(const std::string& method, const std::string& text, const std::string& code,
                const std::function<void(pb::Message&)>& edit = {},
                const std::function<void(json&)>& normalize = {}) {
    const pb::Descriptor* input = FindMethod(method)->input_type();
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(input)->New());
    REQUIRE_MESSAGE(pb::TextFormat::ParseFromString(text, request.get()), text);
    if (edit) edit(*request);
    Outcome via_grpc = grpc.Call(method, *request);
    Outcome via_rest = CallRest(rest, method, *request);
    if (normalize && via_rest.code == "OK") normalize(via_rest.body);
    if (normalize && via_grpc.code == "OK") normalize(via_grpc.body);
    CHECK_MESSAGE(via_rest.code == code, via_rest.message);
    CHECK(via_grpc.code == via_rest.code);
    CHECK(via_grpc.message == via_rest.message);
    CHECK_MESSAGE(via_grpc.body == via_rest.body,
                  "gRPC: " << via_grpc.body.dump() << "\nREST: " << via_rest.body.dump());
    return via_rest;
  }

  Running rest_emulator;
  Running grpc_emulator;
  HttpClient rest;
  HttpClient grpc_http;
  GrpcSide grpc;
};

std::string Queue(const std::string& id) { return kQueues + "/" + id; }

std::string Q(const std::string& s) { return "\"" + s + "\""; }

// A generated task ID differs between the two emulators; the rest must not.
void MaskGeneratedName(json& task) {
  std::string name = task.value("name", "");
  CHECK(name.rfind(Queue("tasks") + "/tasks/", 0) == 0);
  task["name"] = "<generated>";
}

// Etags are random per emulator.
void MaskEtag(json& policy) {
  CHECK(!policy.value("etag", "").empty());
  policy["etag"] = "<etag>";
}

}  // namespace

TEST_CASE("every method answers the same over gRPC and REST") {
  Twins t;
  SUBCASE("locations, queues, IAM and tasks, in one sequence") {
    t.Check("ListLocations", "name: 'projects/parity'", "OK");
    t.Check("GetLocation", "name: " + Q(kLoc), "OK");

    t.Check("CreateQueue", "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("q1")) + " }", "OK");
    t.Check("CreateQueue",
            "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("q2")) +
                " rate_limits { max_dispatches_per_second: 10.5 max_concurrent_dispatches: 5 }"
                " retry_config { max_attempts: 5 max_retry_duration { seconds: 1800 }"
                " min_backoff { nanos: 500000000 } max_backoff { seconds: 60 } max_doublings: 3 }"
                " stackdriver_logging_config { sampling_ratio: 0.25 }"
                " app_engine_routing_override { service: 'worker' } }",
            "OK");
    t.Check("GetQueue", "name: " + Q(Queue("q2")), "OK");
    t.Check("ListQueues", "parent: " + Q(kLoc), "OK");
    Outcome page = t.Check("ListQueues", "parent: " + Q(kLoc) + " page_size: 1", "OK");
    REQUIRE(page.body.contains("nextPageToken"));
    t.Check("ListQueues", "parent: " + Q(kLoc) + " page_size: 1", "OK", [&](pb::Message& m) {
      dynamic_cast<google::cloud::tasks::v2::ListQueuesRequest&>(m).set_page_token(
          page.body["nextPageToken"]);
    });
    t.Check("UpdateQueue",
            "queue { name: " + Q(Queue("q1")) +
                " rate_limits { max_dispatches_per_second: 20 } retry_config { max_attempts: 7 } }"
                " update_mask { paths: 'rate_limits.max_dispatches_per_second'"
                " paths: 'retry_config.max_attempts' }",
            "OK");
    t.Check("UpdateQueue",
            "queue { name: " + Q(Queue("q-upserted")) + " } update_mask { paths: 'rate_limits' }",
            "OK");
    t.Check("PauseQueue", "name: " + Q(Queue("q1")), "OK");
    t.Check("ResumeQueue", "name: " + Q(Queue("q1")), "OK");
    t.Check("PurgeQueue", "name: " + Q(Queue("q1")), "OK");

    t.Check("GetIamPolicy", "resource: " + Q(Queue("q1")), "OK");
    t.Check(
        "SetIamPolicy",
        "resource: " + Q(Queue("q1")) +
            " policy { version: 1 bindings { role: 'roles/cloudtasks.enqueuer'"
            " members: 'user:a@example.com' members: 'serviceAccount:w@p.iam.gserviceaccount.com'"
            " condition { expression: 'true' title: 't' } } }",
        "OK", {}, MaskEtag);
    t.Check("GetIamPolicy", "resource: " + Q(Queue("q1")), "OK", {}, MaskEtag);
    t.Check("TestIamPermissions",
            "resource: " + Q(Queue("q1")) +
                " permissions: 'cloudtasks.tasks.create' permissions: 'cloudtasks.queues.get'",
            "OK");

    // Tasks go to a paused queue, so nothing is dispatched behind the test's back.
    t.Check("CreateQueue", "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("tasks")) + " }",
            "OK");
    t.Check("PauseQueue", "name: " + Q(Queue("tasks")), "OK");
    std::string later = std::to_string(kStartSeconds + 3600);
    std::string t1 = Queue("tasks") + "/tasks/t1";
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " response_view: FULL task { name: " + Q(t1) +
                " schedule_time { seconds: " + later +
                " nanos: 250000000 }"
                " dispatch_deadline { seconds: 60 }"
                " http_request { url: 'http://127.0.0.1:1/w?x=1' http_method: PUT"
                " headers { key: 'X-Custom' value: 'v' } body: 'hello\\000\\377'"
                " oidc_token { service_account_email: 'sa@p.iam.gserviceaccount.com'"
                " audience: 'https://aud' } } }",
            "OK");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) +
                " task { http_request { url: 'http://127.0.0.1:1/generated'"
                " oauth_token { service_account_email: 'sa@p.iam.gserviceaccount.com' } } }",
            "OK", {}, MaskGeneratedName);
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { name: " + Q(Queue("tasks") + "/tasks/ae") +
                " app_engine_http_request { relative_uri: '/ae' http_method: GET"
                " app_engine_routing { service: 's' version: 'v' } } }",
            "OK");
    // Every App Engine field: headers (User-Agent appended, Content-Type and Content-Length
    // added), body, routing with its derived host, and an App Engine-only deadline of 24 h.
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) +
                " response_view: FULL task { name: " + Q(Queue("tasks") + "/tasks/ae2") +
                " app_engine_http_request { relative_uri: '/ae2?x=1' http_method: PUT"
                " headers { key: 'User-Agent' value: 'mine' } headers { key: 'X-A' value: '1' }"
                " body: 'payload' app_engine_routing { service: 's' version: 'v' instance: 'i' }"
                " } dispatch_deadline { seconds: 86400 } }",
            "OK");
    t.Check("GetTask", "name: " + Q(Queue("tasks") + "/tasks/ae2") + " response_view: FULL", "OK");
    t.Check("GetTask", "name: " + Q(t1), "OK");
    t.Check("GetTask", "name: " + Q(t1) + " response_view: FULL", "OK");
    t.Check("ListTasks", "parent: " + Q(Queue("tasks")) + " response_view: FULL", "OK", {},
            [](json& j) {
              for (json& task : j["tasks"]) {
                if (task["name"].get<std::string>().find("/tasks/t1") == std::string::npos &&
                    task["name"].get<std::string>().find("/tasks/ae") == std::string::npos) {
                  MaskGeneratedName(task);
                }
              }
              std::sort(j["tasks"].begin(), j["tasks"].end(),
                        [](const json& a, const json& b) { return a.dump() < b.dump(); });
            });
    t.Check("RunTask", "name: " + Q(t1), "OK");
    t.Check("DeleteTask", "name: " + Q(Queue("tasks") + "/tasks/ae"), "OK");
    t.Check("DeleteQueue", "name: " + Q(Queue("q2")), "OK");

    // The error catalogue of spec 7.3.
    t.Check("CreateQueue", "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("q1")) + " }",
            "ALREADY_EXISTS");
    t.Check("CreateQueue", "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("bad name!")) + " }",
            "INVALID_ARGUMENT");
    t.Check("CreateQueue", "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("q2")) + " }",
            "FAILED_PRECONDITION");
    t.Check("CreateQueue",
            "parent: " + Q(kLoc) + " queue { name: " + Q(Queue("q-fast")) +
                " rate_limits { max_dispatches_per_second: 501 } }",
            "INVALID_ARGUMENT");
    t.Check("UpdateQueue",
            "queue { name: " + Q(Queue("q1")) +
                " retry_config { max_doublings: -1 } }"
                " update_mask { paths: 'retry_config.max_doublings' }",
            "INVALID_ARGUMENT");
    for (const char* m : {"GetQueue", "PauseQueue", "ResumeQueue", "PurgeQueue", "DeleteQueue"}) {
      CAPTURE(m);
      t.Check(m, "name: " + Q(Queue("missing")), "NOT_FOUND");
    }
    t.Check("CreateTask",
            "parent: " + Q(Queue("missing")) + " task { http_request { url: 'http://x/' } }",
            "NOT_FOUND");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { name: " + Q(t1) +
                " http_request { url: 'http://127.0.0.1:1/w' } }",
            "ALREADY_EXISTS");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { name: " +
                Q(Queue("tasks") + "/tasks/bad id!") + " http_request { url: 'http://x/' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { name: " + Q(Queue("q1") + "/tasks/x") +
                " http_request { url: 'http://x/' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask", "parent: " + Q(Queue("tasks")) + " task { http_request { url: '' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { http_request { url: 'ftp://x/' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) +
                " task { dispatch_deadline { seconds: 5 } http_request { url: 'http://x/' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) +
                " task { schedule_time { seconds: " + std::to_string(kStartSeconds + 800 * 3600) +
                " } http_request { url: 'http://x/' } }",
            "INVALID_ARGUMENT");
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { http_request { url: 'http://x/' } }",
            "INVALID_ARGUMENT", [](pb::Message& m) {
              dynamic_cast<google::cloud::tasks::v2::CreateTaskRequest&>(m)
                  .mutable_task()
                  ->mutable_http_request()
                  ->set_body(std::string(1100 * 1024, 'x'));
            });
    // Headers that are no valid HTTP header (CR LF would add one of its own), either target.
    Outcome crlf = t.Check(
        "CreateTask",
        "parent: " + Q(Queue("tasks")) + " task { name: " + Q(Queue("tasks") + "/tasks/crlf") +
            " http_request { url: 'http://x/' headers { key: 'X-Q' value: 'x\\r\\nEvil: 1' }"
            " } }",
        "INVALID_ARGUMENT");
    CHECK(crlf.message.rfind("Invalid value for header \"X-Q\" in HttpRequest.headers", 0) == 0);
    t.Check("CreateTask",
            "parent: " + Q(Queue("tasks")) + " task { name: " + Q(Queue("tasks") + "/tasks/crlf") +
                " app_engine_http_request { headers { key: 'X-A\\r\\nB' value: '1' } } }",
            "INVALID_ARGUMENT");
    // A URL or relativeUri with CR LF (it would end the request line) or whitespace: the same
    // message both ways.
    const std::pair<std::string, std::string> kBadUrls[] = {
        {"http_request { url: 'http://x/a\\r\\nEvil: 1\\r\\nX:' }",
         "HttpRequest.url must not contain whitespace or control characters (percent-encode "
         "them: %20 for a space), not \"http://x/a\\r\\nEvil: 1\\r\\nX:\"."},
        {"http_request { url: 'http://x/a b' }", "HttpRequest.url must not contain whitespace"},
        {"app_engine_http_request { relative_uri: '/a\\nEvil: 1' }",
         "AppEngineHttpRequest.relativeUri must not contain whitespace"},
    };
    for (const auto& [target, message] : kBadUrls) {
      Outcome bad = t.Check("CreateTask",
                            "parent: " + Q(Queue("tasks")) + " task { name: " +
                                Q(Queue("tasks") + "/tasks/crlf") + " " + target + " }",
                            "INVALID_ARGUMENT");
      CHECK(bad.message.rfind(message, 0) == 0);
    }
    t.Check("GetTask", "name: " + Q(Queue("tasks") + "/tasks/crlf"), "NOT_FOUND");
    t.Check("GetTask", "name: " + Q(Queue("tasks") + "/tasks/never"), "NOT_FOUND");
    t.Check("GetTask", "name: " + Q(Queue("tasks") + "/tasks/ae"), "NOT_FOUND");
    t.Check("DeleteTask", "name: " + Q(Queue("tasks") + "/tasks/never"), "NOT_FOUND");
    t.Check("RunTask", "name: " + Q(Queue("tasks") + "/tasks/never"), "NOT_FOUND");
    t.Check("TestIamPermissions",
            "resource: " + Q(Queue("missing")) + " permissions: 'cloudtasks.tasks.create'", "OK");
    t.Check("ListQueues", "parent: " + Q(kLoc) + " page_token: 'garbage'", "INVALID_ARGUMENT");
    t.Check("ListTasks", "parent: " + Q(Queue("tasks")) + " page_token: 'garbage'",
            "INVALID_ARGUMENT");
    // (A name that does not fit the URL template cannot be compared: REST answers the front end's
    // 404 for the URL, gRPC the service's INVALID_ARGUMENT. README: "REST and gRPC".)
    t.Check("ListLocations", "name: 'projects/parity' filter: 'x'", "UNIMPLEMENTED");
  }
}

// The listener tells HTTP/2 from HTTP/1.1 by peeking; a preface split over two packets still
// reaches gRPC, which answers with its SETTINGS frame.
TEST_CASE("a split HTTP/2 preface is still handed to gRPC") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--log-level", "off"});
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(emulator.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string first = "PRI * HTTP/2.0\r\n";
  const std::string rest = std::string("\r\nSM\r\n\r\n") + std::string("\0\0\0\4\0\0\0\0\0", 9);
  REQUIRE(::send(fd, first.data(), first.size(), 0) == static_cast<ssize_t>(first.size()));
  // The server must not answer (or give up) before the preface is complete.
  pollfd p{fd, POLLIN, 0};
  CHECK(::poll(&p, 1, 50) == 0);
  REQUIRE(::send(fd, rest.data(), rest.size(), 0) == static_cast<ssize_t>(rest.size()));
  unsigned char frame[9];
  size_t got = 0;
  while (got < sizeof frame) {
    pollfd q{fd, POLLIN, 0};
    REQUIRE(::poll(&q, 1, 5000) == 1);
    ssize_t n = ::recv(fd, frame + got, sizeof frame - got, 0);
    REQUIRE(n > 0);
    got += static_cast<size_t>(n);
  }
  CHECK(frame[3] == 0x4);  // SETTINGS.
  ::close(fd);
}

TEST_CASE("HTTP/1.1 requests that start like the preface are still REST") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--log-level", "off"});
  HttpClient c(emulator.port);
  auto reply =
      c.Raw("PRI /v2/projects/p/locations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 404", 0) == 0);
}

// Values protobuf can carry but the JSON mapping cannot: each is INVALID_ARGUMENT, naming the
// field.
TEST_CASE("out-of-range protobuf values are INVALID_ARGUMENT over gRPC") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--log-level", "off"});
  GrpcSide grpc(emulator.port);
  google::cloud::tasks::v2::CreateQueueRequest create;
  create.set_parent(kLoc);
  create.mutable_queue()->set_name(Queue("q"));
  REQUIRE(grpc.Call("CreateQueue", create).code == "OK");

  struct Bad {
    const char* text;
    const char* field;
  };
  const Bad cases[] = {
      {"dispatch_deadline { seconds: 20 nanos: -5 }", "'task.dispatch_deadline'"},
      {"dispatch_deadline { seconds: 20 nanos: 1000000000 }", "'task.dispatch_deadline'"},
      {"schedule_time { nanos: -1 }", "'task.schedule_time'"},
      {"schedule_time { seconds: 253402300800 }", "'task.schedule_time'"},
      {"http_request { url: 'http://x/' http_method: 99 }", "'task.http_request.http_method'"},
  };
  for (const Bad& bad : cases) {
    CAPTURE(bad.text);
    google::cloud::tasks::v2::CreateTaskRequest request;
    REQUIRE(pb::TextFormat::ParseFromString(std::string("task { ") + bad.text + " }", &request));
    request.set_parent(Queue("q"));
    Outcome o = grpc.Call("CreateTask", request);
    CHECK(o.code == "INVALID_ARGUMENT");
    CHECK(o.message.find(bad.field) != std::string::npos);
  }
  google::cloud::tasks::v2::GetTaskRequest get;
  get.set_name(Queue("q") + "/tasks/t");
  get.set_response_view(static_cast<google::cloud::tasks::v2::Task::View>(7));
  Outcome o = grpc.Call("GetTask", get);
  CHECK(o.code == "INVALID_ARGUMENT");
  CHECK(o.message.find("'response_view'") != std::string::npos);
}

TEST_CASE("over gRPC a queue's httpTarget is invisible, and UpdateQueue keeps it") {
  Running emulator(kEmulator, {"--port", "0", "--db", ":memory:", "--log-level", "off"});
  GrpcSide grpc(emulator.port);
  HttpClient http(emulator.port);
  const std::string target = R"({"uriOverride":{"host":"worker.example"},"httpMethod":"PUT"})";
  auto created = http.Request("POST", "/v2/" + kQueues,
                              R"({"name":")" + Queue("h") + R"(","httpTarget":)" + target + "}");
  REQUIRE(created.status == 200);
  google::cloud::tasks::v2::GetQueueRequest get;
  get.set_name(Queue("h"));
  Outcome got = grpc.Call("GetQueue", get);
  REQUIRE(got.code == "OK");
  CHECK_FALSE(got.body.contains("httpTarget"));
  for (const char* mask : {"", "paths: 'retry_config.max_attempts'", "paths: 'http_target'"}) {
    CAPTURE(mask);
    google::cloud::tasks::v2::UpdateQueueRequest update;
    REQUIRE(pb::TextFormat::ParseFromString(
        "queue { name: '" + Queue("h") + "' retry_config { max_attempts: 7 } } update_mask { " +
            mask + " }",
        &update));
    REQUIRE(grpc.Call("UpdateQueue", update).code == "OK");
    json rest = json::parse(http.Request("GET", "/v2/" + Queue("h")).body);
    CHECK(rest["httpTarget"] == json::parse(target));
  }
}
