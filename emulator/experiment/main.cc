// cloud-tasks-experiment: load and retry experiments (docs/experiments.md). `cloud-tasks
// experiment ...` runs this binary.
//
//   run SCENARIO [--out DIR] [--seed N] [--no-report]   a simulated run, its folder and report
//   compare RUN RUN... --out DIR                         one report over several runs
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "core/time_util.h"
#include "experiment/analysis.h"
#include "experiment/report_runner.h"
#include "experiment/run_folder.h"
#include "experiment/scenario.h"
#include "experiment/simulation.h"

namespace {

using namespace cte;
using namespace cte::experiment;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct RunFlags {
  std::string scenario;
  std::string out;
  std::string mode = "simulated";
  std::optional<uint64_t> seed;
  bool report = true;
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "cloud-tasks experiment: %s\n", message.c_str());
  return code;
}

// "[#####-----] 00:12:30 simulated, 123,456 of 720,000 tasks, 130,000 attempts, ETA 12 s".
void ShowProgress(const Progress& p, std::chrono::steady_clock::time_point start) {
  double done = p.tasks_total > 0 ? static_cast<double>(p.tasks_created) / p.tasks_total : 1;
  int width = 24, filled = static_cast<int>(done * width);
  std::string bar = std::string(filled, '#') + std::string(width - filled, '-');
  auto s = std::chrono::duration_cast<std::chrono::seconds>(p.simulated).count();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string eta =
      done > 0.01 && done < 1 ? std::to_string(std::lround(wall / done - wall)) + " s" : "-";
  std::fprintf(
      stderr, "\r[%s] %02lld:%02lld:%02lld simulated, %lld of %lld tasks, %lld attempts, ETA %s   ",
      bar.c_str(), static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
      static_cast<long long>(s % 60), static_cast<long long>(p.tasks_created),
      static_cast<long long>(p.tasks_total), static_cast<long long>(p.attempts), eta.c_str());
}

int Run(const RunFlags& flags) {
  if (flags.mode != "simulated") {
    return Fail(kExitUsage, "--mode " + flags.mode + ": not built yet; only simulated runs");
  }
  std::ifstream in(flags.scenario);
  if (!in) return Fail(kExitUsage, flags.scenario + ": cannot read the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  std::string base = std::filesystem::path(flags.scenario).parent_path().string();
  auto scenario = ReadScenario(text.str(), base.empty() ? "." : base);
  if (!scenario.ok()) return Fail(kExitUsage, flags.scenario + ": " + scenario.status().message());
  if (flags.seed) scenario->seed = *flags.seed;
  std::string out = flags.out.empty() ? "runs/" + scenario->name : flags.out;
  SimulationOptions options;
  auto start = std::chrono::steady_clock::now();
  bool tty = isatty(STDERR_FILENO) != 0;
  if (tty) options.progress = [&](const Progress& p) { ShowProgress(p, start); };
  auto run = Simulate(*scenario, options);
  if (tty) std::fprintf(stderr, "\n");
  if (!run.ok()) return Fail(kExitUsage, flags.scenario + ": " + run.status().message());
  Analysis analysis = Analyze(*run);
  nlohmann::json original = nlohmann::json::parse(text.str());
  if (flags.seed) original["seed"] = *flags.seed;
  core::Status written = WriteRunFolder(out, original, *run, analysis);
  if (!written.ok()) return Fail(kExitFailure, written.message());
  if (flags.report) {
    core::Status reported = RunReport({out});
    if (!reported.ok()) return Fail(kExitFailure, reported.message());
  }
  std::printf("%s\n", SummaryJson(*run, analysis)["total"].dump(2).c_str());
  std::printf("%s: %s\n", flags.report ? "report" : "run folder",
              (flags.report ? out + "/report.html" : out).c_str());
  return 0;
}

int Compare(const std::vector<std::string>& runs, const std::string& out) {
  std::vector<std::string> args = {"--compare"};
  args.insert(args.end(), runs.begin(), runs.end());
  args.insert(args.end(), {"--out", out});
  core::Status reported = RunReport(args);
  if (!reported.ok()) return Fail(kExitFailure, reported.message());
  std::printf("report: %s/report.html\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cloud-tasks experiment: load and retry experiments", "cloud-tasks experiment"};
  app.require_subcommand(1);
  RunFlags run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario and write its folder and report");
  run_cmd->add_option("scenario", run.scenario, "The scenario file (JSON)")->required();
  run_cmd->add_option("--out", run.out, "The run folder (default: runs/NAME)");
  run_cmd->add_option("--mode", run.mode, "simulated (default)");
  run_cmd->add_option("--seed", run.seed, "Overrides the scenario's seed");
  run_cmd->add_flag("!--no-report", run.report, "Write the data files only, no report.html");
  std::vector<std::string> runs;
  std::string out;
  auto* compare_cmd = app.add_subcommand("compare", "One report over several run folders");
  compare_cmd->add_option("runs", runs, "Run folders")->required()->expected(2, 64);
  compare_cmd->add_option("--out", out, "Where the comparison goes")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (run_cmd->parsed()) return Run(run);
  return Compare(runs, out);
}
