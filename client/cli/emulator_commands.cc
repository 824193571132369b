// `cloud-tasks emulator clock|advance|wait|attempts|stats|reset|health`: the /emulator/v1 harness.
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/output.h"
#include "common/duration.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

struct EmulatorFlags {
  std::string duration, timeout = "30s", task;
  std::vector<std::string> queues;
  bool include_scheduled = false;
};

// "500ms", "30s", "1.5s", "2m", "1h", "1h30m" (common/duration.h) -> milliseconds. Throws
// UsageError otherwise.
std::chrono::milliseconds ParseTimeout(const std::string& text) {
  auto d = ParseGoDuration(text);
  if (!d) throw UsageError("argument --timeout: bad duration " + text + " (e.g. 30s, 1m, 1h)");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

int PrintJsonOrYaml(const Globals& g, const Json& j) {
  if (JsonFormat(g)) {
    std::cout << j.dump(2) << std::endl;
  } else {
    PrintYaml(std::cout, j);
  }
  return 0;
}

int RunClock(const Globals& g, const std::string& verb, const EmulatorFlags& f) {
  auto client = MakeClient(g);
  auto result = verb == "advance" ? client->AdvanceClock(f.duration) : client->GetClock();
  if (!result.ok()) return Fail("emulator." + verb, result.status());
  return PrintJsonOrYaml(g, result->raw);
}

// Exit 0 once the emulator serves: the Docker image's HEALTHCHECK.
int RunHealth(const Globals& g) {
  auto result = MakeClient(g)->Health();
  if (!result.ok()) return Fail("emulator.health", result.status());
  return PrintJsonOrYaml(g, *result);
}

int RunWait(const Globals& g, const EmulatorFlags& f) {
  std::vector<std::string> queues;
  for (const auto& q : f.queues) queues.push_back(ResolveQueue(g, q));
  client::Status s = MakeClient(g)->WaitIdle(queues, ParseTimeout(f.timeout), f.include_scheduled);
  if (!s.ok()) return Fail("emulator.wait", s);
  std::cerr << "Idle." << std::endl;
  return 0;
}

int RunAttempts(const Globals& g, const EmulatorFlags& f) {
  std::string queue = f.queues.empty() ? "" : ResolveQueue(g, f.queues.front());
  std::string task =
      f.task.empty() ? "" : ResolveTask(g, f.queues.empty() ? "" : f.queues[0], f.task);
  auto client = MakeClient(g);
  client::ListOptions options;
  std::vector<client::AttemptRecord> all;
  do {
    auto page = client->ListAttempts(queue, task, options);
    if (!page.ok()) return Fail("emulator.attempts", page.status());
    for (auto& a : page->items) all.push_back(std::move(a));
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  if (JsonFormat(g)) {
    Json list = Json::array();
    for (const auto& a : all) list.push_back(a.raw);
    return PrintJsonOrYaml(g, list);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : all) {
    rows.push_back({Basename(a.queue), Basename(a.task), std::to_string(a.attempt), a.outcome,
                    a.http_status ? std::to_string(a.http_status) : a.error, a.dispatch_time,
                    a.latency});
  }
  PrintTable(std::cout,
             {"QUEUE", "TASK", "ATTEMPT", "OUTCOME", "STATUS", "DISPATCH_TIME", "LATENCY"}, rows);
  return 0;
}

int RunStats(const Globals& g) {
  auto result = MakeClient(g)->Stats();
  if (!result.ok()) return Fail("emulator.stats", result.status());
  if (JsonFormat(g)) return PrintJsonOrYaml(g, result->raw);
  std::vector<std::vector<std::string>> rows;
  for (const auto& q : result->queues) {
    rows.push_back({ShortQueue(q.name), std::to_string(q.tasks_waiting),
                    std::to_string(q.in_flight), std::to_string(q.dispatched),
                    std::to_string(q.succeeded), std::to_string(q.retried),
                    std::to_string(q.given_up)});
  }
  PrintTable(std::cout,
             {"QUEUE", "WAITING", "IN_FLIGHT", "DISPATCHED", "SUCCEEDED", "RETRIED", "GIVEN_UP"},
             rows);
  return 0;
}

int RunReset(const Globals& g, const EmulatorFlags& f) {
  std::string queue = f.queues.empty() ? "" : ResolveQueue(g, f.queues.front());
  client::Status s = MakeClient(g)->Reset(queue);
  if (!s.ok()) return Fail("emulator.reset", s);
  std::cerr << (queue.empty() ? "Reset the emulator." : "Reset queue [" + ShortQueue(queue) + "].")
            << std::endl;
  return 0;
}

}  // namespace

void AddEmulatorCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* emulator = app.add_subcommand("emulator", "The emulator's test harness");
  emulator->fallthrough();
  emulator->require_subcommand(1);
  auto f = std::make_shared<EmulatorFlags>();
  auto set = [&action](Action a) { action = std::move(a); };
  emulator->add_subcommand("clock", "Show the emulator's clock")->callback([&g, f, set] {
    set([&g, f] { return RunClock(g, "clock", *f); });
  });
  CLI::App* advance = emulator->add_subcommand("advance", "Move the manual clock forward");
  advance->add_option("DURATION", f->duration, "e.g. 1800s, 30m, 1h30m")->required();
  advance->callback([&g, f, set] { set([&g, f] { return RunClock(g, "advance", *f); }); });
  CLI::App* wait = emulator->add_subcommand("wait", "Wait until no task is due or in flight");
  wait->add_option("--queue", f->queues, "Queue ID or full name, repeatable");
  wait->add_option("--timeout", f->timeout, "e.g. 30s (default)");
  wait->add_flag("--include-scheduled", f->include_scheduled, "Also wait for future tasks");
  wait->callback([&g, f, set] { set([&g, f] { return RunWait(g, *f); }); });
  CLI::App* attempts = emulator->add_subcommand("attempts", "List dispatch attempts");
  attempts->add_option("--queue", f->queues, "Queue ID or full name")->expected(1);
  attempts->add_option("--task", f->task, "Task ID (with --queue) or full name");
  attempts->callback([&g, f, set] { set([&g, f] { return RunAttempts(g, *f); }); });
  emulator->add_subcommand("stats", "Per-queue counters")->callback([&g, set] {
    set([&g] { return RunStats(g); });
  });
  emulator->add_subcommand("health", "Check that the emulator serves (exit 0 if it does)")
      ->callback([&g, set] { set([&g] { return RunHealth(g); }); });
  CLI::App* reset = emulator->add_subcommand("reset", "Reset everything, or one queue");
  reset->add_option("--queue", f->queues, "Queue ID or full name")->expected(1);
  reset->callback([&g, f, set] { set([&g, f] { return RunReset(g, *f); }); });
}

}  // namespace cte::cli
