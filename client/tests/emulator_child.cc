#include "client/tests/emulator_child.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cte::client::testing {
namespace {

// argv/envp views of strings that outlive the exec.
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> Environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& entry : extra) {
    std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    if (entry.size() > prefix.size()) env.push_back(entry);
  }
  return env;
}

// Reads `fd` until the ready line or `deadline`; returns its port or 0.
int ReadPort(int fd, std::chrono::steady_clock::time_point deadline) {
  const std::string kPrefix = "cloud-tasks-emulator listening on http://127.0.0.1:";
  std::string out;
  char buf[256];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return 0;
    out.append(buf, static_cast<size_t>(n));
    size_t at = out.find(kPrefix), eol = out.find('\n', at);
    if (at != std::string::npos && eol != std::string::npos) {
      return std::atoi(out.substr(at + kPrefix.size(), eol).c_str());
    }
  }
  return 0;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

EmulatorChild::EmulatorChild(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {CTE_EMULATOR_BINARY, "--port",      "0",   "--db",
                                   ":memory:",          "--log-level", "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> env = Environment({});
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    execve(args[0].c_str(), CStrings(args).data(), CStrings(env).data());
    _exit(127);
  }
  close(out[1]);
  port_ = ReadPort(out[0], std::chrono::steady_clock::now() + std::chrono::seconds(10));
  out_fd_ = out[0];
}

EmulatorChild::~EmulatorChild() {
  if (out_fd_ >= 0) close(out_fd_);
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling the child's exit.
  }
}

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  char out_path[] = "/tmp/cte-cli-out-XXXXXX", err_path[] = "/tmp/cte-cli-err-XXXXXX";
  int out = mkstemp(out_path), err = mkstemp(err_path);
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp = Environment(env);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, 1);
    dup2(err, 2);
    execve(binary.c_str(), CStrings(argv).data(), CStrings(envp).data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out);
  close(err);
  CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                       Slurp(out_path), Slurp(err_path)};
  std::remove(out_path);
  std::remove(err_path);
  return result;
}

}  // namespace cte::client::testing
