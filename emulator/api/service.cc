#include "api/service.h"

#include <algorithm>

#include "api/json_codec.h"
#include "api/names.h"
#include "api/page_token.h"
#include "api/queue_update_mask.h"
#include "core/messages.h"
#include "core/queue_rules.h"
#include "core/task_rules.h"

namespace cte::api {

namespace {

using core::Queue;
using core::Result;
using core::Status;
using core::Task;

constexpr int kMaxQueuePageSize = 9800;

// The etag of a queue that never had a policy set ("ACAB" in base64).
const std::string kEmptyPolicyEtag("\x00\x20\x01", 3);

// Implements the ListQueues filter: "state: PAUSED", "state = RUNNING", "state != PAUSED".
struct StateFilter {
  bool active = false;
  bool negate = false;
  core::QueueState state = core::QueueState::kUnspecified;
  bool Matches(const Queue& q) const { return !active || ((q.state == state) != negate); }
};

Result<StateFilter> ParseStateFilter(std::string_view filter) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  StateFilter f;
  filter = trim(filter);
  if (filter.empty()) return f;
  Status bad = core::InvalidArgument("Invalid filter \"" + std::string(filter) +
                                     "\": only \"state\" can be filtered on, e.g. "
                                     "\"state: PAUSED\".");
  if (filter.substr(0, 5) != "state") return bad;
  std::string_view rest = trim(filter.substr(5));
  if (rest.substr(0, 2) == "!=") {
    f.negate = true;
    rest.remove_prefix(2);
  } else if (!rest.empty() && (rest[0] == ':' || rest[0] == '=')) {
    rest.remove_prefix(1);
  } else {
    return bad;
  }
  rest = trim(rest);
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    rest = rest.substr(1, rest.size() - 2);
  }
  static constexpr std::pair<const char*, core::QueueState> kStates[] = {
      {"RUNNING", core::QueueState::kRunning},
      {"PAUSED", core::QueueState::kPaused},
      {"DISABLED", core::QueueState::kDisabled}};
  for (const auto& [name, state] : kStates) {
    if (rest == name) {
      f.active = true;
      f.state = state;
      return f;
    }
  }
  return bad;
}

}  // namespace

Service::Service(core::TaskStore& store, const core::Clock& clock, ServiceOptions options)
    : store_(store), clock_(clock), options_(options), random_(std::random_device{}()) {
  RestartTaskIds();
}

// ---- Queues ----

void Service::NotifyQueueChanged(const std::string& name) {
  if (dispatch_ != nullptr) dispatch_->QueueChanged(name);
}

