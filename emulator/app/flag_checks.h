// CLI11 checks shared by the command lines of cloud-tasks-emulator, cloud-tasks-worker and
// cloud-tasks-experiment. Header-only: the worker and the experiment binary do not link cte_app.
#pragma once

#include <cmath>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace cte::app {

// A number greater than 0 (CLI11's PositiveNumber names the whole range of a double).
inline const CLI::Validator kPositiveNumber(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      double x = std::strtod(text.c_str(), &end);
      return *end == '\0' && x > 0 && std::isfinite(x) ? "" : "must be a number greater than 0";
    },
    "POSITIVE");

}  // namespace cte::app
