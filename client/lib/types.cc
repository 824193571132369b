#include "client/lib/types.h"

#include <string_view>

namespace cte::client {
namespace {

using Json = nlohmann::json;

const Json* Field(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const Json& j, const char* key) {
  const Json* f = Field(j, key);
  return f && f->is_string() ? f->get<std::string>() : std::string();
}

// Numbers may arrive as JSON numbers or, for 64-bit fields, as decimal strings.
template <typename T>
std::optional<T> Num(const Json& j, const char* key) {
  const Json* f = Field(j, key);
  if (!f) return std::nullopt;
  if (f->is_number()) return f->get<T>();
  if (f->is_string()) {
    try {
      return static_cast<T>(std::stod(f->get<std::string>()));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

template <typename T>
void PutIf(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

void PutIf(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

Json HttpRequestToJson(const HttpRequest& r) {
  Json j = Json::object();
  PutIf(j, "url", r.url);
  PutIf(j, "httpMethod", r.http_method);
  if (!r.headers.empty()) j["headers"] = r.headers;
  if (!r.body.empty()) j["body"] = Base64Encode(r.body);
  if (r.oidc_token) {
    Json t = {{"serviceAccountEmail", r.oidc_token->service_account_email}};
    PutIf(t, "audience", r.oidc_token->audience);
    j["oidcToken"] = t;
  }
  if (r.oauth_token) {
    Json t = {{"serviceAccountEmail", r.oauth_token->service_account_email}};
    PutIf(t, "scope", r.oauth_token->scope);
    j["oauthToken"] = t;
  }
  return j;
}

HttpRequest HttpRequestFromJson(const Json& j) {
  HttpRequest r{Str(j, "url"), Str(j, "httpMethod"), {}, Base64Decode(Str(j, "body")), {}, {}};
  if (const Json* h = Field(j, "headers"); h && h->is_object()) {
    for (const auto& [k, v] : h->items()) r.headers[k] = v.is_string() ? v.get<std::string>() : "";
  }
  if (const Json* t = Field(j, "oidcToken")) {
    r.oidc_token = OidcToken{Str(*t, "serviceAccountEmail"), Str(*t, "audience")};
  }
  if (const Json* t = Field(j, "oauthToken")) {
    r.oauth_token = OAuthToken{Str(*t, "serviceAccountEmail"), Str(*t, "scope")};
  }
  return r;
}

std::optional<Attempt> AttemptFromJson(const Json& j, const char* key) {
  const Json* a = Field(j, key);
  if (!a) return std::nullopt;
  Attempt out{Str(*a, "scheduleTime"), Str(*a, "dispatchTime"), Str(*a, "responseTime"), {}, ""};
  if (const Json* s = Field(*a, "responseStatus")) {
    out.response_code = Num<int>(*s, "code").value_or(0);
    out.response_message = Str(*s, "message");
  }
  return out;
}

}  // namespace

Json QueueToJson(const Queue& q) {
  Json j = Json::object();
  PutIf(j, "name", q.name);
  Json rate = Json::object();
  PutIf(rate, "maxDispatchesPerSecond", q.rate_limits.max_dispatches_per_second);
  PutIf(rate, "maxConcurrentDispatches", q.rate_limits.max_concurrent_dispatches);
  if (!rate.empty()) j["rateLimits"] = rate;
  const RetryConfig& r = q.retry_config;
  Json retry = Json::object();
  PutIf(retry, "maxAttempts", r.max_attempts);
  PutIf(retry, "maxRetryDuration", r.max_retry_duration);
  PutIf(retry, "minBackoff", r.min_backoff);
  PutIf(retry, "maxBackoff", r.max_backoff);
  PutIf(retry, "maxDoublings", r.max_doublings);
  if (!retry.empty()) j["retryConfig"] = retry;
  if (q.stackdriver_sampling_ratio) {
    j["stackdriverLoggingConfig"] = {{"samplingRatio", *q.stackdriver_sampling_ratio}};
  }
  return j;
}

Queue QueueFromJson(const Json& j) {
  Queue q;
  q.name = Str(j, "name");
  static const Json kEmpty = Json::object();
  const Json* rate = Field(j, "rateLimits");
  if (!rate) rate = &kEmpty;
  q.rate_limits = {Num<double>(*rate, "maxDispatchesPerSecond"), Num<int>(*rate, "maxBurstSize"),
                   Num<int>(*rate, "maxConcurrentDispatches")};
  const Json* retry = Field(j, "retryConfig");
  if (!retry) retry = &kEmpty;
  auto opt_str = [&](const char* key) -> std::optional<std::string> {
    if (Field(*retry, key)) return Str(*retry, key);
    return std::nullopt;
  };
  q.retry_config = {Num<int>(*retry, "maxAttempts"), opt_str("maxRetryDuration"),
                    opt_str("minBackoff"), opt_str("maxBackoff"), Num<int>(*retry, "maxDoublings")};
  if (const Json* s = Field(j, "stackdriverLoggingConfig")) {
    q.stackdriver_sampling_ratio = Num<double>(*s, "samplingRatio");
  }
  q.state = Str(j, "state");
  q.purge_time = Str(j, "purgeTime");
  q.raw = j;
  return q;
}

Json TaskSpecToJson(const TaskSpec& spec) {
  Json j = Json::object();
  if (const auto& a = spec.app_engine_request) {
    Json r = Json::object(), routing = Json::object();
    PutIf(r, "relativeUri", a->relative_uri);
    PutIf(r, "httpMethod", a->http_method);
    if (!a->headers.empty()) r["headers"] = a->headers;
    if (!a->body.empty()) r["body"] = Base64Encode(a->body);
    PutIf(routing, "service", a->service);
    PutIf(routing, "version", a->version);
    PutIf(routing, "instance", a->instance);
    if (!routing.empty()) r["appEngineRouting"] = routing;
    j["appEngineHttpRequest"] = r;
  } else {
    j["httpRequest"] = HttpRequestToJson(spec.http_request);
  }
  PutIf(j, "name", spec.name);
  PutIf(j, "scheduleTime", spec.schedule_time);
  PutIf(j, "dispatchDeadline", spec.dispatch_deadline);
  return j;
}

Task TaskFromJson(const Json& j) {
  Task t;
  t.name = Str(j, "name");
  if (const Json* r = Field(j, "httpRequest")) t.http_request = HttpRequestFromJson(*r);
  t.schedule_time = Str(j, "scheduleTime");
  t.create_time = Str(j, "createTime");
  t.dispatch_deadline = Str(j, "dispatchDeadline");
  t.dispatch_count = Num<int>(j, "dispatchCount").value_or(0);
  t.response_count = Num<int>(j, "responseCount").value_or(0);
  t.first_attempt = AttemptFromJson(j, "firstAttempt");
  t.last_attempt = AttemptFromJson(j, "lastAttempt");
  t.view = Str(j, "view");
  t.raw = j;
  return t;
}

Json PolicyToJson(const Policy& p) {
  Json j = Json::object();
  if (p.version != 0) j["version"] = p.version;
  if (!p.bindings.empty()) {
    Json bindings = Json::array();
    for (const auto& b : p.bindings) bindings.push_back({{"role", b.role}, {"members", b.members}});
    j["bindings"] = bindings;
  }
  PutIf(j, "etag", p.etag);
  return j;
}

Policy PolicyFromJson(const Json& j) {
  Policy p;
  p.version = Num<int>(j, "version").value_or(0);
  if (const Json* bs = Field(j, "bindings"); bs && bs->is_array()) {
    for (const auto& b : *bs) {
      Binding binding{Str(b, "role"), {}};
      if (const Json* m = Field(b, "members"); m && m->is_array()) {
        for (const auto& member : *m) {
          if (member.is_string()) binding.members.push_back(member.get<std::string>());
        }
      }
      p.bindings.push_back(std::move(binding));
    }
  }
  p.etag = Str(j, "etag");
  p.raw = j;
  return p;
}

Location LocationFromJson(const Json& j) {
  return {Str(j, "name"), Str(j, "locationId"), Str(j, "displayName"), j};
}

ClockInfo ClockFromJson(const Json& j) { return {Str(j, "time"), Str(j, "mode"), j}; }

AttemptRecord AttemptRecordFromJson(const Json& j) {
  AttemptRecord a;
  a.queue = Str(j, "queue");
  a.task = Str(j, "task");
  a.attempt = Num<int>(j, "attempt").value_or(0);
  a.method = Str(j, "method");
  a.url = Str(j, "url");
  a.outcome = Str(j, "outcome");
  a.schedule_time = Str(j, "scheduleTime");
  a.dispatch_time = Str(j, "dispatchTime");
  a.response_time = Str(j, "responseTime");
  a.latency = Str(j, "latency");
  a.error = Str(j, "error");
  if (const Json* hs = Field(j, "headers"); hs && hs->is_array()) {
    for (const auto& h : *hs) a.headers.emplace_back(Str(h, "name"), Str(h, "value"));
  }
  a.http_status = Num<int>(j, "httpStatus").value_or(0);
  const Json* duplicate = Field(j, "duplicate");
  a.duplicate = duplicate && duplicate->is_boolean() && duplicate->get<bool>();
  a.raw = j;
  return a;
}

QueueStats QueueStatsFromJson(const Json& j) {
  QueueStats s;
  s.name = Str(j, "name");
  s.tasks_waiting = Num<int64_t>(j, "tasksWaiting").value_or(0);
  s.in_flight = Num<int64_t>(j, "inFlight").value_or(0);
  s.dispatched = Num<int64_t>(j, "dispatched").value_or(0);
  s.succeeded = Num<int64_t>(j, "succeeded").value_or(0);
  s.retried = Num<int64_t>(j, "retried").value_or(0);
  s.given_up = Num<int64_t>(j, "givenUp").value_or(0);
  s.token_bucket_level = Num<double>(j, "tokenBucketLevel").value_or(0);
  s.dispatch_rate_10s = Num<double>(j, "dispatchRate10s").value_or(0);
  s.raw = j;
  return s;
}

}  // namespace cte::client
