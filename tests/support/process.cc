#include "support/process.h"

#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cte::testing {

EmulatorProcess::EmulatorProcess(const std::string& binary, std::vector<std::string> args,
                                 std::vector<std::string> env) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) std::abort();
  std::vector<std::string> full_env;
  for (char** e = environ; *e; ++e) full_env.emplace_back(*e);
  for (auto& e : env) full_env.push_back(std::move(e));
  args.insert(args.begin(), binary);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : full_env) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

EmulatorProcess::~EmulatorProcess() {
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_fd_);
  close(err_fd_);
}

void EmulatorProcess::Drain() {
  char buf[4096];
  for (auto [fd, sink] : {std::pair{out_fd_, &out_}, std::pair{err_fd_, &err_}}) {
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) sink->append(buf, static_cast<size_t>(n));
  }
}

int EmulatorProcess::WaitReady(std::chrono::milliseconds timeout) {
  static const std::regex kReady("cloud-tasks-emulator listening on http://[^:]+:([0-9]+)\n");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    Drain();
    std::smatch m;
    if (std::regex_search(out_, m, kReady)) return std::stoi(m[1]);
    pollfd p{out_fd_, POLLIN, 0};
    poll(&p, 1, 20);
    if (Wait(std::chrono::milliseconds(0)) >= 0) return 0;
  }
  return 0;
}

std::string EmulatorProcess::Stdout() {
  Drain();
  return out_;
}

std::string EmulatorProcess::Stderr() {
  Drain();
  return err_;
}

void EmulatorProcess::Signal(int sig) {
  if (status_ < 0) kill(pid_, sig);
}

int EmulatorProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (status_ < 0) {
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling a child's exit.
  }
  Drain();
  return status_;
}

}  // namespace cte::testing
