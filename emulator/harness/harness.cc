#include "harness/harness.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "api/messages.h"
#include "api/page_token.h"
#include "api/rest_request.h"
#include "core/base64.h"
#include "core/time_util.h"

namespace cte::harness {

namespace {

using api::Json;
using core::Result;
using core::Status;

constexpr char kPrefix[] = "/emulator/v1";

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
  return j;
}

Result<std::string> OptionalString(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return core::InvalidArgument(std::string("\"") + key + "\" must be a string.");
  return it->get<std::string>();
}

}  // namespace

Harness::Harness(core::TaskStore& store, api::Service& service, dispatch::Dispatcher& dispatcher,
                 const core::Clock& clock, core::ManualClock* manual_clock, HarnessOptions options)
    : store_(store),
      service_(service),
      dispatcher_(dispatcher),
      clock_(clock),
      manual_(manual_clock),
      options_(std::move(options)) {}

bool Harness::Handles(std::string_view path) {
  return path == "/emulator/v1/clock" || path == "/emulator/v1/clock:advance" ||
         path == "/emulator/v1/clock:set" || path == "/emulator/v1/attempts" ||
         path == "/emulator/v1/stats" || path == "/emulator/v1:reset" ||
         path == "/emulator/v1:waitIdle";
}

Result<Json> Harness::Execute(const api::RestRequest& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string rest = path.substr(sizeof kPrefix - 1);
  bool get = request.method == "GET";
  if (get && rest == "/clock") return Clock();
  if (get && rest == "/attempts") return Attempts(request);
  if (get && rest == "/stats") return Stats();
  if (request.method != "POST") {
    return core::NotFound("The requested URL " + path + " was not found on this server.");
  }
  auto body = api::ParseJsonBody(request.body);
  if (!body.ok()) return body.status();
  if (rest == "/clock:advance" || rest == "/clock:set") return MoveClock(rest, *body);
  if (rest == ":reset") return Reset(*body);
  return core::NotFound("The requested URL " + path + " was not found on this server.");
}

Result<Json> Harness::Clock() const {
  Json j = {{"time", core::FormatTimestamp(clock_.Now())}, {"mode", options_.clock_mode}};
  if (options_.clock_mode == "scaled") j["timeScale"] = options_.time_scale;
  return j;
}

Result<Json> Harness::MoveClock(const std::string& verb, const Json& body) {
  if (manual_ == nullptr) {
    return core::FailedPrecondition("The clock moves by request only with --clock=manual.");
  }
  core::Duration step{0};
  if (verb == "/clock:advance") {
    auto text = OptionalString(body, "duration");
    if (!text.ok()) return text.status();
    auto d = core::ParseDuration(*text);
    if (!d || d->count() < 0) {
      return core::InvalidArgument(
          "\"duration\" must be a non-negative duration such as \"1800s\".");
    }
    step = *d;
  } else {
    auto text = OptionalString(body, "time");
    if (!text.ok()) return text.status();
    auto t = core::ParseTimestamp(*text);
    if (!t) return core::InvalidArgument("\"time\" must be an RFC 3339 timestamp.");
    if (*t < clock_.Now()) return core::InvalidArgument("The clock only moves forward.");
    step = *t - clock_.Now();
  }
  manual_->Advance(step);
  return Clock();
}

Result<Json> Harness::Attempts(const api::RestRequest& request) {
  auto target = api::ParseTarget(request.target);
  if (!target.ok()) return target.status();
  CTE_RETURN_IF_ERROR(api::CheckQuery(*target, {"queue", "task", "pageSize", "pageToken"}));
  std::string queue = api::Query(*target, "queue"), task = api::Query(*target, "task");
  int32_t size = 1000;
  if (std::string s = api::Query(*target, "pageSize"); !s.empty()) {
    CTE_RETURN_IF_ERROR(api::ReadInt32(Json(s), "page_size", size));
    if (size <= 0 || size > 10000) size = 10000;
  }
  std::string scope = queue + "\n" + task;
  auto after = api::DecodePageToken(api::Query(*target, "pageToken"), "a", scope);
  if (!after.ok()) return after.status();
  int64_t after_id = 0;
  if (!after->empty()) {
    char* end = nullptr;
    after_id = std::strtoll(after->c_str(), &end, 10);
    if (end != after->c_str() + after->size()) {
      return core::InvalidArgument("Invalid page_token: it does not belong to this request.");
    }
  }
  auto rows = store_.attempts().List(queue, task, after_id, size);
  if (!rows.ok()) return rows.status();
  Json list = Json::array();
  for (const auto& e : *rows) list.push_back(AttemptJson(e));
  Json j = {{"attempts", list}};
  if (static_cast<int32_t>(rows->size()) == size) {
    j["nextPageToken"] = api::EncodePageToken("a", scope, std::to_string(rows->back().id));
  }
  return j;
}

Result<Json> Harness::Stats() {
  Json queues = Json::array();
  for (const auto& a : dispatcher_.Activity()) {
    auto waiting = store_.tasks().Count(a.name);
    if (!waiting.ok()) return waiting.status();
    queues.push_back({{"name", a.name},
                      {"tasksWaiting", *waiting - a.in_flight},
                      {"inFlight", a.in_flight},
                      {"dispatched", a.dispatched},
                      {"succeeded", a.succeeded},
                      {"retried", a.retried},
                      {"givenUp", a.given_up},
                      {"tokenBucketLevel", a.bucket_level},
                      {"dispatchRate10s", a.dispatch_rate}});
  }
  return Json{{"time", core::FormatTimestamp(clock_.Now())}, {"queues", queues}};
}

