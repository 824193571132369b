#include "store/sqlite_task_rows.h"

#include "core/time_util.h"
#include "store/header_codec.h"
#include "store/stored_values.h"

namespace cte::store {

namespace {

using core::Task;

// The task columns before and after the body.
constexpr char kColumnsHead[] = "id, task_id, target_kind, http_method, url, headers, ";
constexpr char kColumnsTail[] =
    " AS body, auth_kind, auth_email, auth_extra, routing_service, routing_version, "
    "routing_instance, schedule_time_us, create_time_us, dispatch_deadline_us, dispatch_count, "
    "response_count, first_attempt_dispatch_us, last_attempt_schedule_us, "
    "last_attempt_dispatch_us, last_attempt_response_us, last_response_code, "
    "last_response_message, execution_count, previous_response";

std::optional<core::AppEngineRouting> ReadRouting(SQLite::Statement& st, const TaskColumns& c) {
  if (st.getColumn(c.routing_service).isNull()) return std::nullopt;
  return core::AppEngineRouting{st.getColumn(c.routing_service).getString(),
                                st.getColumn(c.routing_version).getString(),
                                st.getColumn(c.routing_instance).getString(), ""};
}

void ReadTarget(SQLite::Statement& st, const TaskColumns& c, Task& t) {
  auto method = HttpMethodFromStored(st.getColumn(c.http_method).getInt());
  std::string url = st.getColumn(c.url).getString();
  core::HeaderMap headers =
      DecodeHeaders(Bytes(st.getColumn(c.headers))).value_or(core::HeaderMap{});
  std::string body(Bytes(st.getColumn(c.body)));
  if (st.getColumn(c.target_kind).getInt() == static_cast<int>(TargetKind::kAppEngine)) {
    t.app_engine_http_request = core::AppEngineHttpRequest{
        method, ReadRouting(st, c), std::move(url), std::move(headers), std::move(body)};
    return;
  }
  core::HttpRequest r{std::move(url), method, std::move(headers), std::move(body), {}, {}};
  auto auth = static_cast<AuthKind>(st.getColumn(c.auth_kind).getInt());
  std::string email = st.getColumn(c.auth_email).getString();
  std::string extra = st.getColumn(c.auth_extra).getString();
  if (auth == AuthKind::kOAuth) r.oauth_token = core::OAuthToken{email, extra};
  if (auth == AuthKind::kOidc) r.oidc_token = core::OidcToken{email, extra};
  t.http_request = std::move(r);
}

void ReadAttempts(SQLite::Statement& st, const TaskColumns& c, Task& t) {
  if (auto first = OptionalTime(st.getColumn(c.first_dispatch))) {
    t.first_attempt = core::Attempt{std::nullopt, first, std::nullopt, std::nullopt};
  }
  if (st.getColumn(c.last_dispatch).isNull()) return;
  core::Attempt a{OptionalTime(st.getColumn(c.last_schedule)),
                  OptionalTime(st.getColumn(c.last_dispatch)),
                  OptionalTime(st.getColumn(c.last_response)), std::nullopt};
  if (!st.getColumn(c.last_code).isNull()) {
    a.response_status = core::RpcStatus{st.getColumn(c.last_code).getInt(),
                                        st.getColumn(c.last_message).getString()};
  }
  t.last_attempt = a;
}

}  // namespace

std::string SelectTasks(const char* body, const std::string& where) {
  return std::string("SELECT ") + kColumnsHead + body + kColumnsTail + " FROM tasks WHERE " + where;
}

TaskColumns::TaskColumns(const Sql& s)
    : id(s.Col("id")),
      task_id(s.Col("task_id")),
      target_kind(s.Col("target_kind")),
      http_method(s.Col("http_method")),
      url(s.Col("url")),
      headers(s.Col("headers")),
      body(s.Col("body")),
      auth_kind(s.Col("auth_kind")),
      auth_email(s.Col("auth_email")),
      auth_extra(s.Col("auth_extra")),
      routing_service(s.Col("routing_service")),
      routing_version(s.Col("routing_version")),
      routing_instance(s.Col("routing_instance")),
      schedule_time(s.Col("schedule_time_us")),
      create_time(s.Col("create_time_us")),
      dispatch_deadline(s.Col("dispatch_deadline_us")),
      dispatch_count(s.Col("dispatch_count")),
      response_count(s.Col("response_count")),
      first_dispatch(s.Col("first_attempt_dispatch_us")),
      last_schedule(s.Col("last_attempt_schedule_us")),
      last_dispatch(s.Col("last_attempt_dispatch_us")),
      last_response(s.Col("last_attempt_response_us")),
      last_code(s.Col("last_response_code")),
      last_message(s.Col("last_response_message")),
      execution_count(s.Col("execution_count")),
      previous_response(s.Col("previous_response")) {}

Task ReadTask(SQLite::Statement& st, const TaskColumns& c, const std::string& queue) {
  Task t;
  t.name = queue + "/tasks/" + st.getColumn(c.task_id).getString();
  ReadTarget(st, c, t);
  t.schedule_time = core::FromMicros(st.getColumn(c.schedule_time).getInt64());
  t.create_time = core::FromMicros(st.getColumn(c.create_time).getInt64());
  t.dispatch_deadline = std::chrono::microseconds(st.getColumn(c.dispatch_deadline).getInt64());
  t.dispatch_count = st.getColumn(c.dispatch_count).getInt();
  t.response_count = st.getColumn(c.response_count).getInt();
  ReadAttempts(st, c, t);
  t.execution_count = st.getColumn(c.execution_count).getInt();
  t.previous_response = st.getColumn(c.previous_response).getInt();
  return t;
}

const char kInsertTask[] =
    "INSERT INTO tasks (queue_id, task_id, target_kind, http_method, url, headers, body, "
    "auth_kind, auth_email, auth_extra, routing_service, routing_version, routing_instance, "
    "schedule_time_us, create_time_us, dispatch_deadline_us, id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

void BindNewTask(SQLite::Statement& st, const Task& t, int64_t id, int64_t queue_id,
                 const std::string& task_id, const std::string& header_blob) {
  st.bind(17, id);
  st.bind(1, queue_id);
  st.bind(2, task_id);
  const std::string* body;
  const std::optional<core::AppEngineRouting>* routing = nullptr;
  if (t.http_request) {
    const core::HttpRequest& r = *t.http_request;
    st.bind(3, static_cast<int>(TargetKind::kHttp));
    st.bind(4, StoredHttpMethod(r.http_method));
    st.bind(5, r.url);
    body = &r.body;
    AuthKind auth = r.oauth_token  ? AuthKind::kOAuth
                    : r.oidc_token ? AuthKind::kOidc
                                   : AuthKind::kNone;
    st.bind(8, static_cast<int>(auth));
    st.bind(9, r.oauth_token  ? r.oauth_token->service_account_email
               : r.oidc_token ? r.oidc_token->service_account_email
                              : std::string());
    st.bind(10, r.oauth_token  ? r.oauth_token->scope
                : r.oidc_token ? r.oidc_token->audience
                               : std::string());
  } else {
    const core::AppEngineHttpRequest& r = *t.app_engine_http_request;
    st.bind(3, static_cast<int>(TargetKind::kAppEngine));
    st.bind(4, StoredHttpMethod(r.http_method));
    st.bind(5, r.relative_uri);
    body = &r.body;
    st.bind(8, static_cast<int>(AuthKind::kNone));
    st.bind(9, std::string());
    st.bind(10, std::string());
    routing = &r.app_engine_routing;
  }
  st.bindNoCopy(6, header_blob.data(), static_cast<int>(header_blob.size()));
  st.bindNoCopy(7, body->data(), static_cast<int>(body->size()));
  bool has_routing = routing && routing->has_value();
  BindText(st, 11, has_routing ? &(*routing)->service : nullptr);
  BindText(st, 12, has_routing ? &(*routing)->version : nullptr);
  BindText(st, 13, has_routing ? &(*routing)->instance : nullptr);
  BindTime(st, 14, t.schedule_time.value_or(core::TimePoint()));
  BindTime(st, 15, t.create_time.value_or(core::TimePoint()));
  st.bind(16, Micros(t.dispatch_deadline));
}

}  // namespace cte::store
