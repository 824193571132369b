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

namespace {

// This process's environment with `changes` applied ("NAME=value" sets, "NAME=" unsets).
std::vector<std::string> Environment(const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& entry : changes) {
    std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    if (entry.size() > prefix.size()) env.push_back(entry);
  }
  return env;
}

}  // namespace

EmulatorProcess::EmulatorProcess(const std::string& binary, std::vector<std::string> args,
                                 std::vector<std::string> env) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) std::abort();
  std::vector<std::string> full_env = Environment(env);
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
  drain_ = std::thread([this] { DrainLoop(); });
}

EmulatorProcess::~EmulatorProcess() {
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (drain_.joinable()) drain_.join();
  close(out_fd_);
  close(err_fd_);
}

void EmulatorProcess::DrainLoop() {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  std::string* sinks[2] = {&out_, &err_};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;  // Closed: the child exited (or closed it).
        --open_fds;
        continue;
      }
      std::lock_guard lock(mu_);
      sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
}

int EmulatorProcess::WaitReady(std::chrono::milliseconds timeout) {
  static const std::regex kReady("listening on http://[^:]+:([0-9]+)\n");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = Stdout();
    std::smatch m;
    if (std::regex_search(out, m, kReady)) return std::stoi(m[1]);
    if (Wait(std::chrono::milliseconds(0)) >= 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling for the ready line.
  }
  return 0;
}

std::string EmulatorProcess::Stdout() {
  std::lock_guard lock(mu_);
  return out_;
}

std::string EmulatorProcess::Stderr() {
  std::lock_guard lock(mu_);
  return err_;
}

void EmulatorProcess::Signal(int sig) {
  if (status_ < 0) kill(pid_, sig);
}

int EmulatorProcess::Stop(std::chrono::milliseconds grace) {
  Signal(SIGTERM);
  int code = Wait(grace);
  if (code >= 0) return code;
  Signal(SIGKILL);
  return Wait(std::chrono::seconds(10));
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
  if (drain_.joinable()) drain_.join();  // The pipes close with the child: all output is in.
  return status_;
}

}  // namespace cte::testing
