// The run folder of an experiment (docs/experiments.md, "The run folder"): scenario.json,
// summary.json, series.csv, attempts.csv and tasks.csv. The report is made from these files.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "experiment/analysis.h"
#include "experiment/run_data.h"

namespace cte::experiment {

// summary.json's object (without the file around it).
nlohmann::json SummaryJson(const RunData& run, const Analysis& analysis);

// Creates `dir` (and its parents) when missing and writes the five files into it; `scenario` is
// the scenario file's JSON, whose queues are written as created (defaults applied). UNAVAILABLE
// naming the file when one cannot be written.
core::Status WriteRunFolder(const std::string& dir, const nlohmann::json& scenario,
                            const RunData& run, const Analysis& analysis);

// "12.345678" for a duration of 12.345678 s: seconds with six decimals, as the CSV files have.
std::string Seconds(core::Duration d);

}  // namespace cte::experiment
