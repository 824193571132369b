#include "client/tests/emulator_child.h"

#include <chrono>

#include "support/process.h"

namespace cte::client::testing {

EmulatorChild::EmulatorChild(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"--port", "0", "--db", ":memory:", "--log-level", "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<cte::testing::EmulatorProcess>(CTE_EMULATOR_BINARY, args);
  port_ = process_->WaitReady();
}

EmulatorChild::~EmulatorChild() { process_->Stop(); }

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  cte::testing::EmulatorProcess command(binary, args, env);
  int code = command.Wait(std::chrono::minutes(1));
  return {code, command.Stdout(), command.Stderr()};
}

}  // namespace cte::client::testing
