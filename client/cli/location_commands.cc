// `cloud-tasks locations list|describe`, as `gcloud tasks locations ...`.
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/filter.h"
#include "client/cli/list_view.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

void PrintLocationTable(const std::vector<Json>& locations) {
  if (locations.empty()) {
    std::cerr << "Listed 0 items." << std::endl;
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& l : locations) {
    auto text = [&](const char* key) {
      const Json& v = ValueAt(l, key);
      return v.is_string() ? v.get<std::string>() : "";
    };
    rows.push_back({text("locationId"), text("name")});
  }
  PrintTable(std::cout, {"NAME", "FULL_NAME"}, rows);
}

int RunList(const Globals& g, const ListFlags& flags) {
  Format format = ParseFormat(g.format);
  auto client = MakeClient(g);
  client::ListOptions options;
  options.page_size = flags.page_size;
  std::vector<Json> locations;
  do {
    auto page = client->ListLocations("projects/" + Project(g), options);
    if (!page.ok()) return Fail("locations.list", page.status());
    for (auto& l : page->items) locations.push_back(std::move(l.raw));
    options.page_token = page->next_page_token;
  } while (!options.page_token.empty());
  PrintList(std::cout, format, ApplyListFlags(flags, std::move(locations)), PrintLocationTable,
            flags.page_size);
  return 0;
}

int RunDescribe(const Globals& g, const std::string& location) {
  std::string name = location.rfind("projects/", 0) == 0
                         ? location
                         : "projects/" + Project(g) + "/locations/" + location;
  auto result = MakeClient(g)->GetLocation(name);
  if (!result.ok()) return Fail("locations.describe", result.status());
  PrintResource(std::cout, ParseFormat(g.format), result->raw);
  return 0;
}

}  // namespace

void AddLocationCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* locations = app.add_subcommand("locations", "List and describe Cloud Tasks locations");
  locations->require_subcommand(1);
  auto flags = std::make_shared<ListFlags>();
  CLI::App* list = locations->add_subcommand("list", "List the locations of the project");
  AddListFlags(list, *flags);
  list->callback([&g, &action, flags] { action = [&g, flags] { return RunList(g, *flags); }; });
  auto location = std::make_shared<std::string>();
  CLI::App* describe = locations->add_subcommand("describe", "Show a location");
  describe->add_option("LOCATION", *location, "Location ID (e.g. europe-west1) or full name")
      ->required();
  describe->callback(
      [&g, &action, location] { action = [&g, location] { return RunDescribe(g, *location); }; });
}

}  // namespace cte::cli
