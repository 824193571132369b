// The task methods of Service; see service.h.
#include "api/names.h"
#include "api/page_token.h"
#include "api/service.h"
#include "core/http_target.h"
#include "core/messages.h"
#include "core/queue_rules.h"
#include "core/task_rules.h"

namespace cte::api {

using core::Result;
using core::Status;
using core::Task;

namespace {
constexpr int kMaxTaskPageSize = 1000;
}  // namespace

Task ApplyView(Task task, core::TaskView view) {
  task.view = view == core::TaskView::kFull ? core::TaskView::kFull : core::TaskView::kBasic;
  if (task.view == core::TaskView::kBasic) {
    if (task.http_request) task.http_request->body.clear();
    if (task.app_engine_http_request) task.app_engine_http_request->body.clear();
  }
  return task;
}

Result<ListTasksResponse> Service::ListTasks(const ListTasksRequest& request) {
  auto queue = LoadQueue(request.parent, core::kQueueNotFound);
  if (!queue.ok()) return queue.status();
  auto size = PageSize(request.page.page_size, kMaxTaskPageSize, kMaxTaskPageSize);
  if (!size.ok()) return size.status();
  auto position = DecodePositionToken(request.page.page_token, "t", request.parent);
  if (!position.ok()) return position.status();
  bool full = request.response_view == core::TaskView::kFull;
  auto page = store_.tasks().List(request.parent, *position, *size, full);
  if (!page.ok()) return page.status();
  ListTasksResponse out;
  out.tasks.reserve(page->tasks.size());
  for (Task& t : page->tasks) out.tasks.push_back(ApplyView(std::move(t), request.response_view));
  if (static_cast<int>(out.tasks.size()) == *size) {
    out.next_page_token = EncodePositionToken("t", request.parent, page->last_position);
  }
  return out;
}

Result<Task> Service::GetTask(const std::string& name, core::TaskView view) {
  auto parsed = ParseTaskName(name);
  if (!parsed.ok()) return parsed.status();
  auto found = store_.tasks().Find(name);
  if (!found.ok()) return found.status();
  if (found->has_value()) return ApplyView(std::move(**found), view);
  auto recent = store_.tasks().HasTombstone(name, clock_.Now());
  if (!recent.ok()) return recent.status();
  if (*recent) return core::NotFound(core::kTaskRecentlyGone);
  return core::NotFound(core::kEntityNotFound);
}

Status Service::QueueForNewTask(const std::string& parent) {
  // `parent` is a valid queue name (CreateTask checked it), so no LoadQueue: no second parse.
  auto found = store_.queues().Find(parent);
  if (!found.ok()) return found.status();
  if (found->has_value()) return Status::Ok();
  if (!options_.auto_create_queues) return core::NotFound(core::kQueueNotFound);
  core::Queue created;
  created.name = parent;
  created.state = core::QueueState::kRunning;
  CTE_RETURN_IF_ERROR(core::ApplyQueueDefaults(created));
  CTE_RETURN_IF_ERROR(store_.queues().Put(created));
  NotifyQueueChanged(parent);
  return Status::Ok();
}

// Generated IDs are not drawn independently: a run starts at a random 19-digit number and adds a
// random step of 1 to 65,536 per task. They look as random to a client, are unique within a run,
// and, having the same length, sort in creation order, so that each new task goes at the end of
// the (queue, task ID) index instead of at a random place in it. A random place meant a different
// index page rewritten (and, for a file, written to the log) per task: about a fifth of the CPU a
// CreateTask cost.
void Service::RestartTaskIds() {
  constexpr uint64_t kFirst = 1'000'000'000'000'000'000;  // The smallest 19-digit number.
  last_task_number_ = kFirst + random_() % (4 * kFirst);  // Leaves 4e18 numbers to grow into.
}

std::string Service::NewTaskId() {
  last_task_number_ += 1 + (random_() & 0xffff);
  if (last_task_number_ >= 9'000'000'000'000'000'000u) RestartTaskIds();  // 10^14 tasks on.
  return std::to_string(last_task_number_);
}

// CreateTask writes only its task row (a failed INSERT writes nothing) unless it creates the
// queue first.
pipeline::Access Service::AccessOf(Rpc rpc) const {
  if (IsRead(rpc)) return pipeline::Access::kRead;
  if (rpc == Rpc::kCreateTask && !options_.auto_create_queues)
    return pipeline::Access::kSingleWrite;
  return pipeline::Access::kWrite;
}

Result<Task> Service::CreateTask(const std::string& parent, Task task, core::TaskView view) {
  auto queue_name = ParseQueueName(parent);
  if (!queue_name.ok()) return queue_name.status();
  bool named = !task.name.empty();
  if (named) {
    auto task_name = ParseTaskName(task.name);
    if (!task_name.ok()) return task_name.status();
    if (task_name->parent.Full() != parent) {
      return core::InvalidArgument("The queue name from request ('" + parent +
                                   "') must be the same as the queue name in the named task ('" +
                                   task_name->parent.Full() + "').");
    }
  } else {
    task.name = parent + "/tasks/" + NewTaskId();
  }
  CTE_RETURN_IF_ERROR(QueueForNewTask(parent));
  core::TimePoint now = clock_.Now();
  CTE_RETURN_IF_ERROR(core::PrepareNewTask(task, now));
  if (named) {
    auto blocked = store_.tasks().HasTombstone(task.name, now);
    if (!blocked.ok()) return blocked.status();
    if (*blocked) return core::AlreadyExists(core::kEntityExists);
  }
  auto inserted = store_.tasks().Insert(task);
  // A generated ID can meet only a task from an earlier run, whose IDs grew from another random
  // start: start again elsewhere.
  for (int i = 0; !named && inserted.ok() && !*inserted && i < 8; ++i) {
    RestartTaskIds();
    task.name = parent + "/tasks/" + NewTaskId();
    inserted = store_.tasks().Insert(task);
  }
  if (!inserted.ok()) return inserted.status();
  if (!*inserted) return core::AlreadyExists(core::kEntityExists);
  if (dispatch_ != nullptr) dispatch_->TaskCreated(parent, *task.schedule_time);
  return ApplyView(std::move(task), view);
}

Result<Task> Service::BufferTask(const std::string& queue, const std::string& task_id,
                                 std::string body, core::HeaderMap headers) {
  auto q = LoadQueue(queue, core::kQueueNotFound);
  if (!q.ok()) return q.status();
  if (!q->http_target) {
    return core::FailedPrecondition(
        "BufferTask requires a queue with an HTTP target (Queue.httpTarget); " + queue +
        " has none.");
  }
  auto url = core::BufferedTaskUrl(*q->http_target);
  if (!url.ok()) return url.status();
  Task task;
  if (!task_id.empty()) task.name = queue + "/tasks/" + task_id;
  core::HttpRequest& r = task.http_request.emplace();
  r.url = std::move(*url);
  r.http_method = q->http_target->http_method;
  // The queue's method is what goes out; one that carries no body gets none (spec 4.8).
  bool carries_body =
      r.http_method == core::HttpMethod::kUnspecified || r.http_method == core::HttpMethod::kPost ||
      r.http_method == core::HttpMethod::kPut || r.http_method == core::HttpMethod::kPatch;
  if (carries_body) r.body = std::move(body);
  r.headers = std::move(headers);
  return CreateTask(queue, std::move(task), core::TaskView::kBasic);
}

Status Service::DeleteTask(const std::string& name) {
  CTE_RETURN_IF_ERROR(ParseTaskName(name).status());
  auto deleted = store_.tasks().Delete(name);
  if (!deleted.ok()) return deleted.status();
  if (!*deleted) return core::NotFound(core::kEntityNotFound);
  if (dispatch_ != nullptr) dispatch_->TaskRemoved(name.substr(0, name.rfind("/tasks/")));
  if (options_.task_tombstone.count() > 0) {
    return store_.tasks().PutTombstone(name, clock_.Now() + options_.task_tombstone);
  }
  return Status::Ok();
}

Result<Task> Service::RunTask(const std::string& name, core::TaskView view) {
  CTE_RETURN_IF_ERROR(ParseTaskName(name).status());
  auto found = store_.tasks().Find(name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return core::NotFound(core::kEntityNotFound);
  if (dispatch_ == nullptr) return core::Unimplemented("This emulator runs without a dispatcher.");
  auto sent = dispatch_->RunNow(std::move(**found));
  if (!sent.ok()) return sent.status();
  return ApplyView(std::move(*sent), view);
}

Status Service::Housekeep() {
  core::TimePoint now = clock_.Now();
  CTE_RETURN_IF_ERROR(store_.tasks().DeleteExpiredTombstones(now));
  return store_.queues().DeleteExpiredTombstones(now);
}

}  // namespace cte::api
