// Shared pieces of the cloud-tasks CLI: global flags, name resolution, error reporting. The CLI
// mirrors `gcloud tasks` (commands, flags, messages) on top of cte::client::Client.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "client/lib/client.h"

namespace cte::cli {

// Flags every command accepts (--project, --location, --endpoint, --format, --quiet).
struct Globals {
  std::string project;
  std::string location;
  std::string endpoint;
  std::string format;
  bool quiet = false;
};

// The command chosen on the command line: set by a subcommand's parse callback, run after
// parsing. Returns the process exit code.
using Action = std::function<int()>;

// Exit codes: 0 success, 1 an API or I/O error, 2 bad usage.
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// Thrown (only inside the CLI) when flags do not make a valid request; main prints it and
// exits with kExitUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --project, else $CLOUDSDK_CORE_PROJECT, else $GOOGLE_CLOUD_PROJECT. Throws UsageError when
// none is set.
std::string Project(const Globals& g);

// A full queue name from a full name or a bare ID (then --project and --location are needed;
// throws UsageError without them).
std::string ResolveQueue(const Globals& g, const std::string& queue);
// A full task name from a full name or a bare ID within `queue` (as ResolveQueue takes it).
std::string ResolveTask(const Globals& g, const std::string& queue, const std::string& task);
// "LOCATION/QUEUE" of a full queue name, as gcloud prints it in status lines.
std::string ShortQueue(const std::string& queue_name);
// The last path segment of a resource name.
std::string Basename(const std::string& name);

// Prints "ERROR: (cloud-tasks.<command>) CODE: message" on stderr and returns kExitError.
int Fail(const std::string& command, const client::Status& status);

// A Client for --endpoint (else $CLOUD_TASKS_EMULATOR_HOST, else 127.0.0.1:8123).
std::unique_ptr<client::Client> MakeClient(const Globals& g);

// true when --format=json was given.
bool JsonFormat(const Globals& g);

// Registers the command groups. `g` and `action` must outlive parsing and the run.
void AddQueueCommands(CLI::App& app, Globals& g, Action& action);
// queues describe|list|pause|resume|purge|delete, under the `queues` group.
void AddQueueReadCommands(CLI::App* queues, Globals& g, Action& action);
void AddTaskCommands(CLI::App& app, Globals& g, Action& action);
// list, describe, run, delete (tasks).
void AddTaskReadCommands(CLI::App& app, Globals& g, Action& action);
void AddEmulatorCommands(CLI::App& app, Globals& g, Action& action);
// locations list|describe.
void AddLocationCommands(CLI::App& app, Globals& g, Action& action);
// queues get-iam-policy|set-iam-policy|add-iam-policy-binding|remove-iam-policy-binding.
void AddIamCommands(CLI::App* queues, Globals& g, Action& action);

// After the commands are registered, before parsing: the first word of `argv` that names no
// command of its group, as gcloud reports it ("ERROR: (cloud-tasks.queues) Invalid choice:
// 'lst'." and the closest command), or nullopt when every command word is known.
std::optional<std::string> CheckCommandWords(const CLI::App& app, int argc, char** argv);

}  // namespace cte::cli
