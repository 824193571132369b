// Logger: one line per event on stderr, as text or JSON.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/attempt_log.h"

namespace cte::app {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

struct LogOptions {
  LogLevel level = LogLevel::kInfo;
  bool json = false;
};

// "debug", "info", "warn", "error", "off"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Thread-safe: each line is one write.
class Logger {
 public:
  explicit Logger(LogOptions options) : options_(options) {}

  // An API call: at info level, or warn for 5xx answers.
  void ApiCall(std::string_view rpc, std::string_view method, std::string_view path, int status,
               std::chrono::microseconds latency) const;
  void Log(LogLevel level, std::string_view message) const;
  // A dispatch attempt's outcome: at info level when the worker answered 2xx (or the attempt
  // was discarded), warn otherwise.
  void Attempt(const core::AttemptLogEntry& attempt) const;
  void Attempt(std::string_view queue, std::string_view task, int attempt, std::string_view url,
               std::string_view outcome, bool success, std::chrono::microseconds latency) const;

 private:
  void Write(const std::string& line) const;
  LogOptions options_;
};

}  // namespace cte::app
