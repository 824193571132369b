#include "experiment/child_process.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cte::experiment {

namespace {

constexpr char kReady[] = "listening on ";

}  // namespace

int Spawn(const std::string& binary, const std::vector<std::string>& args, int stdout_fd) {
  std::vector<std::string> all = args;
  all.insert(all.begin(), binary);
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pid = fork();
  if (pid == 0) {
    // Dies with us, even when we are killed outright (the forking thread lives for the run).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (stdout_fd != -1) dup2(stdout_fd, STDOUT_FILENO);
    execvp(binary.c_str(), argv.data());
    _exit(kCannotRun);
  }
  return pid;
}

core::Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    std::chrono::milliseconds timeout) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return core::Unavailable(binary + ": cannot make a pipe: " + std::strerror(errno));
  }
  int pid = Spawn(binary, args, out[1]);
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return core::Unavailable(binary + ": cannot start: " + std::strerror(errno));
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess(pid, out[0]));
  std::string output;
  if (!child->ReadReadyLine(timeout, output))
    return core::Unavailable(binary + ": " + child->Why());
  return child;
}

std::string ChildProcess::Why() {
  // Its stdout closed, or time ran out: give an exiting child a moment to be gone.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) return "printed no \"listening on\" line";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling a child's exit.
  }
  pid_ = -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotRun) return "cannot be run";
  return "exited before it was ready";
}

bool ChildProcess::ReadReadyLine(std::chrono::milliseconds timeout, std::string& output) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[512];
  for (;;) {
    size_t line_end = output.find('\n');
    if (size_t at = output.find(kReady); at != std::string::npos && line_end != output.npos) {
      url_ = output.substr(at + sizeof kReady - 1, line_end - at - (sizeof kReady - 1));
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if (fd.revents == 0) continue;
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return false;  // Closed: the child exited.
    output.append(buf, static_cast<size_t>(n));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling a child's exit.
    }
  }
  close(stdout_fd_);
}

}  // namespace cte::experiment
