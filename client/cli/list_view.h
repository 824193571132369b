// gcloud's list flags (--filter, --sort-by, --limit, --page-size) and output formats (--format
// json, yaml, value(...), or the command's own default), over the JSON of API resources.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace cte::cli {

struct ListFlags {
  std::string filter;   // gcloud's expression language (client/cli/filter.h).
  std::string sort_by;  // KEY[,~KEY...]: ~ sorts that key in descending order.
  int limit = -1;       // At most this many, after --filter and --sort-by; -1: all.
  int page_size = 0;    // The page size of the list calls (every page is read); 0: the API's.
};

// Adds --filter, --sort-by, --limit and --page-size to a list command.
void AddListFlags(CLI::App* command, ListFlags& flags);

// The resources --filter keeps, ordered by --sort-by, cut to --limit. Throws UsageError on a bad
// --filter.
std::vector<nlohmann::json> ApplyListFlags(const ListFlags& flags,
                                           std::vector<nlohmann::json> items);

// --format: "" or "default" (the command's own output), "json", "yaml", or value(KEY,...) with
// dotted keys, each maybe with .basename().
struct Format {
  enum class Kind { kDefault, kJson, kYaml, kValue } kind = Kind::kDefault;
  std::vector<std::string> keys;  // kValue.
};
// Throws UsageError naming the format when it is none of these.
Format ParseFormat(const std::string& text);
// value(KEY) shows KEY.basename() when the command's default output does (gcloud's projections
// inherit the default format's transforms: `queues list --format="value(name)"` prints IDs).
void InheritBasename(Format& format, const std::string& key);
// The check for --format's option: what is wrong with a value, or "".
std::string CheckFormat(const std::string& text);

// Prints a list in `format`; kDefault calls `print_default` with the items, or, with a
// --page-size, with each page of them in turn, a blank line apart (as gcloud prints a table per
// page).
void PrintList(std::ostream& out, const Format& format, const std::vector<nlohmann::json>& items,
               const std::function<void(const std::vector<nlohmann::json>&)>& print_default,
               int page_size = 0);
// Prints one resource in `format`; kDefault is YAML, as gcloud's describe commands print.
void PrintResource(std::ostream& out, const Format& format, const nlohmann::json& resource);

}  // namespace cte::cli
