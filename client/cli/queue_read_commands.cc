// `cloud-tasks queues describe|list|pause|resume|purge|delete`, as in gcloud.
#include <iostream>
#include <map>

#include "client/cli/cli.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

int RunDescribe(const Globals& g, const std::string& queue) {
  auto result = MakeClient(g)->GetQueue(ResolveQueue(g, queue));
  if (!result.ok()) return Fail("queues.describe", result.status());
  if (JsonFormat(g)) {
    std::cout << result->raw.dump(2) << std::endl;
  } else {
    PrintYaml(std::cout, QueueForDisplay(result->raw));
  }
  return 0;
}

std::vector<std::string> QueueRow(const client::Queue& q) {
  const Json& j = q.raw;
  auto at = [&](const char* group, const char* key) -> Json {
    return j.contains(group) && j[group].contains(key) ? j[group][key] : Json();
  };
  Json attempts = at("retryConfig", "maxAttempts");
  Json concurrent = at("rateLimits", "maxConcurrentDispatches");
  return {Basename(q.name), q.state, concurrent.is_number() ? concurrent.dump() : "",
          DoubleText(at("rateLimits", "maxDispatchesPerSecond")),
          attempts.is_number() ? attempts.dump() : ""};
}

// Lists every page of the location's queues.
int RunList(const Globals& g) {
  if (g.location.empty()) throw UsageError("argument --location: Must be specified.");
  auto client = MakeClient(g);
  client::ListOptions options;
  std::vector<client::Queue> queues;
  do {
    auto page = client->ListQueues(client::LocationName(Project(g), g.location), options);
    if (!page.ok()) return Fail("queues.list", page.status());
    for (auto& q : page->items) queues.push_back(std::move(q));
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  if (JsonFormat(g)) {
    Json all = Json::array();
    for (const auto& q : queues) all.push_back(q.raw);
    std::cout << all.dump(2) << std::endl;
  } else if (queues.empty()) {
    std::cerr << "Listed 0 items." << std::endl;
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& q : queues) rows.push_back(QueueRow(q));
    PrintTable(std::cout,
               {"QUEUE_NAME", "STATE", "MAX_NUM_OF_TASKS", "MAX_RATE (/sec)", "MAX_ATTEMPTS"},
               rows);
  }
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
  if (JsonFormat(g) && verb != "delete") std::cout << result->raw.dump(2) << std::endl;
  return 0;
}

}  // namespace

void AddQueueReadCommands(CLI::App* queues, Globals& g, Action& action) {
  auto queue = std::make_shared<std::string>();
  CLI::App* describe = queues->add_subcommand("describe", "Show a queue");
  describe->add_option("QUEUE", *queue, "Queue ID or full name")->required();
  describe->callback(
      [&g, &action, queue] { action = [&g, queue] { return RunDescribe(g, *queue); }; });
  CLI::App* list = queues->add_subcommand("list", "List the queues of a location");
  list->callback([&g, &action] { action = [&g] { return RunList(g); }; });
  for (std::string verb : {"pause", "resume", "purge", "delete"}) {
    CLI::App* cmd = queues->add_subcommand(verb, verb + " a queue");
    cmd->add_option("QUEUE", *queue, "Queue ID or full name")->required();
    cmd->callback([&g, &action, queue, verb] {
      action = [&g, queue, verb] { return RunStateChange(g, verb, *queue); };
    });
  }
}

}  // namespace cte::cli
