// ChildProcess: a server binary of ours (cloud-tasks-emulator, cloud-tasks-worker) that a live
// experiment starts, waits for until it prints its "listening on URL" line, and stops at the end.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace cte::experiment {

// The exit code of a child whose exec failed (as a shell's "command not found").
inline constexpr int kCannotRun = 127;

// Forks and runs `binary` (looked up on PATH when it has no '/') with `args`, its stdout sent to
// `stdout_fd` when that is not -1; the child gets SIGTERM when the forking thread ends. Returns
// its pid, or -1 with errno set. A child that cannot exec exits with kCannotRun.
int Spawn(const std::string& binary, const std::vector<std::string>& args, int stdout_fd = -1);

class ChildProcess {
 public:
  // Runs `binary` with `args`; its stderr is ours, its stdout is read until the line
  // "... listening on URL". UNAVAILABLE naming the binary when it cannot be started, exits first
  // (with its exit code), or prints no such line within `timeout`.
  static core::Result<std::unique_ptr<ChildProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Stops the process: SIGTERM, and SIGKILL when it is still there after 5 s.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The URL of its ready line ("http://127.0.0.1:41234").
  const std::string& url() const { return url_; }

 private:
  ChildProcess(int pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  // Reads stdout until the ready line; false when the child closed it first or time ran out.
  bool ReadReadyLine(std::chrono::milliseconds timeout, std::string& output);
  // Why the ready line did not come: the child exited (then reaped), cannot be run, or is silent.
  std::string Why();

  int pid_;
  int stdout_fd_;
  std::string url_;
};

}  // namespace cte::experiment
