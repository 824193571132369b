#include "client/tests/emulator_child.h"

#include <chrono>

#include "client/lib/emulator_process.h"

namespace cte::client::testing {

cte::testing::EmulatorOptions ThisBuild(std::vector<std::string> extra_args) {
  cte::testing::EmulatorOptions options;
  options.binary = CTE_EMULATOR_BINARY;
  options.args = {"--log-level", "warn"};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  return options;
}

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  cte::testing::EmulatorProcess command(binary, args, env);
  int code = command.Wait(std::chrono::minutes(1));
  return {code, command.Stdout(), command.Stderr()};
}

}  // namespace cte::client::testing
