#include "app/logger.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/time_util.h"

namespace cte::app {

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kOff:
      return "OFF";
  }
  return "INFO";
}

std::string Now() {
  return core::FormatTimestamp(
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off" || name == "none") return LogLevel::kOff;
  return std::nullopt;
}

void Logger::ApiCall(std::string_view rpc, std::string_view method, std::string_view path,
                     int status, std::chrono::microseconds latency) const {
  LogLevel level = status >= 500 ? LogLevel::kWarn : LogLevel::kInfo;
  if (level < options_.level) return;
  double ms = static_cast<double>(latency.count()) / 1000.0;
  if (options_.json) {
    nlohmann::json j = {{"time", Now()},
                        {"level", LevelName(level)},
                        {"rpc", rpc.empty() ? "-" : rpc},
                        {"method", method},
                        {"path", path},
                        {"status", status},
                        {"latencyMs", ms}};
    Write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  char latency_text[32];
  std::snprintf(latency_text, sizeof latency_text, "%.3fms", ms);
  Write(Now() + " " + LevelName(level) + " " + std::string(rpc.empty() ? "-" : rpc) + " " +
        std::string(method) + " " + std::string(path) + " " + std::to_string(status) + " " +
        latency_text);
}

namespace {

// Describes an attempt's outcome for the log: "200", "DEADLINE_EXCEEDED", or the error.
std::string OutcomeText(const core::AttemptLogEntry& e) {
  using Outcome = core::AttemptLogEntry::Outcome;
  switch (e.outcome) {
    case Outcome::kResponse:
      return std::to_string(e.http_status);
    case Outcome::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case Outcome::kConnectionError:
      return "error: " + e.error;
    case Outcome::kDiscarded:
      return "DISCARDED";
    case Outcome::kInFlight:
      return "IN_FLIGHT";
  }
  return "unknown";
}

std::string_view LastPart(std::string_view name) { return name.substr(name.rfind('/') + 1); }

}  // namespace

void Logger::Attempt(const core::AttemptLogEntry& a) const {
  using Outcome = core::AttemptLogEntry::Outcome;
  bool ok = a.outcome == Outcome::kDiscarded ||
            (a.outcome == Outcome::kResponse && a.http_status >= 200 && a.http_status < 300);
  if ((ok ? LogLevel::kInfo : LogLevel::kWarn) < options_.level) return;  // Nothing to build.
  Attempt(LastPart(a.queue), LastPart(a.task), a.attempt, a.url,
          a.duplicate ? OutcomeText(a) + " (duplicate)" : OutcomeText(a), ok,
          std::chrono::duration_cast<std::chrono::microseconds>(a.latency));
}

void Logger::Attempt(std::string_view queue, std::string_view task, int attempt,
                     std::string_view url, std::string_view outcome, bool success,
                     std::chrono::microseconds latency) const {
  LogLevel level = success ? LogLevel::kInfo : LogLevel::kWarn;
  if (level < options_.level) return;
  double ms = static_cast<double>(latency.count()) / 1000.0;
  if (options_.json) {
    nlohmann::json j = {
        {"time", Now()},  {"level", LevelName(level)}, {"event", "attempt"}, {"queue", queue},
        {"task", task},   {"attempt", attempt},        {"url", url},         {"outcome", outcome},
        {"latencyMs", ms}};
    Write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  char latency_text[32];
  std::snprintf(latency_text, sizeof latency_text, "%.3fms", ms);
  Write(Now() + " " + LevelName(level) + " attempt queue=" + std::string(queue) +
        " task=" + std::string(task) + " attempt=" + std::to_string(attempt) +
        " url=" + std::string(url) + " outcome=" + std::string(outcome) + " " + latency_text);
}

void Logger::Log(LogLevel level, std::string_view message) const {
  if (level < options_.level) return;
  if (options_.json) {
    nlohmann::json j = {{"time", Now()}, {"level", LevelName(level)}, {"message", message}};
    Write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  Write(Now() + " " + LevelName(level) + " " + std::string(message));
}

void Logger::Write(const std::string& line) const {
  std::string out = line + "\n";
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace cte::app