Result<Json> Harness::Reset(const Json& body) {
  auto queue = OptionalString(body, "queue");
  if (!queue.ok()) return queue.status();
  for (const auto& [k, v] : body.items()) {
    if (k != "queue") return api::UnknownField(k, "");
  }
  auto configured = [&](const std::string& name) -> const core::Queue* {
    for (const core::Queue& q : options_.config_queues) {
      if (q.name == name) return &q;
    }
    return nullptr;
  };
  if (queue->empty()) {
    // Everything goes; the configured queues come back as configured.
    auto all = store_.queues().List("", "", INT32_MAX);
    if (!all.ok()) return all.status();
    for (const auto& q : *all) CTE_RETURN_IF_ERROR(store_.queues().Delete(q.name));
    CTE_RETURN_IF_ERROR(store_.attempts().Delete(""));
    CTE_RETURN_IF_ERROR(store_.tasks().DeleteTombstones(""));
    CTE_RETURN_IF_ERROR(store_.queues().DeleteAllTombstones());
    for (const core::Queue& q : options_.config_queues) {
      CTE_RETURN_IF_ERROR(service_.ApplyQueueConfig(q));
    }
  } else {
    auto found = store_.queues().Find(*queue);
    if (!found.ok()) return found.status();
    if (!found->has_value() && configured(*queue) == nullptr) {
      return core::NotFound(api::kQueueNotFound);
    }
    // The queue's tasks, task tombstones and attempts go; a configured queue gets its settings
    // back (and runs), any other queue keeps its settings.
    CTE_RETURN_IF_ERROR(store_.tasks().Purge(*queue, std::nullopt).status());
    CTE_RETURN_IF_ERROR(store_.attempts().Delete(*queue));
    CTE_RETURN_IF_ERROR(store_.tasks().DeleteTombstones(*queue));
    if (const core::Queue* q = configured(*queue)) {
      CTE_RETURN_IF_ERROR(store_.queues().Delete(*queue));
      CTE_RETURN_IF_ERROR(service_.ApplyQueueConfig(*q));
    }
  }
  dispatcher_.Reset(*queue);
  return Json::object();
}

Harness::Busy Harness::BusyFor(const IdleWaiter& w,
                               const std::vector<dispatch::QueueActivity>& activity) const {
  core::TimePoint now = clock_.Now();
  Busy busy;
  for (const auto& a : activity) {
    if (!w.queues.empty() &&
        std::find(w.queues.begin(), w.queues.end(), a.name) == w.queues.end()) {
      continue;
    }
    // Paused queues never dispatch, so their tasks do not keep a waiter waiting.
    bool due = a.state == core::QueueState::kRunning && a.next_due &&
               (w.include_scheduled || *a.next_due <= now);
    if (a.in_flight == 0 && !due) continue;
    if (!busy.description.empty()) busy.description += "; ";
    busy.description += a.name + ": " + std::to_string(a.in_flight) + " in flight";
    busy.in_flight = busy.in_flight || a.in_flight > 0;
    if (due) {
      busy.description += ", next task due " + core::FormatTimestamp(*a.next_due);
      if (!busy.next_due || *a.next_due < *busy.next_due) busy.next_due = a.next_due;
    }
  }
  return busy;
}

bool Harness::CheckWaiters() {
  if (waiters_.empty()) return false;
  auto activity = dispatcher_.Activity();
  auto now = std::chrono::steady_clock::now();
  bool moved = false;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    Busy busy = BusyFor(*it, activity);
    if (busy.description.empty()) {
      it->respond({200, "{}"});
      it = waiters_.erase(it);
      continue;
    }
    if (now >= it->deadline) {
      it->respond(
          api::ErrorResponse({core::Code::kDeadlineExceeded,
                              "The queues did not become idle in time: " + busy.description}));
      it = waiters_.erase(it);
      continue;
    }
    // Nothing can happen before the next due time: under the manual clock, go there.
    if (manual_ != nullptr && it->include_scheduled && !moved && !busy.in_flight &&
        dispatcher_.InFlight() == 0 && busy.next_due && *busy.next_due > clock_.Now()) {
      manual_->Advance(*busy.next_due - clock_.Now());
      moved = true;
    }
    ++it;
  }
  return moved;
}

std::optional<std::chrono::steady_clock::time_point> Harness::NextWaiterDeadline() const {
  std::optional<std::chrono::steady_clock::time_point> out;
  for (const auto& w : waiters_) out = out ? std::min(*out, w.deadline) : w.deadline;
  return out;
}

Result<IdleWaiter> Harness::ParseWaitIdle(const std::string& body_text) {
  auto body = api::ParseJsonBody(body_text);
  if (!body.ok()) return body.status();
  IdleWaiter w;
  core::Duration timeout = std::chrono::seconds(30);
  for (const auto& [k, v] : body->items()) {
    if (k == "queues") {
      CTE_RETURN_IF_ERROR(api::ReadStringList(v, "queues", w.queues));
    } else if (k == "timeout") {
      auto d = v.is_string() ? core::ParseDuration(v.get<std::string>()) : std::nullopt;
      if (!d || d->count() < 0)
        return core::InvalidArgument("\"timeout\" must be a duration such as \"30s\".");
      timeout = *d;
    } else if (k == "includeScheduled" || k == "include_scheduled") {
      if (!v.is_boolean()) return core::InvalidArgument("\"includeScheduled\" must be a boolean.");
      w.include_scheduled = v.get<bool>();
    } else {
      return api::UnknownField(k, "");
    }
  }
  w.deadline = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  return w;
}

}  // namespace cte::harness
