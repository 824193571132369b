// cloud-tasks-experiment: load and retry experiments (docs/experiments.md). `cloud-tasks
// experiment ...` runs this binary.
//
//   run SCENARIO [--out DIR] [--seed N] [--no-report]   a simulated run, its folder and report
//       [--mode live [--time-scale X] [--emulator URL] [--worker-url URL]]   a live run instead
//   compare RUN RUN... --out DIR                         one report over several runs
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "app/flag_checks.h"
#include "core/time_util.h"
#include "experiment/analysis.h"
#include "experiment/live.h"
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
  double time_scale = 1;
  std::string emulator;
  std::string worker_url;
  std::vector<CLI::Option*> live_only;  // Flags that only a live run takes.
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "cloud-tasks experiment: %s\n", message.c_str());
  return code;
}

// "[#####-----] 00:12:30 simulated, 123,456 of 720,000 tasks, 130,000 attempts, ETA 12 s"; a
// live run says "scenario time" and has no attempt count (-1).
void ShowProgress(const Progress& p, std::chrono::steady_clock::time_point start, bool live) {
  double done = p.tasks_total > 0 ? static_cast<double>(p.tasks_created) / p.tasks_total : 1;
  int width = 24, filled = static_cast<int>(done * width);
  std::string bar = std::string(filled, '#') + std::string(width - filled, '-');
  auto s =
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(p.simulated).count());
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string eta =
      done > 0.01 && done < 1 ? std::to_string(std::lround(wall / done - wall)) + " s" : "-";
  std::string attempts = p.attempts < 0 ? "" : ", " + std::to_string(p.attempts) + " attempts";
  std::fprintf(stderr, "\r[%s] %02lld:%02lld:%02lld %s, %lld of %lld tasks%s, ETA %s   ",
               bar.c_str(), static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
               static_cast<long long>(s % 60), live ? "scenario time" : "simulated",
               static_cast<long long>(p.tasks_created), static_cast<long long>(p.tasks_total),
               attempts.c_str(), eta.c_str());
}

// Where this binary is: the emulator and worker binaries of a live run are beside it.
std::string BinDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : self.parent_path().string();
}

// Runs the scenario in the flags' mode, with a progress bar when stderr is a terminal.
core::Result<RunData> Execute(const RunFlags& flags, const Scenario& scenario) {
  auto start = std::chrono::steady_clock::now();
  bool tty = isatty(STDERR_FILENO) != 0;
  bool live = flags.mode == "live";
  std::function<void(const Progress&)> progress;
  if (tty) progress = [&](const Progress& p) { ShowProgress(p, start, live); };
  core::Result<RunData> run = core::Internal("not run");
  if (live) {
    LiveOptions options;
    options.time_scale = flags.time_scale;
    options.emulator = flags.emulator;
    options.worker_url = flags.worker_url;
    options.scenario_file = flags.scenario;
    options.bin_dir = BinDir();
    options.progress = progress;
    options.warning = [](const std::string& warning) {
      std::fprintf(stderr, "\ncloud-tasks experiment: %s\n", warning.c_str());
    };
    run = RunLive(scenario, options);
  } else {
    SimulationOptions options;
    options.progress = progress;
    run = Simulate(scenario, options);
  }
  if (tty) std::fprintf(stderr, "\n");
  return run;
}

// The flags' combination; an empty string when it is good, else the message.
std::string CheckFlags(const RunFlags& flags) {
  if (flags.mode != "simulated" && flags.mode != "live") {
    return "--mode " + flags.mode + ": must be simulated or live";
  }
  if (flags.mode == "live") return "";
  for (const CLI::Option* o : flags.live_only) {
    if (o->count() > 0) return o->get_name() + ": only with --mode live";
  }
  return "";
}

int Run(const RunFlags& flags) {
  if (std::string bad = CheckFlags(flags); !bad.empty()) return Fail(kExitUsage, bad);
  std::ifstream in(flags.scenario);
  if (!in) return Fail(kExitUsage, flags.scenario + ": cannot read the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  std::string base = std::filesystem::path(flags.scenario).parent_path().string();
  auto scenario = ReadScenario(text.str(), base.empty() ? "." : base);
  if (!scenario.ok()) return Fail(kExitUsage, flags.scenario + ": " + scenario.status().message());
  if (scenario->cloud_tasks.Any() && !flags.emulator.empty()) {
    // The emulator applies them, and one already running was started without asking us.
    return Fail(kExitUsage, flags.scenario +
                                ": cloudTasks: applied by the emulator a live run starts; with "
                                "--emulator, start it with --duplicate-rate and --dispatch-jitter "
                                "instead");
  }
  if (flags.seed) scenario->seed = *flags.seed;
  std::string out = flags.out.empty() ? "runs/" + scenario->name : flags.out;
  auto run = Execute(flags, *scenario);
  if (!run.ok()) {
    bool usage = run.status().code() == core::Code::kInvalidArgument;
    return Fail(usage ? kExitUsage : kExitFailure, flags.scenario + ": " + run.status().message());
  }
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
  run_cmd->add_option("--mode", run.mode, "simulated (default) or live");
  run.live_only = {
      run_cmd
          ->add_option("--time-scale", run.time_scale,
                       "Live: scenario time runs X times faster (default 1)")
          ->check(app::kPositiveNumber),
      run_cmd->add_option("--emulator", run.emulator,
                          "Live: a running emulator (default: start one)"),
      run_cmd->add_option("--worker-url", run.worker_url,
                          "Live: send the tasks to this service (default: start workers)")};
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
    return Fail(kExitUsage, e.what());  // One line, without CLI11's "Run with --help".
  }
  if (run_cmd->parsed()) return Run(run);
  return Compare(runs, out);
}
