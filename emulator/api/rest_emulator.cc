// The test harness's endpoints (/emulator/v1) over REST: their requests decoded to core values
// and their answers rendered as JSON; harness::Harness runs them (api/emulator.h).
#include "api/metrics_text.h"
#include "api/page_token.h"
#include "api/rest_decoding.h"
#include "common/duration.h"
#include "core/time_util.h"

namespace cte::api {

namespace {

using core::Result;
using core::Status;
using pipeline::Job;

const char* OutcomeName(core::AttemptLogEntry::Outcome o) {
  switch (o) {
    case core::AttemptLogEntry::Outcome::kInFlight:
      return "IN_FLIGHT";
    case core::AttemptLogEntry::Outcome::kResponse:
      return "RESPONSE";
    case core::AttemptLogEntry::Outcome::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case core::AttemptLogEntry::Outcome::kConnectionError:
      return "CONNECTION_ERROR";
    case core::AttemptLogEntry::Outcome::kDiscarded:
      return "DISCARDED";
  }
  return "UNKNOWN";
}

}  // namespace

Json AttemptJson(const core::AttemptLogEntry& e) {
  Json headers = Json::array();
  for (const auto& [k, v] : e.headers) headers.push_back({{"name", k}, {"value", v}});
  Json j = {{"queue", e.queue},
            {"task", e.task},
            {"attempt", e.attempt},
            {"method", e.method},
            {"url", e.url},
            {"headers", headers},
            {"outcome", OutcomeName(e.outcome)},
            {"latency", core::FormatDuration(e.latency)}};
  if (e.schedule_time) j["scheduleTime"] = core::FormatTimestamp(*e.schedule_time);
  if (e.dispatch_time) j["dispatchTime"] = core::FormatTimestamp(*e.dispatch_time);
  if (e.response_time) j["responseTime"] = core::FormatTimestamp(*e.response_time);
  if (e.http_status != 0) j["httpStatus"] = e.http_status;
  if (!e.error.empty()) j["error"] = e.error;
  if (e.duplicate) j["duplicate"] = true;  // A second delivery (--duplicate-rate).
  return j;
}

namespace {

Json ClockJson(const ClockState& c) {
  Json j = {{"time", core::FormatTimestamp(c.time)}, {"mode", c.mode}};
  if (c.mode == "scaled") j["timeScale"] = c.time_scale;
  return j;
}

}  // namespace

Json StatsJson(const Stats& s) {
  Json queues = Json::array();
  for (const QueueStats& q : s.queues) {
    queues.push_back({{"name", q.name},
                      {"tasksWaiting", q.tasks_waiting},
                      {"inFlight", q.in_flight},
                      {"dispatched", q.counters.dispatched},
                      {"succeeded", q.counters.succeeded},
                      {"retried", q.counters.retried},
                      {"givenUp", q.counters.given_up},
                      {"tokenBucketLevel", q.token_bucket_level},
                      {"dispatchRate10s", q.dispatch_rate_10s}});
  }
  return Json{{"time", core::FormatTimestamp(s.time)}, {"queues", queues}};
}

namespace {

// Reads the body as an object with only the fields in `allowed` (lowerCamel; snake_case passes
// too).
Result<Json> BodyWith(const Decoding& d, std::initializer_list<const char*> allowed) {
  auto body = d.Body();
  if (!body.ok()) return body.status();
  for (const auto& [k, v] : body->items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a || k == SnakeCase(a);
    if (!known) return UnknownField(k, "");
  }
  return body;
}

Result<std::string> OptionalString(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return core::InvalidArgument(std::string("\"") + key + "\" must be a string.");
  }
  return it->get<std::string>();
}

Result<ListAttemptsRequest> ReadAttemptsQuery(const ParsedTarget& t) {
  CTE_RETURN_IF_ERROR(CheckQuery(t, {"queue", "task", "pageSize", "pageToken"}));
  ListAttemptsRequest r{Query(t, "queue"), Query(t, "task"), 0, 0};
  int32_t size = 0;
  if (std::string s = Query(t, "pageSize"); !s.empty()) {
    CTE_RETURN_IF_ERROR(ReadInt32(Json(s), "page_size", size));
  }
  auto page = PageSize(size, 1000, 10'000);
  if (!page.ok()) return page.status();
  r.page_size = *page;
  auto after = DecodePositionToken(Query(t, "pageToken"), "a", r.queue + "\n" + r.task);
  if (!after.ok()) return after.status();
  r.after_id = *after;
  return r;
}

Result<Job> ListAttempts(const Decoding& d, EmulatorControl& e) {
  auto req = ReadAttemptsQuery(d.t);
  if (!req.ok()) return req.status();
  std::string scope = req->queue + "\n" + req->task;
  return d.Job<ListAttemptsResponse>([&e, req = *req] { return e.ListAttempts(req); },
                                     [scope](const ListAttemptsResponse& r) {
                                       Json list = Json::array();
                                       for (const auto& a : r.attempts)
                                         list.push_back(AttemptJson(a));
                                       Json j = {{"attempts", list}};
                                       if (r.more)
                                         j["nextPageToken"] =
                                             EncodePositionToken("a", scope, r.attempts.back().id);
                                       return j;
                                     });
}

Result<ListTaskStatesRequest> ReadTaskStatesQuery(const ParsedTarget& t, std::string& scope) {
  CTE_RETURN_IF_ERROR(CheckQuery(t, {"queue", "state", "pageSize", "pageToken"}));
  ListTaskStatesRequest r;
  r.queue = Query(t, "queue");
  if (r.queue.empty()) return core::InvalidArgument("\"queue\" is required: a full queue name.");
  std::string state = Query(t, "state");
  if (!state.empty() && !(r.state = core::ParseTaskState(state))) {
    return core::InvalidArgument("\"state\" must be scheduled, due, inFlight or retrying.");
  }
  int32_t size = 0;
  if (std::string s = Query(t, "pageSize"); !s.empty()) {
    CTE_RETURN_IF_ERROR(ReadInt32(Json(s), "page_size", size));
  }
  auto page = PageSize(size, 100, 1000);
  if (!page.ok()) return page.status();
  r.page_size = *page;
  scope = r.queue + "\n" + state;
  auto after = DecodePositionToken(Query(t, "pageToken"), "s", scope);
  if (!after.ok()) return after.status();
  r.after_position = *after;
  return r;
}

// A page of one queue's tasks with their states: {"tasks": [{"task": Task, "state": "due"}]}.
Result<Job> ListTaskStates(const Decoding& d, EmulatorControl& e) {
  std::string scope;
  auto req = ReadTaskStatesQuery(d.t, scope);
  if (!req.ok()) return req.status();
  return d.Job<core::TaskStatePage>(
      [&e, req = *req] { return e.ListTaskStates(req); },
      [scope, o = d.options](const core::TaskStatePage& p) {
        Json list = Json::array();
        for (size_t i = 0; i < p.tasks.size(); ++i) {
          list.push_back(
              {{"task", TaskToJson(p.tasks[i], o)}, {"state", core::TaskStateName(p.states[i])}});
        }
        Json j = {{"tasks", list}};
        if (p.more) j["nextPageToken"] = EncodePositionToken("s", scope, p.last_position);
        return j;
      });
}

Result<Job> MoveClock(const Decoding& d, EmulatorControl& e) {
  const char* field = d.rpc == Rpc::kAdvanceClock ? "duration" : "time";
  auto body = BodyWith(d, {field});
  if (!body.ok()) return body.status();
  auto text = OptionalString(*body, field);
  if (!text.ok()) return text.status();
  if (d.rpc == Rpc::kAdvanceClock) {
    auto step = ParseGoDuration(*text);
    if (!step) {
      return core::InvalidArgument(
          "\"duration\" must be a non-negative duration such as \"1800s\", \"30m\" or \"1h\".");
    }
    return d.Job<ClockState>([&e, step = *step] { return e.AdvanceClock(step); }, ClockJson);
  }
  auto time = core::ParseTimestamp(*text);
  if (!time) return core::InvalidArgument("\"time\" must be an RFC 3339 timestamp.");
  return d.Job<ClockState>([&e, time = *time] { return e.SetClock(time); }, ClockJson);
}

Result<Job> Reset(const Decoding& d, EmulatorControl& e) {
  auto body = BodyWith(d, {"queue"});
  if (!body.ok()) return body.status();
  auto queue = OptionalString(*body, "queue");
  if (!queue.ok()) return queue.status();
  return d.Job<Empty>([&e, queue = *queue] { return AsEmpty(e.Reset(queue)); },
                      [](const Empty&) { return Json::object(); });
}

Result<WaitIdleRequest> ReadWaitIdle(const Json& body) {
  WaitIdleRequest w;
  for (const auto& [k, v] : body.items()) {
    if (k == "queues") {
      CTE_RETURN_IF_ERROR(ReadStringList(v, "queues", w.queues));
    } else if (k == "timeout") {
      auto t = v.is_string() ? ParseGoDuration(v.get<std::string>()) : std::nullopt;
      if (!t) {
        return core::InvalidArgument(
            "\"timeout\" must be a non-negative duration such as \"30s\" or \"1m\".");
      }
      w.timeout = *t;
    } else if (k == "includeScheduled" || k == "include_scheduled") {
      if (!v.is_boolean()) return core::InvalidArgument("\"includeScheduled\" must be a boolean.");
      w.include_scheduled = v.get<bool>();
    }
  }
  return w;
}

// The job registers the waiter; the answer comes when the waiter ends, through the lane.
Result<Job> WaitIdle(const Decoding& d, EmulatorControl& e) {
  auto body = BodyWith(d, {"queues", "timeout", "includeScheduled"});
  if (!body.ok()) return body.status();
  auto req = ReadWaitIdle(*body);
  if (!req.ok()) return req.status();
  auto reply = d.reply;
  pipeline::Lane* lane = &d.lane;
  Job job;
  job.run = [&e, req = *req, reply, lane] {
    e.WaitIdle(req, [reply, lane](const Status& s) {
      RestResponse r = s.ok() ? RestResponse{200, "{}"} : ErrorResponse(s);
      lane->Deliver({[reply, r = std::move(r)] { reply(r); }});
    });
    return Status::Ok();
  };
  job.done = [reply](const Status& s) {
    if (!s.ok()) reply(ErrorResponse(s));  // Never registered.
  };
  job.access = pipeline::Access::kRead;
  job.lane = lane;
  return job;
}

// Prometheus' scrape: the stats as text (api/metrics_text.h), whatever the Accept header asks;
// the process's figures are read on the lane, after the stats.
Job GetMetrics(const Decoding& d, EmulatorControl& e) {
  Job job =
      TypedJob<Stats>([&e] { return e.GetStats(); },
                      [reply = d.reply, process = d.local.process](Result<Stats> r) {
                        if (!r.ok()) return reply(ErrorResponse(r.status()));
                        std::optional<ProcessSample> sample;
                        if (process) sample = process();
                        reply(RestResponse{200, MetricsText(*r, sample), kMetricsContentType});
                      },
                      pipeline::Access::kRead);
  job.lane = &d.lane;
  return job;
}

}  // namespace

Result<Job> DecodeEmulatorCall(const Decoding& d) {
  if (d.targets.emulator == nullptr) return core::Unimplemented("The harness is not served here.");
  EmulatorControl& e = *d.targets.emulator;
  switch (d.rpc) {
    case Rpc::kGetClock:
      return d.Job<ClockState>([&e] { return e.GetClock(); }, ClockJson);
    case Rpc::kAdvanceClock:
    case Rpc::kSetClock:
      return MoveClock(d, e);
    case Rpc::kListAttempts:
      return ListAttempts(d, e);
    case Rpc::kGetStats:
      return d.Job<Stats>([&e] { return e.GetStats(); }, StatsJson);
    case Rpc::kReset:
      return Reset(d, e);
    case Rpc::kWaitIdle:
      return WaitIdle(d, e);
    case Rpc::kGetMetrics:
      return GetMetrics(d, e);
    case Rpc::kListTaskStates:
      return ListTaskStates(d, e);
    default:
      return core::Internal("no decoder for " + std::string(RpcName(d.rpc)));
  }
}

}  // namespace cte::api
