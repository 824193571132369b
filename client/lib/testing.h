// cte::testing::Emulator: the emulator for a C++ test suite (doctest, GoogleTest, ...). It starts
// cloud-tasks-emulator on a free port with an in-memory database, or uses the one named by
// $CLOUD_TASKS_EMULATOR_HOST, hands out a configured client, and stops the process at the end.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/lib/client.h"

namespace cte::testing {

class EmulatorProcess;

struct EmulatorOptions {
  // The binary to start: a path, or a name looked up on the PATH. Empty means: use the running
  // emulator at $CLOUD_TASKS_EMULATOR_HOST when that is set; else start
  // $CLOUD_TASKS_EMULATOR_BIN, else `cloud-tasks-emulator` from the PATH. A binary given here is
  // always started, whatever the environment says.
  std::string binary;
  // Flags after `--port 0 --db :memory:`, e.g. {"--clock", "manual"} or {"--log-level", "warn"}.
  std::vector<std::string> args;
  // How long the binary may take to print its ready line.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(10);
  // How long it may take to exit after SIGTERM before it gets SIGKILL.
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(5);
  // Where its log (stderr) goes, kept afterwards. Empty: a temporary file, removed at the end.
  std::string log_file;
};

class Emulator {
 public:
  // Starts the emulator (or finds the running one) as `options` say, and waits until it serves.
  // Throws std::runtime_error, with the binary's name and the end of its log, when no binary is
  // found, it cannot be run, it exits, it prints no ready line within start_timeout, or the
  // emulator at $CLOUD_TASKS_EMULATOR_HOST does not answer. The child gets SIGTERM if the
  // thread that constructed the Emulator ends first: construct it on a thread that outlives it.
  explicit Emulator(const EmulatorOptions& options = {});
  // Stops a started emulator: SIGTERM, SIGKILL after stop_timeout, then reaps it (its port is
  // closed once this returns). An emulator found through $CLOUD_TASKS_EMULATOR_HOST is left
  // running.
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // "127.0.0.1:PORT" (or the address $CLOUD_TASKS_EMULATOR_HOST gave, as "HOST:PORT"): what
  // Client's constructor and $CLOUD_TASKS_EMULATOR_HOST take.
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // True when this object started the process (and will stop it).
  bool owns_process() const { return process_ != nullptr; }
  // A client of this emulator, owned by the Emulator. Like every Client it is not thread-safe:
  // other threads make their own, `cte::client::Client c(emulator.host())`.
  client::Client& client() { return *client_; }
  // Its log so far (stderr); empty for an emulator it did not start.
  std::string Log() const;

  // Shortcuts over client() for test code: each throws std::runtime_error naming the call and
  // the Status ("DEADLINE_EXCEEDED: ...") instead of returning it.
  // Deletes every queue, task, tombstone and attempt, or only `queue`'s tasks, tombstones and
  // attempts. The manual clock stays where it is.
  void Reset(const std::string& queue = "");
  // Returns once no task of `queues` (all when empty) is due or in flight (with
  // include_scheduled, once none is left at all); throws after `timeout`.
  void WaitIdle(const std::vector<std::string>& queues = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(30),
                bool include_scheduled = false);
  // Moves the manual clock (started with {"--clock", "manual"}) forward; returns the new time.
  client::ClockInfo Advance(std::chrono::nanoseconds duration);
  // Every attempt of one queue and/or task (full names; empty means all), oldest first.
  std::vector<client::AttemptRecord> Attempts(const std::string& queue = "",
                                              const std::string& task = "");

 private:
  void UseRunning(const std::string& host, std::chrono::milliseconds timeout);
  void Start(const std::string& binary, const EmulatorOptions& options);
  void RemoveLog();  // The temporary log file, once.

  std::string log_file_;
  bool remove_log_ = false;
  std::unique_ptr<EmulatorProcess> process_;
  std::chrono::milliseconds stop_timeout_;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<client::Client> client_;
};

// The executable file `name` names: itself when it holds a '/', else the first match on the
// PATH. Empty when there is none.
std::string FindExecutable(const std::string& name);

}  // namespace cte::testing
