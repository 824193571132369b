#include "client/lib/testing.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "client/lib/emulator_process.h"

namespace cte::testing {

namespace {

constexpr char kDefaultBinary[] = "cloud-tasks-emulator";
// How much of the log an exception quotes.
constexpr size_t kLogTail = 2000;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("cte::testing::Emulator: " + what);
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The end of `log`, from a line start, at most about kLogTail characters.
std::string Tail(const std::string& log) {
  if (log.empty()) return "(empty)";
  if (log.size() <= kLogTail) return log;
  size_t from = log.find('\n', log.size() - kLogTail);
  return "...\n" + log.substr(from == std::string::npos ? log.size() - kLogTail : from + 1);
}

// A new, empty file for the log, in the system's temp directory.
std::string TempLogFile() {
  std::string path =
      (std::filesystem::temp_directory_path() / "cloud-tasks-emulator-XXXXXX.log").string();
  int fd = mkstemps(path.data(), 4);
  if (fd < 0) {
    std::string why = std::strerror(errno);  // Before the message's allocations.
    Fail("cannot create a log file " + path + ": " + why);
  }
  close(fd);
  return path;
}

// Why `process` printed no ready line.
std::string WhyNotReady(EmulatorProcess& process, const std::string& binary,
                        std::chrono::milliseconds timeout) {
  int code = process.Wait(std::chrono::milliseconds(0));
  if (code == kCannotRun) return binary + " cannot be run";
  if (code >= 0) {
    return binary + " exited with code " + std::to_string(code) + " before it was ready";
  }
  return binary + " printed no ready line within " + std::to_string(timeout.count()) + " ms";
}

void OkOrThrow(const Status& status, const char* call) {
  if (!status.ok()) Fail(std::string(call) + ": " + status.ToString());
}

template <typename T>
T ValueOrThrow(Result<T> result, const char* call) {
  OkOrThrow(result.status(), call);
  return std::move(result).value();
}

}  // namespace

std::string FindExecutable(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return IsExecutableFile(name) ? name : "";
  std::string path = std::getenv("PATH") ? Env("PATH") : "/usr/local/bin:/usr/bin:/bin";
  for (size_t start = 0;;) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
    if (end == std::string::npos) return "";
    start = end + 1;
  }
}

Emulator::Emulator(const EmulatorOptions& options) : stop_timeout_(options.stop_timeout) {
  std::string running = Env("CLOUD_TASKS_EMULATOR_HOST");
  if (options.binary.empty() && !running.empty()) {
    UseRunning(running, options.start_timeout);
    return;
  }
  std::string wanted = options.binary;
  if (wanted.empty()) wanted = Env("CLOUD_TASKS_EMULATOR_BIN");
  if (wanted.empty()) wanted = kDefaultBinary;
  std::string binary = FindExecutable(wanted);
  if (binary.empty()) {
    Fail((wanted.find('/') != std::string::npos ? "no executable file " + wanted
                                                : "no " + wanted + " on the PATH") +
         "; give the binary in EmulatorOptions::binary or $CLOUD_TASKS_EMULATOR_BIN, or a "
         "running emulator in $CLOUD_TASKS_EMULATOR_HOST");
  }
  Start(binary, options);
}

void Emulator::UseRunning(const std::string& host, std::chrono::milliseconds timeout) {
  client::Client probe(host);
  probe.set_timeout(timeout);
  Status answer = probe.GetClock().status();
  if (!answer.ok()) {
    Fail("the emulator at $CLOUD_TASKS_EMULATOR_HOST (" + host +
         ") does not answer: " + answer.ToString());
  }
  client_ = std::make_unique<client::Client>(host);
  host_ = client_->endpoint();
  port_ = std::atoi(host_.substr(host_.rfind(':') + 1).c_str());
}

void Emulator::Start(const std::string& binary, const EmulatorOptions& options) {
  remove_log_ = options.log_file.empty();
  log_file_ = remove_log_ ? TempLogFile() : options.log_file;
  std::vector<std::string> args = {"--host", "127.0.0.1", "--port", "0", "--db", ":memory:"};
  args.insert(args.end(), options.args.begin(), options.args.end());
  try {
    process_ =
        std::make_unique<EmulatorProcess>(binary, args, std::vector<std::string>{}, log_file_);
  } catch (const std::system_error& e) {
    RemoveLog();
    Fail(binary + ": " + e.what());
  }
  port_ = process_->WaitReady(options.start_timeout);
  if (port_ == 0) {
    std::string why = WhyNotReady(*process_, binary, options.start_timeout);
    process_->Stop(stop_timeout_);
    std::string log = process_->Stderr();
    process_.reset();
    RemoveLog();
    Fail(why + "; its log:\n" + Tail(log));
  }
  host_ = "127.0.0.1:" + std::to_string(port_);
  client_ = std::make_unique<client::Client>(host_);
}

Emulator::~Emulator() {
  client_.reset();  // Its keep-alive connection closes before the emulator stops.
  if (process_) process_->Stop(stop_timeout_);
  process_.reset();
  RemoveLog();
}

void Emulator::RemoveLog() {
  if (remove_log_) unlink(log_file_.c_str());
  remove_log_ = false;
}

std::string Emulator::Log() const { return process_ ? process_->Stderr() : ""; }

void Emulator::Reset(const std::string& queue) { OkOrThrow(client_->Reset(queue), "Reset"); }

void Emulator::WaitIdle(const std::vector<std::string>& queues, std::chrono::milliseconds timeout,
                        bool include_scheduled) {
  OkOrThrow(client_->WaitIdle(queues, timeout, include_scheduled), "WaitIdle");
}

client::ClockInfo Emulator::Advance(std::chrono::nanoseconds duration) {
  return ValueOrThrow(client_->AdvanceClock(duration), "Advance");
}

std::vector<client::AttemptRecord> Emulator::Attempts(const std::string& queue,
                                                      const std::string& task) {
  std::vector<client::AttemptRecord> all;
  client::ListOptions options;
  do {
    auto page = ValueOrThrow(client_->ListAttempts(queue, task, options), "Attempts");
    all.insert(all.end(), page.items.begin(), page.items.end());
    options.page_token = page.next_page_token;
  } while (!options.page_token.empty());
  return all;
}

}  // namespace cte::testing
