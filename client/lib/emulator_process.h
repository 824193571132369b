// EmulatorProcess: runs a binary of ours (the emulator, the worker, the CLI) as a child process
// and reads what it prints: the one process launcher of the tests and of cte::testing::Emulator.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cte::testing {

// The exit code of a child whose exec failed (as a shell's "command not found").
inline constexpr int kCannotRun = 127;

class EmulatorProcess {
 public:
  // Starts `binary` (a path: no PATH lookup) with `args`, in this process's environment changed
  // by `env`: "NAME=value" sets NAME, "NAME=" unsets it. Its stdout is read into memory; so is
  // its stderr, unless `stderr_path` names a file, which then receives it (truncated first).
  // The child gets SIGTERM when the thread that started it ends (a crashed test leaves no
  // process behind). Throws std::system_error when no pipe, file or process can be made; a
  // binary that cannot be run exits with kCannotRun.
  EmulatorProcess(const std::string& binary, std::vector<std::string> args,
                  const std::vector<std::string>& env = {}, const std::string& stderr_path = "");
  ~EmulatorProcess();  // Kills the process if it still runs, and reaps it.
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  // Waits (up to `timeout`) for the ready line ("... listening on http://HOST:PORT") and returns
  // the port; 0 if the process exited first or the line never came.
  int WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // What the process printed so far (Stderr: the file's content when it has one).
  std::string Stdout();
  std::string Stderr();
  int pid() const { return pid_; }
  void Signal(int sig);
  // SIGTERM, then SIGKILL if it has not exited after `grace`; returns the exit code as Wait.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits for exit; returns the exit code, 128+signal when killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  // Reads the pipes until they close, so that the child never blocks on a full pipe.
  void DrainLoop();
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;  // -1 when stderr goes to stderr_path_.
  std::string stderr_path_;
  std::mutex mu_;
  std::string out_, err_;
  int status_ = -1;
  std::thread drain_;
};

}  // namespace cte::testing
