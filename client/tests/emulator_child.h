// Test support: this build's emulator for the client tests (as a cte::testing::Emulator), and the
// cloud-tasks CLI binary run capturing its output (through EmulatorProcess).
#pragma once

#include <string>
#include <vector>

#include "client/lib/testing.h"

namespace cte::client::testing {

// Options that start this build's emulator binary (CTE_EMULATOR_BINARY, whatever the
// environment says) with `--log-level warn` plus `extra_args`.
cte::testing::EmulatorOptions ThisBuild(std::vector<std::string> extra_args = {});

// What a finished command printed, and its exit code (128+signal when killed).
struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `binary` with `args` and extra environment entries ("NAME=value"; an entry "NAME="
// unsets NAME), waits for it (up to a minute), and returns what it printed.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});

}  // namespace cte::client::testing
