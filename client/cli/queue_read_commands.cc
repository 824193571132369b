// `cloud-tasks queues describe|list|pause|resume|purge|delete`, as in gcloud.
#include <iostream>
#include <map>

#include "client/cli/cli.h"
#include "client/cli/filter.h"
#include "client/cli/list_view.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

int RunDescribe(const Globals& g, const std::string& queue) {
  auto result = MakeClient(g)->GetQueue(ResolveQueue(g, queue));
  if (!result.ok()) return Fail("queues.describe", result.status());
  PrintResource(std::cout, ParseFormat(g.format), QueueForDisplay(result->raw));
  return 0;
}

// gcloud's table cell of a count that may be unset or -1 ("unlimited").
std::string CountCell(const Json& v) {
  if (!v.is_number() || v.get<double>() == 0) return "unlimited";
  return v.get<double>() == -1 ? "unlimited" : v.dump();
}

const Table kQueueTable{
    {"QUEUE_NAME", "STATE", "MAX_NUM_OF_TASKS", "MAX_RATE (/sec)", "MAX_ATTEMPTS"},
    [](const Json& q) -> std::vector<std::string> {
      const Json& rate = ValueAt(q, "rateLimits.maxDispatchesPerSecond");
      const Json& state = ValueAt(q, "state");
      return {Basename(ValueAt(q, "name").get<std::string>()),
              state.is_string() ? state.get<std::string>() : "",
              CountCell(ValueAt(q, "rateLimits.maxConcurrentDispatches")),
              rate.is_number() && rate.get<double>() != 0 ? DoubleText(rate) : "unlimited",
              CountCell(ValueAt(q, "retryConfig.maxAttempts"))};
    }};

// Lists every page of the location's queues.
int RunList(const Globals& g, const ListFlags& flags) {
  if (g.location.empty()) throw UsageError("argument --location: Must be specified.");
  Format format = ParseFormat(g.format);
  auto client = MakeClient(g);
  auto queues = ReadAllPages(flags.page_size, [&](const client::ListOptions& o) {
    return client->ListQueues(client::LocationName(Project(g), g.location), o);
  });
  if (!queues.ok()) return Fail("queues.list", queues.status());
  for (Json& q : *queues) q = QueueForDisplay(std::move(q));
  InheritBasename(format, "name");  // As gcloud's default table shows it.
  PrintList(std::cout, std::cerr, format, ApplyListFlags(flags, std::move(*queues)), kQueueTable,
            flags.page_size);
  return 0;
}

// pause, resume, purge, delete: one call, then gcloud's status line.
int RunStateChange(const Globals& g, const std::string& verb, const std::string& queue) {
  std::string name = ResolveQueue(g, queue);
  auto client = MakeClient(g);
  client::Result<client::Queue> result = client::Status(client::Code::kUnknown, "no call");
  if (verb == "pause") result = client->PauseQueue(name);
  if (verb == "resume") result = client->ResumeQueue(name);
  if (verb == "purge") result = client->PurgeQueue(name);
  if (verb == "delete") {
    client::Status s = client->DeleteQueue(name);
    result = s.ok() ? client::Result<client::Queue>(client::Queue{}) : s;
  }
  if (!result.ok()) return Fail("queues." + verb, result.status());
  static const std::map<std::string, std::string> kPast = {
      {"pause", "Paused"}, {"resume", "Resumed"}, {"purge", "Purged"}, {"delete", "Deleted"}};
  std::cerr << kPast.at(verb) << " queue [" << ShortQueue(name) << "]." << std::endl;
  if (JsonFormat(g) && verb != "delete") {
    std::cout << QueueForDisplay(result->raw).dump(2) << std::endl;
  }
  return 0;
}

}  // namespace

void AddQueueReadCommands(CLI::App* queues, Globals& g, Action& action) {
  auto queue = std::make_shared<std::string>();
  CLI::App* describe = queues->add_subcommand("describe", "Show a queue");
  describe->add_option("QUEUE", *queue, "Queue ID or full name")->required();
  describe->callback(
      [&g, &action, queue] { action = [&g, queue] { return RunDescribe(g, *queue); }; });
  auto flags = std::make_shared<ListFlags>();
  CLI::App* list = queues->add_subcommand("list", "List the queues of a location");
  AddListFlags(list, *flags);
  list->callback([&g, &action, flags] { action = [&g, flags] { return RunList(g, *flags); }; });
  for (std::string verb : {"pause", "resume", "purge", "delete"}) {
    CLI::App* cmd = queues->add_subcommand(verb, verb + " a queue");
    cmd->add_option("QUEUE", *queue, "Queue ID or full name")->required();
    cmd->callback([&g, &action, queue, verb] {
      action = [&g, queue, verb] { return RunStateChange(g, verb, *queue); };
    });
  }
}

}  // namespace cte::cli
