// `cloud-tasks list|describe|run|delete`, as `gcloud tasks ...`.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "client/cli/cli.h"
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

void PrintTask(const Globals& g, const Json& raw) {
  if (JsonFormat(g)) {
    std::cout << raw.dump(2) << std::endl;
  } else {
    PrintYaml(std::cout, raw);
  }
}

std::vector<std::string> TaskRow(const client::Task& t) {
  std::string status = "Unknown";
  if (t.last_attempt && t.last_attempt->response_code.value_or(0) != 0) {
    status = std::to_string(*t.last_attempt->response_code);
  }
  return {Basename(t.name),
          t.http_request ? "http" : "app-engine",
          t.create_time,
          t.schedule_time,
          std::to_string(t.dispatch_count),
          std::to_string(t.response_count),
          status};
}

int RunList(const Globals& g, const TaskFlags& f) {
  auto client = MakeClient(g);
  client::ListOptions options;
  options.response_view = View(f.response_view);
  std::vector<client::Task> tasks;
  do {
    auto page = client->ListTasks(ResolveQueue(g, f.queue), options);
    if (!page.ok()) return Fail("list", page.status());
    for (auto& t : page->items) tasks.push_back(std::move(t));
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  if (JsonFormat(g)) {
    Json all = Json::array();
    for (const auto& t : tasks) all.push_back(t.raw);
    std::cout << all.dump(2) << std::endl;
  } else if (tasks.empty()) {
    std::cerr << "Listed 0 items." << std::endl;
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : tasks) rows.push_back(TaskRow(t));
    PrintTable(std::cout,
               {"TASK_NAME", "TYPE", "CREATE_TIME", "SCHEDULE_TIME", "DISPATCH_ATTEMPTS",
                "RESPONSE_ATTEMPTS", "LAST_ATTEMPT_STATUS"},
               rows);
  }
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
  PrintTask(g, result->raw);
  return 0;
}

}  // namespace

void AddTaskReadCommands(CLI::App& app, Globals& g, Action& action) {
  auto list_flags = std::make_shared<TaskFlags>();
  CLI::App* list = app.add_subcommand("list", "List the tasks of a queue");
  list->add_option("--queue", list_flags->queue, "Queue ID or full name")->required();
  list->add_option("--response-view", list_flags->response_view, "basic or full");
  list->callback(
      [&g, &action, list_flags] { action = [&g, list_flags] { return RunList(g, *list_flags); }; });
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
