#include "client/lib/emulator_process.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <initializer_list>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
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

// The null-terminated array execve takes. Built before fork: the child of a threaded process
// must not allocate.
std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

[[noreturn]] void ThrowErrno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), "EmulatorProcess: " + what);
}

// The write end for the child's stderr into `fds[1]`: a pipe's (read end in `fds[0]`), or the
// file `path`. Throws as the constructor.
void OpenStderr(const std::string& path, int fds[2]) {
  if (path.empty()) {
    if (pipe2(fds, O_CLOEXEC) != 0) ThrowErrno(errno, "pipe");
    return;
  }
  fds[1] = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fds[1] < 0) {
    int error = errno;  // Before the message's allocations.
    ThrowErrno(error, "cannot open " + path);
  }
}

}  // namespace

EmulatorProcess::EmulatorProcess(const std::string& binary, std::vector<std::string> args,
                                 const std::vector<std::string>& env,
                                 const std::string& stderr_path)
    : stderr_path_(stderr_path) {
  int out[2], err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) ThrowErrno(errno, "pipe");
  try {
    OpenStderr(stderr_path, err);
  } catch (...) {
    CloseAll({out[0], out[1]});
    throw;
  }
  std::vector<std::string> full_env = Environment(env);
  args.insert(args.begin(), binary);
  std::vector<char*> argv = Pointers(args), envp = Pointers(full_env);
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the thread that started it, even when this process is killed outright.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(kCannotRun);
  }
  int fork_error = errno;
  CloseAll({out[1], err[1]});
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (pid_ < 0) {
    CloseAll({out_fd_, err_fd_});
    ThrowErrno(fork_error, "fork");
  }
  drain_ = std::thread([this] { DrainLoop(); });
}

EmulatorProcess::~EmulatorProcess() {
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (drain_.joinable()) drain_.join();
  CloseAll({out_fd_, err_fd_});
}

void EmulatorProcess::DrainLoop() {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};  // poll skips a -1.
  std::string* sinks[2] = {&out_, &err_};
  int open_fds = err_fd_ < 0 ? 1 : 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
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
  if (!stderr_path_.empty()) {
    std::ifstream file(stderr_path_, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
  }
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
