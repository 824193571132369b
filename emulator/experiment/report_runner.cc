#include "experiment/report_runner.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "experiment/child_process.h"

namespace cte::experiment {

extern const char kReportPy[];  // report_py.cc, made from report.py at build time.

namespace {

std::string Interpreter() {
  if (const char* python = std::getenv("CTE_PYTHON"); python != nullptr && *python != '\0') {
    return python;
  }
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

// Writes the script to a private temporary file; returns its path.
core::Result<std::string> WriteScript() {
  std::string path = (std::filesystem::temp_directory_path() / "cte-report-XXXXXX.py").string();
  int fd = mkstemps(path.data(), 3);
  if (fd < 0) return core::FailedPrecondition("cannot write the report script: " + path);
  size_t size = std::strlen(kReportPy);
  bool ok = write(fd, kReportPy, size) == static_cast<ssize_t>(size);
  close(fd);
  if (!ok) return core::FailedPrecondition("cannot write the report script: " + path);
  return path;
}

}  // namespace

core::Status RunReport(const std::vector<std::string>& args) {
  auto script = WriteScript();
  if (!script.ok()) return script.status();
  std::string python = Interpreter();
  std::vector<std::string> argv = {*script};
  argv.insert(argv.end(), args.begin(), args.end());
  int pid = Spawn(python, argv);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  std::filesystem::remove(*script);
  if (pid < 0) return core::FailedPrecondition("cannot start " + python);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return core::Status::Ok();
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotRun) {
    return core::FailedPrecondition("cannot run " + python + " (install python3-matplotlib)");
  }
  return core::FailedPrecondition("the report generator failed");
}

}  // namespace cte::experiment
