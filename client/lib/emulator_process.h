// EmulatorProcess: runs a real binary of ours (the emulator, the worker, the CLI) for tests: the
// one process launcher of the C++ tests.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cte::testing {

class EmulatorProcess {
 public:
  // Starts the binary with `args`, in this process's environment changed by `env`: "NAME=value"
  // sets NAME, "NAME=" unsets it.
  EmulatorProcess(const std::string& binary, std::vector<std::string> args,
                  std::vector<std::string> env = {});
  ~EmulatorProcess();  // Kills the process if it still runs.

  // Waits (up to `timeout`) for the ready line and returns the port; 0 if it never came.
  int WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // What the process printed so far.
  std::string Stdout();
  std::string Stderr();
  void Signal(int sig);
  // SIGTERM, then SIGKILL if it has not exited after `grace`; returns the exit code as Wait.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits for exit; returns the exit code, 128+signal when killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  // Reads both pipes until they close, so that the child never blocks on a full pipe.
  void DrainLoop();
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::mutex mu_;
  std::string out_, err_;
  int status_ = -1;
  std::thread drain_;
};

}  // namespace cte::testing
