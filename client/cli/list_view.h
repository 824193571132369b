// gcloud's list flags (--filter, --sort-by, --limit, --page-size) and output formats (--format
// json, yaml, value(...), or the command's own default), over the JSON of API resources.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/lib/client.h"

namespace cte::cli {

struct ListFlags {
  std::string filter;   // gcloud's expression language (client/cli/filter.h).
  std::string sort_by;  // KEY[,~KEY...]: ~ sorts that key in descending order.
  int limit = -1;       // At most this many, after --filter and --sort-by; -1: all.
  int page_size = 0;    // The page size of the list calls (every page is read); 0: the API's.
};

// Every page of a list: `list(options)` is one call (a Result of a client::Page), asked for
// `page_size` items at a time; the items' JSON as received, or the first call's error.
template <typename List>
client::Result<std::vector<nlohmann::json>> ReadAllPages(int page_size, List list) {
  client::ListOptions options;
  options.page_size = page_size;
  std::vector<nlohmann::json> items;
  do {
    auto page = list(options);
    if (!page.ok()) return page.status();
    for (auto& item : page->items) items.push_back(std::move(item.raw));
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  return items;
}

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

// A command's default list output: gcloud's table of these columns, a row per item.
struct Table {
  std::vector<std::string> header;
  std::function<std::vector<std::string>(const nlohmann::json&)> row;
};

// Prints a list in `format`; kDefault prints `table` ("Listed 0 items." on `err` when there are
// none), or with a --page-size a table per page of items, a blank line apart (as gcloud does).
void PrintList(std::ostream& out, std::ostream& err, const Format& format,
               const std::vector<nlohmann::json>& items, const Table& table, int page_size = 0);
// Prints one resource in `format`; kDefault is YAML, as gcloud's describe commands print.
void PrintResource(std::ostream& out, const Format& format, const nlohmann::json& resource);

}  // namespace cte::cli
