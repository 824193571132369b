// cloud-tasks-emulator: parse flags, build the App, print the ready line, serve until signalled.
#include <cstdio>

#include "app/app.h"
#include "app/flags.h"

int main(int argc, char** argv) {
  cte::app::RaiseOpenFileLimit();
  cte::app::FlagsResult flags = cte::app::ParseFlags(argc, argv);
  if (!flags.options) return flags.exit_code;
  auto app = cte::app::App::Create(std::move(*flags.options));
  if (!app.ok()) {
    std::fprintf(stderr, "cloud-tasks-emulator: %s\n", app.status().message().c_str());
    return app.status().code() == cte::core::Code::kInvalidArgument ? 2 : 1;
  }
  (*app)->Run(/*handle_signals=*/true, [&app] {
    std::printf("cloud-tasks-emulator listening on %s\n", (*app)->url().c_str());
    std::fflush(stdout);
  });
  return 0;
}
