#include "grpc/proto_mapping.h"

#include <functional>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "api/json_codec.h"

using namespace cte;
using namespace std::chrono;
using api::Json;
namespace tasks_pb = cte::grpc::tasks_pb;
namespace pbutil = ::google::protobuf::util;

namespace {

// 2025-03-28T13:06:30.110255Z, the purgeTime example of spec section 3: 2025-01-01 is day 20089
// since the epoch (55 years, 14 of them leap), March 28 is 86 days later, and
// 20175 * 86400 + 13 * 3600 + 6 * 60 + 30 = 1'743'167'190 s.
constexpr int64_t kPurgeSeconds = 1'743'167'190;
const core::TimePoint kPurgeTime =
    sys_days(year(2025) / 3 / 28) + hours(13) + minutes(6) + seconds(30) + microseconds(110255);

core::Queue FullQueue() {
  core::Queue q;
  q.name = "projects/p/locations/l/queues/q";
  q.app_engine_routing_override =
      core::AppEngineRouting{"svc", "v1", "i0", "i0.v1.svc.p.appspot.com"};
  q.rate_limits = {0.5, 1, 10};
  q.retry_config = {7, seconds(1800), milliseconds(100), seconds(3600), 16};
  q.state = core::QueueState::kPaused;
  q.purge_time = kPurgeTime;
  q.stackdriver_logging_config = core::StackdriverLoggingConfig{0.25};
  return q;
}

std::vector<core::Queue> Queues() {
  core::Queue named;
  named.name = "projects/p/locations/l/queues/only-name";
  core::Queue odd = FullQueue();  // Nanoseconds, negatives and empty sub-messages.
  // The host is derived on output (spec 4.8): these values carry the derived one.
  odd.app_engine_routing_override = core::AppEngineRouting{"", "", "", "p.appspot.com"};
  odd.retry_config = {-1, nanoseconds(1), milliseconds(-1500), seconds(1) + nanoseconds(1), 0};
  odd.state = core::QueueState::kDisabled;
  odd.purge_time = core::TimePoint(milliseconds(-500));  // Before the epoch.
  odd.stackdriver_logging_config = core::StackdriverLoggingConfig{0};
  return {core::Queue{}, named, FullQueue(), odd};
}

core::Task HttpTask() {
  core::Task t;
  t.name = "projects/p/locations/l/queues/q/tasks/t-1";
  core::HttpRequest& r = t.http_request.emplace();
  r.url = "https://worker.example/handle?x=1";
  r.http_method = core::HttpMethod::kPut;
  r.headers = {{"Content-Type", "application/json"}, {"X-Case", "MiXeD"}, {"x-empty", ""}};
  r.body = std::string("{\"a\":1}\0\xff", 9);
  r.oidc_token = core::OidcToken{"sa@p.iam.gserviceaccount.com", "https://aud"};
  t.schedule_time = kPurgeTime + nanoseconds(7);
  t.create_time = sys_days(year(2025) / 3 / 28) + hours(13);
  t.dispatch_deadline = milliseconds(20'500);
  t.dispatch_count = 3;
  t.response_count = 2;
  t.first_attempt = core::Attempt{};
  t.first_attempt->dispatch_time = kPurgeTime;
  t.last_attempt = core::Attempt{kPurgeTime, kPurgeTime + seconds(1), kPurgeTime + seconds(2),
                                 core::RpcStatus{5, "Not Found"}};
  t.view = core::TaskView::kFull;
  return t;
}

std::vector<core::Task> Tasks() {
  core::Task oauth = HttpTask();
  oauth.http_request->oidc_token.reset();
  oauth.http_request->oauth_token =
      core::OAuthToken{"sa@p.iam.gserviceaccount.com", "https://www.googleapis.com/auth/x"};
  oauth.last_attempt = core::Attempt{};  // Present but empty, as while an attempt runs.
  oauth.last_attempt->response_status = core::RpcStatus{};
  oauth.view = core::TaskView::kBasic;
  core::Task app_engine;
  app_engine.name = "projects/p/locations/l/queues/q/tasks/ae";
  core::AppEngineHttpRequest& a = app_engine.app_engine_http_request.emplace();
  a.http_method = core::HttpMethod::kOptions;
  a.app_engine_routing = core::AppEngineRouting{"s", "v", "i", "i.v.s.p.appspot.com"};
  a.relative_uri = "/path?q=1";
  a.headers = {{"X-A", "1"}};
  a.body = "body";
  app_engine.schedule_time = core::TimePoint(seconds(-1) + milliseconds(500));
  core::Task bare_http;
  bare_http.http_request.emplace();
  return {core::Task{}, HttpTask(), oauth, app_engine, bare_http};
}

core::Policy FullPolicy() {
  core::Policy p;
  p.version = 3;
  p.etag = std::string("\0\xff\x10", 3);
  p.bindings.push_back(
      {"roles/cloudtasks.enqueuer",
       {"user:a@example.com", "serviceAccount:b@p.iam.gserviceaccount.com"},
       core::Expr{"request.time < timestamp('2030-01-01T00:00:00Z')", "t", "d", "l"}});
  p.bindings.push_back({"roles/cloudtasks.viewer", {}, std::nullopt});
  return p;
}

template <typename Message>
Json ProtoJson(const Message& m, bool enums_as_ints = false) {
  pbutil::JsonPrintOptions options;
  options.always_print_enums_as_ints = enums_as_ints;
  std::string text;
  REQUIRE(pbutil::MessageToJsonString(m, &text, options).ok());
  return Json::parse(text);
}

template <typename Message>
Message ParseProtoJson(const Json& j) {
  Message m;
  REQUIRE(pbutil::JsonStringToMessage(j.dump(), &m).ok());
  return m;
}

tasks_pb::Queue QueueProto(const core::Queue& q) {
  tasks_pb::Queue pb;
  cte::grpc::ToProto(q, pb);
  return pb;
}

tasks_pb::Task TaskProto(const core::Task& t) {
  tasks_pb::Task pb;
  cte::grpc::ToProto(t, pb);
  return pb;
}

core::Status QueueStatus(const tasks_pb::Queue& pb) {
  core::Queue q;
  return cte::grpc::FromProto(pb, "queue", q);
}

core::Status TaskStatus(const tasks_pb::Task& pb) {
  core::Task t;
  return cte::grpc::FromProto(pb, "task", t);
}

// Checks that each of `values` (queues or tasks) reads back the same from its message, of type
// P; `path` names the message in errors.
template <typename P, typename T>
void CheckRoundTrips(const std::vector<T>& values, const std::string& path) {
  for (const T& v : values) {
    CAPTURE(v.name);
    P pb;
    cte::grpc::ToProto(v, pb);
    T back;
    REQUIRE(cte::grpc::FromProto(pb, path, back).ok());
    CHECK(back == v);
  }
}

// A seconds and nanos pair a Duration or a Timestamp cannot hold.
struct OutOfRange {
  int64_t seconds;
  int32_t nanos;
};
// The field of a queue or task message a value goes into; the path names it.
template <typename M>
using FieldAt = std::pair<std::string, std::function<M*(tasks_pb::Queue&, tasks_pb::Task&)>>;

// Writes each value into each field and checks that the message is INVALID_ARGUMENT naming the
// field, the value and `type` (M's type name) as protobuf's own JSON printer words it.
template <typename M>
void CheckRejected(const std::string& type, const std::vector<FieldAt<M>>& fields,
                   const std::vector<OutOfRange>& bad) {
  for (const auto& [path, field] : fields) {
    for (const OutOfRange& c : bad) {
      CAPTURE(path);
      CAPTURE(c.seconds);
      CAPTURE(c.nanos);
      tasks_pb::Queue q;
      tasks_pb::Task t;
      M* m = field(q, t);
      m->set_seconds(c.seconds);
      m->set_nanos(c.nanos);
      core::Status s = path.rfind("queue.", 0) == 0 ? QueueStatus(q) : TaskStatus(t);
      CHECK(s.code() == core::Code::kInvalidArgument);
      CHECK(s.message() == "Invalid value at '" + path + "' (type.googleapis.com/" + type +
                               "), seconds: " + std::to_string(c.seconds) +
                               " nanos: " + std::to_string(c.nanos));
    }
  }
}

}  // namespace

TEST_CASE("queues round trip core -> proto -> core") {
  CheckRoundTrips<tasks_pb::Queue>(Queues(), "queue");
}

TEST_CASE("tasks round trip core -> proto -> core") {
  CheckRoundTrips<tasks_pb::Task>(Tasks(), "task");
}

TEST_CASE("policies round trip core -> proto -> core") {
  for (const core::Policy& p : {core::Policy{}, FullPolicy()}) {
    CAPTURE(p.bindings.size());
    google::iam::v1::Policy pb;
    cte::grpc::ToProto(p, pb);
    core::Policy back;
    REQUIRE(cte::grpc::FromProto(pb, back).ok());
    CHECK(back == p);
  }
}

TEST_CASE("a queue message with every field set reads as written and writes back the same") {
  tasks_pb::Queue pb;
  pb.set_name("projects/p/locations/l/queues/q");
  // Output only, and derived from the routing and the project on output.
  pb.mutable_app_engine_routing_override()->set_host("p.appspot.com");
  pb.mutable_rate_limits()->set_max_dispatches_per_second(200.5);
  pb.mutable_rate_limits()->set_max_burst_size(-5);  // Output only; a negative one is read too.
  pb.mutable_rate_limits()->set_max_concurrent_dispatches(1000);
  auto* retry = pb.mutable_retry_config();
  retry->set_max_attempts(-1);
  retry->mutable_max_retry_duration()->set_seconds(1800);
  retry->mutable_min_backoff()->set_nanos(100'000'000);
  retry->mutable_max_backoff()->set_seconds(3600);
  retry->set_max_doublings(16);
  pb.set_state(tasks_pb::Queue::RUNNING);
  pb.mutable_purge_time()->set_seconds(kPurgeSeconds);
  pb.mutable_purge_time()->set_nanos(110'255'000);
  pb.mutable_stackdriver_logging_config()->set_sampling_ratio(1);

  core::Queue q;
  REQUIRE(cte::grpc::FromProto(pb, "queue", q).ok());
  CHECK(q.app_engine_routing_override == core::AppEngineRouting{"", "", "", "p.appspot.com"});
  CHECK(q.rate_limits == core::RateLimits{200.5, -5, 1000});
  CHECK(q.retry_config == core::RetryConfig{-1, seconds(1800), milliseconds(100), hours(1), 16});
  CHECK(q.state == core::QueueState::kRunning);
  CHECK(q.purge_time == kPurgeTime);
  CHECK(q.stackdriver_logging_config == core::StackdriverLoggingConfig{1});
  CHECK(pbutil::MessageDifferencer::Equals(QueueProto(q), pb));
  CHECK(ProtoJson(pb)["purgeTime"] == "2025-03-28T13:06:30.110255Z");  // Protobuf's own printer.
  CHECK(api::QueueToJson(q, {})["purgeTime"] == "2025-03-28T13:06:30.110255Z");
}

TEST_CASE("a task message with every output-only field set reads them, and writes back the same") {
  tasks_pb::Task pb = TaskProto(HttpTask());
  core::Task t;
  REQUIRE(cte::grpc::FromProto(pb, "task", t).ok());
  CHECK(t.create_time.has_value());
  CHECK(t.dispatch_count == 3);
  CHECK(t.response_count == 2);
  REQUIRE(t.first_attempt.has_value());
  CHECK(t.first_attempt->dispatch_time == kPurgeTime);
  REQUIRE(t.last_attempt.has_value());
  CHECK(t.last_attempt->response_time == kPurgeTime + seconds(2));
  CHECK(t.last_attempt->response_status == core::RpcStatus{5, "Not Found"});
  CHECK(t.view == core::TaskView::kFull);
  CHECK(pbutil::MessageDifferencer::Equals(TaskProto(t), pb));
  CHECK(pb.schedule_time().seconds() == kPurgeSeconds);
  CHECK(pb.schedule_time().nanos() == 110'255'007);
  CHECK(pb.dispatch_deadline().seconds() == 20);
  CHECK(pb.dispatch_deadline().nanos() == 500'000'000);
}

TEST_CASE("unset values stay unset in both directions") {
  tasks_pb::Queue q = QueueProto(core::Queue{});
  CHECK(q.name().empty());
  CHECK_FALSE(q.has_app_engine_routing_override());
  CHECK_FALSE(q.retry_config().has_max_retry_duration());
  CHECK_FALSE(q.retry_config().has_min_backoff());
  CHECK_FALSE(q.retry_config().has_max_backoff());
  CHECK(q.state() == tasks_pb::Queue::STATE_UNSPECIFIED);
  CHECK_FALSE(q.has_purge_time());
  CHECK_FALSE(q.has_stackdriver_logging_config());

  tasks_pb::Task t = TaskProto(core::Task{});
  CHECK(t.message_type_case() == tasks_pb::Task::MESSAGE_TYPE_NOT_SET);
  CHECK_FALSE(t.has_schedule_time());
  CHECK_FALSE(t.has_create_time());
  CHECK_FALSE(t.has_dispatch_deadline());
  CHECK_FALSE(t.has_first_attempt());
  CHECK_FALSE(t.has_last_attempt());
  CHECK(t.view() == tasks_pb::Task::VIEW_UNSPECIFIED);

  core::Task partial;
  partial.http_request.emplace();
  partial.last_attempt = core::Attempt{};
  partial.last_attempt->dispatch_time = kPurgeTime;
  tasks_pb::Task p = TaskProto(partial);
  CHECK(p.http_request().authorization_header_case() ==
        tasks_pb::HttpRequest::AUTHORIZATION_HEADER_NOT_SET);
  CHECK(p.http_request().headers().empty());
  CHECK_FALSE(p.last_attempt().has_schedule_time());
  CHECK_FALSE(p.last_attempt().has_response_time());
  CHECK_FALSE(p.last_attempt().has_response_status());

  core::Queue empty_queue;
  REQUIRE(cte::grpc::FromProto(tasks_pb::Queue(), "queue", empty_queue).ok());
  CHECK(empty_queue == core::Queue{});
  core::Task empty_task;
  REQUIRE(cte::grpc::FromProto(tasks_pb::Task(), "task", empty_task).ok());
  CHECK(empty_task == core::Task{});
  core::Policy empty_policy;
  REQUIRE(cte::grpc::FromProto(google::iam::v1::Policy(), empty_policy).ok());
  CHECK(empty_policy == core::Policy{});
}

TEST_CASE("in-range enum values read, and out-of-range ones are INVALID_ARGUMENT as over REST") {
  for (int state = 0; state <= 3; ++state) {
    tasks_pb::Queue pb;
    pb.set_state(static_cast<tasks_pb::Queue::State>(state));
    CHECK(QueueStatus(pb).ok());
  }
  for (int method = 0; method <= 7; ++method) {
    tasks_pb::Task pb;
    pb.mutable_http_request()->set_http_method(static_cast<tasks_pb::HttpMethod>(method));
    CHECK(TaskStatus(pb).ok());
  }
  struct Case {
    std::function<core::Status()> grpc;
    std::function<core::Status()> rest;  // The same value over REST JSON.
    std::string message;
  };
  auto queue_state = [](int v) {
    tasks_pb::Queue pb;
    pb.set_state(static_cast<tasks_pb::Queue::State>(v));
    return QueueStatus(pb);
  };
  auto rest_queue = [](const char* text) {
    core::Queue q;
    return api::ReadQueue(Json::parse(text), "queue", q);
  };
  auto rest_task = [](const char* text) {
    core::Task t;
    return api::ReadTask(Json::parse(text), "task", t);
  };
  auto task = [](const std::function<void(tasks_pb::Task&)>& set) {
    tasks_pb::Task pb;
    set(pb);
    return TaskStatus(pb);
  };
  const std::string kState = "(type.googleapis.com/google.cloud.tasks.v2.Queue.State), ";
  const std::string kMethod = "(type.googleapis.com/google.cloud.tasks.v2.HttpMethod), ";
  const std::string kView = "(type.googleapis.com/google.cloud.tasks.v2.Task.View), ";
  const Case cases[] = {
      {[&] { return queue_state(4); }, [&] { return rest_queue(R"({"state":4})"); },
       "Invalid value at 'queue.state' " + kState + "4"},
      {[&] { return queue_state(-1); }, [&] { return rest_queue(R"({"state":-1})"); },
       "Invalid value at 'queue.state' " + kState + "-1"},
      {[&] {
         return task([](auto& pb) {
           pb.mutable_http_request()->set_http_method(static_cast<tasks_pb::HttpMethod>(8));
         });
       },
       [&] { return rest_task(R"({"httpRequest":{"httpMethod":8}})"); },
       "Invalid value at 'task.http_request.http_method' " + kMethod + "8"},
      {[&] {
         return task([](auto& pb) {
           pb.mutable_app_engine_http_request()->set_http_method(
               static_cast<tasks_pb::HttpMethod>(99));
         });
       },
       [&] { return rest_task(R"({"appEngineHttpRequest":{"httpMethod":99}})"); },
       "Invalid value at 'task.app_engine_http_request.http_method' " + kMethod + "99"},
      {[&] { return task([](auto& pb) { pb.set_view(static_cast<tasks_pb::Task::View>(3)); }); },
       [&] { return rest_task(R"({"view":3})"); }, "Invalid value at 'task.view' " + kView + "3"},
      {[] {
         core::TaskView v;
         return cte::grpc::TaskViewFromProto(3, "response_view", v);
       },
       [] {
         core::TaskView v;
         return api::ReadTaskView(Json(3), "response_view", v);
       },
       "Invalid value at 'response_view' " + kView + "3"},
      {[] {
         core::TaskView v;
         return cte::grpc::TaskViewFromProto(-2, "response_view", v);
       },
       [] {
         core::TaskView v;
         return api::ReadTaskView(Json(-2), "response_view", v);
       },
       "Invalid value at 'response_view' " + kView + "-2"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    core::Status over_grpc = c.grpc();
    core::Status over_rest = c.rest();
    CHECK(over_grpc.code() == core::Code::kInvalidArgument);
    CHECK(over_grpc.message() == c.message);
    CHECK(over_rest.code() == core::Code::kInvalidArgument);
    CHECK(over_rest.message() == c.message);
  }
}

TEST_CASE("task views 0..2 read as UNSPECIFIED, BASIC and FULL") {
  for (auto [number, view] :
       {std::pair{0, core::TaskView::kUnspecified}, std::pair{1, core::TaskView::kBasic},
        std::pair{2, core::TaskView::kFull}}) {
    core::TaskView out = core::TaskView::kUnspecified;
    REQUIRE(cte::grpc::TaskViewFromProto(number, "response_view", out).ok());
    CHECK(out == view);
  }
}

TEST_CASE("durations outside protobuf's range are INVALID_ARGUMENT naming the field") {
  using google::protobuf::Duration;
  CheckRejected<Duration>(
      "google.protobuf.Duration",
      {
          {"queue.retry_config.max_retry_duration",
           [](auto& q, auto&) { return q.mutable_retry_config()->mutable_max_retry_duration(); }},
          {"queue.retry_config.min_backoff",
           [](auto& q, auto&) { return q.mutable_retry_config()->mutable_min_backoff(); }},
          {"queue.retry_config.max_backoff",
           [](auto& q, auto&) { return q.mutable_retry_config()->mutable_max_backoff(); }},
          {"task.dispatch_deadline", [](auto&, auto& t) { return t.mutable_dispatch_deadline(); }},
      },
      {
          {315'576'000'001, 0},   // Past protobuf's maximum of 10000 years.
          {-315'576'000'001, 0},  // Below its minimum.
          {0, 1'000'000'000},     // Nanos past a second.
          {0, -1'000'000'000},
          {1, -1},  // Mixed signs.
          {-1, 1},
      });
}

TEST_CASE("durations read and fail where the REST reader's do (nanoseconds hold 292 years)") {
  struct Case {
    int64_t seconds;
    int32_t nanos;
    const char* json;
    bool ok;
  };
  const Case cases[] = {
      {9'000'000'000, 0, "9000000000s", true},
      {-9'000'000'000, -999'999'999, "-9000000000.999999999s", true},
      {9'000'000'001, 0, "9000000001s", false},
      {-1, -500'000'000, "-1.500s", true},
      {0, 1, "0.000000001s", true},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.json));
    tasks_pb::Queue pb;
    pb.mutable_retry_config()->mutable_max_backoff()->set_seconds(c.seconds);
    pb.mutable_retry_config()->mutable_max_backoff()->set_nanos(c.nanos);
    core::Queue over_grpc, over_rest;
    core::Status g = cte::grpc::FromProto(pb, "queue", over_grpc);
    core::Status r =
        api::ReadQueue(Json{{"retryConfig", {{"maxBackoff", c.json}}}}, "queue", over_rest);
    CHECK(g.ok() == c.ok);
    CHECK(r.ok() == c.ok);
    if (c.ok) {
      CHECK(over_grpc == over_rest);
      CHECK(over_grpc.retry_config.max_backoff == seconds(c.seconds) + nanoseconds(c.nanos));
    }
  }
}

TEST_CASE("timestamps outside protobuf's range are INVALID_ARGUMENT naming the field") {
  using google::protobuf::Timestamp;
  CheckRejected<Timestamp>(
      "google.protobuf.Timestamp",
      {
          {"queue.purge_time", [](auto& q, auto&) { return q.mutable_purge_time(); }},
          {"task.schedule_time", [](auto&, auto& t) { return t.mutable_schedule_time(); }},
          {"task.create_time", [](auto&, auto& t) { return t.mutable_create_time(); }},
          {"task.first_attempt.dispatch_time",
           [](auto&, auto& t) { return t.mutable_first_attempt()->mutable_dispatch_time(); }},
          {"task.last_attempt.schedule_time",
           [](auto&, auto& t) { return t.mutable_last_attempt()->mutable_schedule_time(); }},
          {"task.last_attempt.response_time",
           [](auto&, auto& t) { return t.mutable_last_attempt()->mutable_response_time(); }},
      },
      {
          {253'402'300'800, 0},  // 10000-01-01T00:00:00Z, past 9999-12-31.
          {-62'135'596'801, 0},  // Before 0001-01-01T00:00:00Z.
          {0, -1},               // Nanos are never negative in a Timestamp.
          {0, 1'000'000'000},
      });
}

TEST_CASE("timestamps read and fail where the REST reader's do") {
  struct Case {
    int64_t seconds;
    const char* json;
    bool ok;
  };
  const Case cases[] = {
      {7'258'118'400, "2200-01-01T00:00:00Z", true},    // 2200 is inside nanosecond time points.
      {10'413'792'000, "2300-01-01T00:00:00Z", false},  // 2300 is valid protobuf, but not.
      {-2'208'988'800, "1900-01-01T00:00:00Z", true},
      {-11'676'096'000, "1600-01-01T00:00:00Z", false},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.json));
    tasks_pb::Task pb;
    pb.mutable_schedule_time()->set_seconds(c.seconds);
    core::Task over_grpc, over_rest;
    core::Status g = cte::grpc::FromProto(pb, "task", over_grpc);
    core::Status r = api::ReadTask(Json{{"scheduleTime", c.json}}, "task", over_rest);
    CHECK(g.ok() == c.ok);
    CHECK(r.ok() == c.ok);
    if (c.ok) {
      CHECK(over_grpc == over_rest);
      CHECK(ProtoJson(pb)["scheduleTime"] == c.json);  // The epoch seconds were right.
    }
  }
}

TEST_CASE("queues and tasks write the same JSON as the REST writer, enums as names or numbers") {
  for (const core::Queue& q : Queues()) {
    CAPTURE(q.name);
    tasks_pb::Queue pb = QueueProto(q);
    CHECK(ProtoJson(pb) == api::QueueToJson(q, {}));
    CHECK(ProtoJson(pb, true) == api::QueueToJson(q, {.enums_as_ints = true}));
  }
  for (const core::Task& t : Tasks()) {
    CAPTURE(t.name);
    tasks_pb::Task pb = TaskProto(t);
    CHECK(ProtoJson(pb) == api::TaskToJson(t, {}));
    CHECK(ProtoJson(pb, true) == api::TaskToJson(t, {.enums_as_ints = true}));
  }
}

TEST_CASE("the REST JSON of a value reads back to the same value over both transports") {
  for (const core::Queue& q : Queues()) {
    CAPTURE(q.name);
    Json j = api::QueueToJson(q, {});
    core::Queue over_grpc, over_rest;
    REQUIRE(cte::grpc::FromProto(ParseProtoJson<tasks_pb::Queue>(j), "queue", over_grpc).ok());
    REQUIRE(api::ReadQueue(j, "queue", over_rest).ok());
    CHECK(over_grpc == q);
    CHECK(over_rest == q);
  }
  for (const core::Task& t : Tasks()) {
    CAPTURE(t.name);
    Json j = api::TaskToJson(t, {});
    core::Task over_grpc, over_rest;
    REQUIRE(cte::grpc::FromProto(ParseProtoJson<tasks_pb::Task>(j), "task", over_grpc).ok());
    REQUIRE(api::ReadTask(j, "task", over_rest).ok());
    CHECK(over_grpc == t);
    // The REST reader skips Attempt.responseStatus (a google.rpc.Status with Any details); the
    // service drops attempts on input either way.
    core::Task expected = t;
    if (expected.last_attempt) expected.last_attempt->response_status.reset();
    CHECK(over_rest == expected);
  }
}

TEST_CASE("policies map the same over both transports") {
  for (const core::Policy& p : {core::Policy{}, FullPolicy()}) {
    CAPTURE(p.bindings.size());
    google::iam::v1::Policy pb;
    cte::grpc::ToProto(p, pb);
    CHECK(ProtoJson(pb) == api::PolicyToJson(p));
    core::Policy over_rest;
    REQUIRE(api::ReadPolicy(api::PolicyToJson(p), "policy", over_rest).ok());
    CHECK(over_rest == p);
  }
  google::iam::v1::Policy pb;
  cte::grpc::ToProto(FullPolicy(), pb);
  CHECK(pb.etag() == std::string("\0\xff\x10", 3));
  CHECK(pb.bindings(0).condition().expression() ==
        "request.time < timestamp('2030-01-01T00:00:00Z')");
  CHECK_FALSE(pb.bindings(1).has_condition());
}

TEST_CASE("locations write the same over both transports") {
  core::Location full{"projects/p/locations/us-central1",
                      "us-central1",
                      "Iowa",
                      {{"cloud.googleapis.com/region", "us-central1"}, {"k", ""}}};
  for (const core::Location& l : {core::Location{}, full}) {
    CAPTURE(l.name);
    google::cloud::location::Location pb;
    cte::grpc::ToProto(l, pb);
    CHECK(pb.name() == l.name);
    CHECK(pb.location_id() == l.location_id);
    CHECK(pb.display_name() == l.display_name);
    CHECK(std::map<std::string, std::string>(pb.labels().begin(), pb.labels().end()) == l.labels);
    CHECK_FALSE(pb.has_metadata());
    CHECK(ProtoJson(pb) == api::LocationToJson(l));
  }
}
