#include "app/process_sample.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace cte::app {

namespace {

// When the process started, in seconds since the epoch: its start in clock ticks after boot
// (field 22 of /proc/self/stat) plus the boot time (btime of /proc/stat).
double StartTimeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  size_t close = line.rfind(')');  // The command name, in parentheses, may hold spaces.
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));  // From field 3.
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  double ticks = std::strtod(field.c_str(), nullptr);
  std::ifstream boot("/proc/stat");
  for (std::string key; boot >> key;) {
    if (key == "btime") {
      double btime = 0;
      boot >> btime;
      return btime + ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return 0;
}

int64_t OpenFds() {
  std::error_code ec;
  int64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

api::ProcessSample SampleProcess() {
  api::ProcessSample s;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    s.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    int64_t page = sysconf(_SC_PAGESIZE);
    s.virtual_bytes = size_pages * page;
    s.resident_bytes = resident_pages * page;
  }
  s.open_fds = OpenFds();
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) s.max_fds = static_cast<int64_t>(files.rlim_cur);
  s.start_time_seconds = StartTimeSeconds();
  return s;
}

}  // namespace cte::app
