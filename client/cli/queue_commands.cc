// `cloud-tasks queues create|update|describe|list|pause|resume|purge|delete`, as in gcloud.
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using client::Queue;

// The flags of `queues create` and `queues update`, verbatim as typed.
struct QueueFlags {
  std::string queue;
  std::optional<double> max_dispatches_per_second;
  std::optional<int> max_concurrent_dispatches;
  std::optional<std::string> max_attempts;  // A number or "unlimited".
  std::optional<std::string> max_retry_duration, min_backoff, max_backoff;
  std::optional<int> max_doublings;
  std::vector<std::string> clear;  // Update mask paths of the given --clear-* flags.
};

// (flag name, update mask path) of the queue settings.
const std::vector<std::pair<std::string, std::string>> kQueueFields = {
    {"max-dispatches-per-second", "rateLimits.maxDispatchesPerSecond"},
    {"max-concurrent-dispatches", "rateLimits.maxConcurrentDispatches"},
    {"max-attempts", "retryConfig.maxAttempts"},
    {"max-retry-duration", "retryConfig.maxRetryDuration"},
    {"min-backoff", "retryConfig.minBackoff"},
    {"max-backoff", "retryConfig.maxBackoff"},
    {"max-doublings", "retryConfig.maxDoublings"},
};

void AddSettingFlags(CLI::App* cmd, QueueFlags& f) {
  cmd->add_option("--max-dispatches-per-second", f.max_dispatches_per_second,
                  "The most tasks dispatched per second (up to 500)");
  cmd->add_option("--max-concurrent-dispatches", f.max_concurrent_dispatches,
                  "The most tasks in flight at once (up to 5000)");
  cmd->add_option("--max-attempts", f.max_attempts, "A number, or 'unlimited'");
  cmd->add_option("--max-retry-duration", f.max_retry_duration, "e.g. 1800s");
  cmd->add_option("--min-backoff", f.min_backoff, "e.g. 0.1s");
  cmd->add_option("--max-backoff", f.max_backoff, "e.g. 3600s");
  cmd->add_option("--max-doublings", f.max_doublings,
                  "How many times the retry interval doubles before it grows linearly");
}

int ParseMaxAttempts(const std::string& text) {
  if (text == "unlimited") return -1;
  try {
    size_t used = 0;
    int n = std::stoi(text, &used);
    if (used == text.size()) return n;
  } catch (const std::exception&) {
  }
  throw UsageError("argument --max-attempts: expected an integer or 'unlimited', got: " + text);
}

// The Queue to send and the update mask paths of the flags that were given.
Queue QueueFromFlags(const QueueFlags& f, std::vector<std::string>& mask) {
  Queue q;
  q.rate_limits.max_dispatches_per_second = f.max_dispatches_per_second;
  q.rate_limits.max_concurrent_dispatches = f.max_concurrent_dispatches;
  if (f.max_attempts) q.retry_config.max_attempts = ParseMaxAttempts(*f.max_attempts);
  q.retry_config.max_retry_duration = f.max_retry_duration;
  q.retry_config.min_backoff = f.min_backoff;
  q.retry_config.max_backoff = f.max_backoff;
  q.retry_config.max_doublings = f.max_doublings;
  const bool given[] = {f.max_dispatches_per_second.has_value(),
                        f.max_concurrent_dispatches.has_value(),
                        f.max_attempts.has_value(),
                        f.max_retry_duration.has_value(),
                        f.min_backoff.has_value(),
                        f.max_backoff.has_value(),
                        f.max_doublings.has_value()};
  for (size_t i = 0; i < kQueueFields.size(); ++i) {
    if (given[i]) mask.push_back(kQueueFields[i].second);
  }
  for (const auto& path : f.clear) mask.push_back(path);
  return q;
}

void PrintQueue(const Globals& g, const Queue& q) {
  if (JsonFormat(g)) {
    std::cout << q.raw.dump(2) << std::endl;
  } else {
    PrintYaml(std::cout, QueueForDisplay(q.raw));
  }
}

int RunCreate(Globals& g, const QueueFlags& f, bool update) {
  const std::string command = update ? "queues.update" : "queues.create";
  std::vector<std::string> mask;
  Queue q = QueueFromFlags(f, mask);
  q.name = ResolveQueue(g, f.queue);
  auto client = MakeClient(g);
  auto result = update ? client->UpdateQueue(q, mask)
                       : client->CreateQueue(q.name.substr(0, q.name.rfind("/queues/")), q);
  if (!result.ok()) return Fail(command, result.status());
  std::cerr << (update ? "Updated" : "Created") << " queue [" << ShortQueue(q.name) << "]."
            << std::endl;
  if (JsonFormat(g)) PrintQueue(g, *result);
  return 0;
}

void AddCreateUpdate(CLI::App* queues, Globals& g, Action& action, bool update) {
  auto f = std::make_shared<QueueFlags>();
  CLI::App* cmd = queues->add_subcommand(update ? "update" : "create",
                                         update ? "Update a queue" : "Create a queue");
  cmd->add_option("QUEUE", f->queue, "Queue ID or full name")->required();
  AddSettingFlags(cmd, *f);
  if (update) {
    for (const auto& [flag, path] : kQueueFields) {
      cmd->add_flag_callback(
          "--clear-" + flag, [f, path = path] { f->clear.push_back(path); },
          "Reset --" + flag + " to its default");
    }
  }
  cmd->callback(
      [&g, &action, f, update] { action = [&g, f, update] { return RunCreate(g, *f, update); }; });
}

}  // namespace

void AddQueueCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* queues = app.add_subcommand("queues", "Manage Cloud Tasks queues");
  queues->fallthrough();
  queues->require_subcommand(1);
  AddCreateUpdate(queues, g, action, false);
  AddCreateUpdate(queues, g, action, true);
  AddQueueReadCommands(queues, g, action);
  AddIamCommands(queues, g, action);
}

}  // namespace cte::cli
