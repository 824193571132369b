// Unknown command words: named, with the closest command suggested, as gcloud does
// ("Invalid choice: 'queue'. Maybe you meant: gcloud tasks queues").
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "client/cli/cli.h"

namespace cte::cli {

namespace {

// Levenshtein distance (insertions, deletions, substitutions).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Whether `arg` (an option, maybe --name=value) takes the next argument as its value.
bool TakesNextArgument(const CLI::App& at, const std::string& arg) {
  if (arg.find('=') != std::string::npos) return false;
  for (const CLI::App* app = &at; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* opt = app->get_option_no_throw(arg)) return opt->get_expected_min() > 0;
  }
  return false;
}

// "cloud-tasks queues" for the group `at`.
std::string CommandLine(const CLI::App& at) {
  std::string out = at.get_name();
  for (const CLI::App* app = at.get_parent(); app != nullptr; app = app->get_parent()) {
    out = app->get_name() + " " + out;
  }
  return out;
}

std::string Suggestion(const CLI::App& at, const std::string& word) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const CLI::App* sub : at.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string& name = sub->get_name();
    // A prefix ("queue" of "queues") is the closest there is.
    size_t d = name.rfind(word, 0) == 0 || word.rfind(name, 0) == 0 ? 0 : EditDistance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  if (best.empty() || best_distance > std::max<size_t>(2, word.size() / 2)) return "";
  return "\nMaybe you meant:\n  " + CommandLine(at) + " " + best;
}

}  // namespace

std::optional<std::string> CheckCommandWords(const CLI::App& app, int argc, char** argv) {
  const CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      if (TakesNextArgument(*at, arg.substr(0, arg.find('=')))) ++i;
      continue;
    }
    auto subs = at->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) break;  // Positional arguments from here on.
    auto found = std::find_if(subs.begin(), subs.end(),
                              [&](const CLI::App* s) { return s->check_name(arg); });
    if (found == subs.end()) {
      std::string group = CommandLine(*at);
      std::replace(group.begin(), group.end(), ' ', '.');
      return "ERROR: (" + group + ") Invalid choice: '" + arg + "'." + Suggestion(*at, arg);
    }
    at = *found;
  }
  return std::nullopt;
}

}  // namespace cte::cli
