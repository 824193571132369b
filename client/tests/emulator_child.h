// Test support: runs the real emulator binary as a child process on a free port, and runs the
// cloud-tasks CLI binary capturing its output; both through tests/support/process.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace cte::testing {
class EmulatorProcess;
}  // namespace cte::testing

namespace cte::client::testing {

// The emulator, started with `--port 0 --db :memory: --log-level warn` plus `extra_args`.
// The constructor waits (up to 10 s) for the ready line; port() is 0 if it never came.
class EmulatorChild {
 public:
  explicit EmulatorChild(std::vector<std::string> extra_args = {});
  ~EmulatorChild();  // SIGTERM, then SIGKILL after 5 s; reaps the child.
  EmulatorChild(const EmulatorChild&) = delete;
  EmulatorChild& operator=(const EmulatorChild&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT".
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<cte::testing::EmulatorProcess> process_;
  int port_ = 0;
};

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
