// `cloud-tasks list|describe|run|delete`, as `gcloud tasks ...`.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/filter.h"
#include "client/cli/list_view.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

// The flags of the task commands: TASK (not for list), --queue, --response-view.
struct TaskFlags {
  std::string task, queue, response_view;
};

std::string View(const std::string& flag) {
  std::string v = flag;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v;
}

std::string Cell(const Json& v, const std::string& absent) {
  if (v.is_null()) return absent;
  return v.is_string() ? v.get<std::string>() : v.dump();
}

const Table kTaskTable{
    {"TASK_NAME", "TYPE", "CREATE_TIME", "SCHEDULE_TIME", "DISPATCH_ATTEMPTS", "RESPONSE_ATTEMPTS",
     "LAST_ATTEMPT_STATUS"},
    [](const Json& t) -> std::vector<std::string> {
      const Json& status = ValueAt(t, "lastAttempt.responseStatus.message");
      return {Basename(Cell(ValueAt(t, "name"), "")),
              t.contains("httpRequest") ? "http" : "app-engine",
              Cell(ValueAt(t, "createTime"), ""),
              Cell(ValueAt(t, "scheduleTime"), ""),
              Cell(ValueAt(t, "dispatchCount"), "0"),
              Cell(ValueAt(t, "responseCount"), "0"),
              status.is_string() && !status.empty() ? status.get<std::string>() : "Unknown"};
    }};

int RunList(const Globals& g, const TaskFlags& f, const ListFlags& flags) {
  Format format = ParseFormat(g.format);
  auto client = MakeClient(g);
  auto tasks = ReadAllPages(flags.page_size, [&](client::ListOptions o) {
    o.response_view = View(f.response_view);
    return client->ListTasks(ResolveQueue(g, f.queue), o);
  });
  if (!tasks.ok()) return Fail("list", tasks.status());
  InheritBasename(format, "name");  // As gcloud's default table shows it.
  PrintList(std::cout, std::cerr, format, ApplyListFlags(flags, std::move(*tasks)), kTaskTable,
            flags.page_size);
  return 0;
}

int RunOne(const Globals& g, const std::string& verb, const TaskFlags& f) {
  std::string name = ResolveTask(g, f.queue, f.task);
  auto client = MakeClient(g);
  if (verb == "delete") {
    client::Status s = client->DeleteTask(name);
    if (!s.ok()) return Fail(verb, s);
    std::cerr << "Deleted task [" << Basename(name) << "]." << std::endl;
    return 0;
  }
  auto result = verb == "run" ? client->RunTask(name, View(f.response_view))
                              : client->GetTask(name, View(f.response_view));
  if (!result.ok()) return Fail(verb, result.status());
  PrintResource(std::cout, ParseFormat(g.format), result->raw);
  return 0;
}

}  // namespace

void AddTaskReadCommands(CLI::App& app, Globals& g, Action& action) {
  auto list_flags = std::make_shared<TaskFlags>();
  auto view_flags = std::make_shared<ListFlags>();
  CLI::App* list = app.add_subcommand("list", "List the tasks of a queue");
  list->add_option("--queue", list_flags->queue, "Queue ID or full name")->required();
  list->add_option("--response-view", list_flags->response_view, "basic or full");
  AddListFlags(list, *view_flags);
  list->callback([&g, &action, list_flags, view_flags] {
    action = [&g, list_flags, view_flags] { return RunList(g, *list_flags, *view_flags); };
  });
  for (std::string verb : {"describe", "run", "delete"}) {
    auto f = std::make_shared<TaskFlags>();
    CLI::App* cmd = app.add_subcommand(verb, verb + " a task");
    cmd->add_option("TASK", f->task, "Task ID or full name")->required();
    cmd->add_option("--queue", f->queue, "Queue ID (not needed with a full task name)");
    if (verb != "delete") cmd->add_option("--response-view", f->response_view, "basic or full");
    cmd->callback(
        [&g, &action, f, verb] { action = [&g, f, verb] { return RunOne(g, verb, *f); }; });
  }
}

}  // namespace cte::cli