Result<Queue> Service::LoadQueue(const std::string& name, const char* not_found) {
  auto parsed = ParseQueueName(name);
  if (!parsed.ok()) return parsed.status();
  auto found = store_.queues().Find(name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return core::NotFound(not_found);
  return std::move(**found);
}

Status Service::CheckQueueNameFree(const std::string& name) {
  auto blocked = store_.queues().HasTombstone(name, clock_.Now());
  if (!blocked.ok()) return blocked.status();
  if (*blocked) {
    return core::FailedPrecondition(
        "The queue cannot be created because a queue with this name existed too recently.");
  }
  return Status::Ok();
}

Result<ListQueuesResponse> Service::ListQueues(const ListQueuesRequest& request) {
  auto parent = ParseLocationName(request.parent);
  if (!parent.ok()) return parent.status();
  auto filter = ParseStateFilter(request.filter);
  if (!filter.ok()) return filter.status();
  auto size = PageSize(request.page.page_size, kMaxQueuePageSize, kMaxQueuePageSize);
  if (!size.ok()) return size.status();
  std::string token_scope = request.parent + "\n" + request.filter;
  auto after = DecodePageToken(request.page.page_token, "q", token_scope);
  if (!after.ok()) return after.status();
  auto rows = store_.queues().List(request.parent + "/queues/", *after, *size);
  if (!rows.ok()) return rows.status();
  ListQueuesResponse out;
  for (const Queue& q : *rows) {
    if (filter->Matches(q)) out.queues.push_back(q);
  }
  if (static_cast<int>(rows->size()) == *size) {
    out.next_page_token = EncodePageToken("q", token_scope, rows->back().name);
  }
  return out;
}

Result<Queue> Service::GetQueue(const std::string& name) {
  return LoadQueue(name, core::kQueueNotFound);
}

Result<Queue> Service::CreateQueue(const std::string& parent, Queue queue) {
  auto location = ParseLocationName(parent);
  if (!location.ok()) return location.status();
  auto name = ParseQueueName(queue.name);
  if (!name.ok()) return name.status();
  if (name->parent.Full() != parent) {
    return core::InvalidArgument(queue.name + " must begin with " + parent + ".");
  }
  CTE_RETURN_IF_ERROR(core::ValidateQueueLimits(queue));
  CTE_RETURN_IF_ERROR(core::ApplyQueueDefaults(queue));
  auto existing = store_.queues().Find(queue.name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return core::AlreadyExists(core::kQueueExists);
  CTE_RETURN_IF_ERROR(CheckCmekAllows(queue));
  CTE_RETURN_IF_ERROR(CheckQueueNameFree(queue.name));
  queue.state = core::QueueState::kRunning;
  queue.purge_time.reset();
  CTE_RETURN_IF_ERROR(store_.queues().Put(queue));
  NotifyQueueChanged(queue.name);
  return queue;
}

Result<Queue> Service::UpdateQueue(const UpdateQueueRequest& request) {
  const Queue& in = request.queue;
  auto name = ParseQueueName(in.name);
  if (!name.ok()) return name.status();
  CTE_RETURN_IF_ERROR(core::ValidateQueueLimits(in));
  auto existing = store_.queues().Find(in.name);
  if (!existing.ok()) return existing.status();
  Queue q;
  if (existing->has_value()) {
    q = std::move(**existing);
  } else {
    CTE_RETURN_IF_ERROR(CheckQueueNameFree(in.name));
    q.name = in.name;
    q.state = core::QueueState::kRunning;
  }
  if (request.update_mask.empty()) {
    q.app_engine_routing_override = in.app_engine_routing_override;
    q.rate_limits = in.rate_limits;
    q.retry_config = in.retry_config;
    q.stackdriver_logging_config = in.stackdriver_logging_config;
    if (!request.keep_http_target) q.http_target = in.http_target;
  }
  for (const std::string& path : request.update_mask) {
    if (request.keep_http_target && IsHttpTargetPath(path)) continue;
    CTE_RETURN_IF_ERROR(CopyMaskedField(in, q, path));
  }
  CTE_RETURN_IF_ERROR(core::ApplyQueueDefaults(q));
  CTE_RETURN_IF_ERROR(CheckCmekAllows(q));
  CTE_RETURN_IF_ERROR(store_.queues().Put(q));
  NotifyQueueChanged(q.name);
  return q;
}

Status Service::DeleteQueue(const std::string& name) {
  auto stored = LoadQueue(name, core::kEntityNotFound);
  if (!stored.ok()) return stored.status();
  CTE_RETURN_IF_ERROR(store_.queues().Delete(name));
  if (options_.queue_tombstone.count() > 0) {
    CTE_RETURN_IF_ERROR(
        store_.queues().PutTombstone(name, clock_.Now() + options_.queue_tombstone));
  }
  NotifyQueueChanged(name);
  return Status::Ok();
}

Result<Queue> Service::PurgeQueue(const std::string& name) {
  auto stored = LoadQueue(name, core::kQueueNotFound);
  if (!stored.ok()) return stored.status();
  core::TimePoint now = clock_.Now();
  std::optional<core::TimePoint> until;
  if (options_.task_tombstone.count() > 0) until = now + options_.task_tombstone;
  auto purged = store_.tasks().Purge(name, until);
  if (!purged.ok()) return purged.status();
  stored->purge_time = std::chrono::floor<std::chrono::microseconds>(now);
  CTE_RETURN_IF_ERROR(store_.queues().Put(*stored));
  NotifyQueueChanged(name);
  return std::move(*stored);
}

Result<Queue> Service::SetState(const std::string& name, core::QueueState state) {
  auto stored = LoadQueue(name, core::kQueueNotFound);
  if (!stored.ok()) return stored.status();
  if (stored->state != state) {
    stored->state = state;
    CTE_RETURN_IF_ERROR(store_.queues().Put(*stored));
    NotifyQueueChanged(name);
  }
  return std::move(*stored);
}

Result<Queue> Service::PauseQueue(const std::string& name) {
  return SetState(name, core::QueueState::kPaused);
}

Result<Queue> Service::ResumeQueue(const std::string& name) {
  return SetState(name, core::QueueState::kRunning);
}

Status Service::ApplyQueueConfig(Queue queue) {
  CTE_RETURN_IF_ERROR(ParseQueueName(queue.name).status());
  CTE_RETURN_IF_ERROR(core::ValidateQueueLimits(queue));
  CTE_RETURN_IF_ERROR(core::ApplyQueueDefaults(queue));
  auto existing = store_.queues().Find(queue.name);
  if (!existing.ok()) return existing.status();
  core::QueueState asked = queue.state;  // RUNNING or PAUSED from the config, or unset.
  queue.state = core::QueueState::kRunning;
  queue.purge_time.reset();
  if (existing->has_value()) {  // Its state, purge time (and IAM policy) stay.
    queue.state = (*existing)->state;
    queue.purge_time = (*existing)->purge_time;
  }
  if (asked == core::QueueState::kRunning || asked == core::QueueState::kPaused) {
    queue.state = asked;
  }
  CTE_RETURN_IF_ERROR(store_.queues().DeleteTombstone(queue.name));
  CTE_RETURN_IF_ERROR(store_.queues().Put(queue));
  NotifyQueueChanged(queue.name);
  return Status::Ok();
}

// ---- IAM ----

Result<core::Policy> Service::GetIamPolicy(const std::string& resource) {
  auto stored = LoadQueue(resource, core::kEntityNotFound);
  if (!stored.ok()) return stored.status();
  auto text = store_.policies().Get(resource);
  if (!text.ok()) return text.status();
  core::Policy policy;
  if (text->empty()) {
    policy.etag = kEmptyPolicyEtag;
    return policy;
  }
  CTE_RETURN_IF_ERROR(ReadPolicy(Json::parse(*text), "policy", policy));
  return policy;
}

Result<core::Policy> Service::SetIamPolicy(const std::string& resource, core::Policy policy) {
  auto current = GetIamPolicy(resource);
  if (!current.ok()) return current.status();
  if (!policy.etag.empty() && policy.etag != current->etag) {
    return Status(core::Code::kAborted,
                  "There were concurrent policy changes. Please retry the whole "
                  "read-modify-write with exponential backoff.");
  }
  uint64_t tag = random_();
  policy.etag = std::string(reinterpret_cast<const char*>(&tag), sizeof tag);
  CTE_RETURN_IF_ERROR(store_.policies().Put(resource, PolicyToJson(policy).dump()));
  return policy;
}

Result<std::vector<std::string>> Service::TestIamPermissions(
    const std::string& resource, const std::vector<std::string>& permissions) {
  auto parsed = ParseQueueName(resource);
  if (!parsed.ok()) return parsed.status();
  auto found = store_.queues().Find(resource);
  if (!found.ok()) return found.status();
  // Policies are not enforced: every permission asked about on an existing queue is held.
  if (!found->has_value()) return std::vector<std::string>();
  return permissions;
}

}  // namespace cte::api
