// cloud-tasks-emulator: parse flags, build the App, print the ready line, serve until signalled.
#include "app/app.h"
#include "app/flags.h"

#include <cstdio>
#include <sys/resource.h>

namespace {

// A queue may hold 5000 requests in flight, each on its own connection: lift the soft limit on
// open files to the hard one.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  RaiseOpenFileLimit();
  cte::app::FlagsResult flags = cte::app::ParseFlags(argc, argv);
  if (!flags.options) return flags.exit_code;
  auto app = cte::app::App::Create(std::move(*flags.options));
  if (!app.ok()) {
    std::fprintf(stderr, "cloud-tasks-emulator: %s\n", app.status().message().c_str());
    return app.status().code() == cte::core::Code::kInvalidArgument ? 2 : 1;
  }
  std::printf("cloud-tasks-emulator listening on %s\n", (*app)->url().c_str());
  std::fflush(stdout);
  (*app)->Run(/*handle_signals=*/true);
  return 0;
}
