// Our emulator and cloud-tasks-worker binaries started for a process test, each on a free port
// (the emulator in memory), with what the tests ask of them. Only for the targets of
// cte_process_test (tests/CMakeLists.txt), which define CTE_EMULATOR_BINARY and CTE_WORKER_BINARY.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/running.h"

namespace cte::testing {

inline std::vector<std::string> Prepend(std::vector<std::string> first,
                                        std::vector<std::string> args) {
  args.insert(args.begin(), first.begin(), first.end());
  return args;
}

struct RunningWorker : Running {
  explicit RunningWorker(std::vector<std::string> args = {})
      : Running(CTE_WORKER_BINARY, Prepend({"--port", "0"}, std::move(args))) {}
  // The requests it received, oldest first (GET /_worker/requests).
  nlohmann::json Requests() {
    HttpClient c(port);
    return nlohmann::json::parse(c.Request("GET", "/_worker/requests").body)["requests"];
  }
  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string Url() const { return Origin() + "/api/v1/images/worker"; }
};

struct RunningEmulator : Running {
  explicit RunningEmulator(std::vector<std::string> extra = {})
      : Running(CTE_EMULATOR_BINARY,
                Prepend({"--port", "0", "--db", ":memory:"}, std::move(extra))),
        client(port) {}
  // A REST call that must answer 200; its JSON body.
  nlohmann::json Call(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    auto r = client.Request(method, path, body);
    REQUIRE_MESSAGE(r.status == 200, method << " " << path << ": " << r.body);
    return nlohmann::json::parse(r.body);
  }
  HttpClient client;
};

// A header of a request the worker received, "<absent>" when it has none.
inline std::string HeaderOf(const nlohmann::json& request, const std::string& name) {
  for (const auto& h : request["headers"]) {
    if (h[0] == name) return h[1];
  }
  return "<absent>";
}

}  // namespace cte::testing
