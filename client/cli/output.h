// Human output of the cloud-tasks CLI in gcloud's shapes: YAML-ish resources with sorted keys,
// and aligned tables.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cte::cli {

// Prints `value` as gcloud's default (YAML) format does: keys sorted, nested objects indented
// by two spaces, lists as "- item", timestamps and ambiguous strings in single quotes.
void PrintYaml(std::ostream& out, const nlohmann::json& value);

// Prints a table: the header row, then `rows`, columns separated by at least two spaces and
// left-aligned; the last column is not padded.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// A JSON number as gcloud prints a proto double: integral values get ".0" (200 -> "200.0").
std::string DoubleText(const nlohmann::json& number);

// Forces the proto double fields of a Queue (maxDispatchesPerSecond, samplingRatio) to floating
// point so that they print like gcloud's ("200.0").
nlohmann::json QueueForDisplay(nlohmann::json queue);

}  // namespace cte::cli
