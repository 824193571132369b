// Running: a binary of ours (emulator or worker) started for a test, with the port it printed.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "client/lib/emulator_process.h"

namespace cte::testing {

struct Running {
  Running(const std::string& binary, std::vector<std::string> args)
      : process(binary, std::move(args)), port(process.WaitReady()) {
    REQUIRE(port > 0);
  }
  EmulatorProcess process;
  int port;
};

}  // namespace cte::testing
