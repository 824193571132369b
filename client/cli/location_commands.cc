// `cloud-tasks locations list|describe`, as `gcloud tasks locations ...`.
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/filter.h"
#include "client/cli/list_view.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

const Table kLocationTable{{"NAME", "FULL_NAME"}, [](const Json& l) -> std::vector<std::string> {
                             auto text = [&](const char* key) {
                               const Json& v = ValueAt(l, key);
                               return v.is_string() ? v.get<std::string>() : "";
                             };
                             return {text("locationId"), text("name")};
                           }};

int RunList(const Globals& g, const ListFlags& flags) {
  Format format = ParseFormat(g.format);
  auto client = MakeClient(g);
  auto locations = ReadAllPages(flags.page_size, [&](const client::ListOptions& o) {
    return client->ListLocations("projects/" + Project(g), o);
  });
  if (!locations.ok()) return Fail("locations.list", locations.status());
  PrintList(std::cout, std::cerr, format, ApplyListFlags(flags, std::move(*locations)),
            kLocationTable, flags.page_size);
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
