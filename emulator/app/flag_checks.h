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

// A probability: a number from 0 to 1 (CLI11's Range lets NaN through).
inline const CLI::Validator kProbability(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      double p = std::strtod(text.c_str(), &end);
      return !text.empty() && *end == '\0' && p >= 0 && p <= 1 ? ""
                                                               : "must be a number from 0 to 1";
    },
    "P");

// A whole number of 0 or more, in digits (CLI11 takes "-1" for an unsigned flag as 2^64 - 1).
inline const CLI::Validator kWholeNumber(
    [](std::string& text) -> std::string {
      bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      return digits ? "" : "must be a whole number of 0 or more";
    },
    "N");

}  // namespace cte::app
