// cloud-tasks: a command-line client of the emulator that mirrors `gcloud tasks`.
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/cli/list_view.h"
#include "common/version.h"

namespace {

using cte::cli::Globals;

void AddGlobalFlags(CLI::App& app, Globals& g) {
  app.add_option("--project", g.project, "Google Cloud project ID");
  app.add_option("--location", g.location, "Location of the queue (e.g. europe-west1)");
  app.add_option("--endpoint", g.endpoint,
                 "Emulator address (default: $CLOUD_TASKS_EMULATOR_HOST or 127.0.0.1:8123)");
  app.add_option("--format", g.format,
                 "Output format: default (gcloud's), json, yaml, or value(KEY,...) with dotted "
                 "keys, each maybe KEY.basename()")
      ->check(CLI::Validator([](std::string& v) { return cte::cli::CheckFormat(v); }, "FORMAT"));
  app.add_flag("--quiet,-q", g.quiet, "Disable prompts (there are none)");
}

// The global flags on every command too, so that each command's --help lists them and they can
// come after the command's words, as gcloud's do.
void AddGlobalFlagsEverywhere(CLI::App& app, Globals& g) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    AddGlobalFlags(*sub, g);
    AddGlobalFlagsEverywhere(*sub, g);
  }
}

// "queues.create" for `cloud-tasks queues create ...`: the chain of parsed subcommands.
std::string CommandPath(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  while (true) {
    auto chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    path += (path.empty() ? "" : ".") + at->get_name();
  }
  return path;
}

// `cloud-tasks experiment ...` is the cloud-tasks-experiment binary beside this one (it embeds
// the emulator's queue code, which this client, talking HTTP only, does not link).
int RunExperiment(char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string path = (self.parent_path() / "cloud-tasks-experiment").string();
  argv[1] = path.data();
  execv(path.c_str(), argv + 1);
  std::cerr << "ERROR: (cloud-tasks.experiment) cannot run " << path << ": " << std::strerror(errno)
            << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "experiment") return RunExperiment(argv);
  CLI::App app{"cloud-tasks: gcloud tasks commands against the Cloud Tasks emulator",
               "cloud-tasks"};
  app.fallthrough();
  app.get_formatter()->column_width(40);  // Shared by every command: long flags keep one line.
  app.require_subcommand(1);
  Globals g;
  cte::cli::Action action;
  AddGlobalFlags(app, g);
  app.set_version_flag("--version", std::string("cloud-tasks ") + cte::kVersion);
  cte::cli::AddQueueCommands(app, g, action);
  cte::cli::AddTaskCommands(app, g, action);
  cte::cli::AddEmulatorCommands(app, g, action);
  cte::cli::AddLocationCommands(app, g, action);
  AddGlobalFlagsEverywhere(app, g);
  if (auto invalid = cte::cli::CheckCommandWords(app, argc, argv)) {
    std::cerr << *invalid << std::endl;
    return cte::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
    if (!action) return cte::cli::kExitUsage;
    return action();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion&) {
    std::cout << "cloud-tasks " << cte::kVersion << std::endl;
    return 0;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cte::cli::kExitUsage;
  } catch (const cte::cli::UsageError& e) {
    std::string path = CommandPath(app);
    std::cerr << "ERROR: (cloud-tasks" << (path.empty() ? "" : "." + path) << ") " << e.what()
              << std::endl;
    return cte::cli::kExitUsage;
  }
}
