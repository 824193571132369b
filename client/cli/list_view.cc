#include "client/cli/list_view.h"

#include <algorithm>
#include <regex>

#include "client/cli/cli.h"
#include "client/cli/filter.h"
#include "client/cli/output.h"

namespace cte::cli {

using Json = nlohmann::json;

namespace {

struct SortKey {
  std::string key;
  bool descending = false;
};

std::vector<SortKey> SortKeys(const std::string& text) {
  std::vector<SortKey> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string key = text.substr(start, comma - start);
    bool descending = !key.empty() && key[0] == '~';
    if (descending) key.erase(0, 1);
    if (!key.empty()) out.push_back({key, descending});
    start = comma + 1;
  }
  return out;
}

// As gcloud orders values: absent first, then numbers by value, anything else by its text.
bool Less(const Json& a, const Json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && !b.is_null();
  if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  return text(a) < text(b);
}

// A value of value(...): text as is, numbers as gcloud prints them, lists joined with ';',
// objects as k=v;k=v.
std::string ValueText(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  std::string out;
  if (v.is_array()) {
    for (const Json& item : v) out += (out.empty() ? "" : ";") + ValueText(item);
    return out;
  }
  if (v.is_object()) {
    for (const auto& [k, item] : v.items())
      out += (out.empty() ? "" : ";") + k + "=" + ValueText(item);
    return out;
  }
  return v.dump();
}

std::string Projected(const Json& resource, const std::string& key) {
  static const std::string kBasename = ".basename()";
  if (key.ends_with(kBasename)) {
    return Basename(ValueText(ValueAt(resource, key.substr(0, key.size() - kBasename.size()))));
  }
  return ValueText(ValueAt(resource, key));
}

}  // namespace

void AddListFlags(CLI::App* command, ListFlags& flags) {
  command->add_option("--filter", flags.filter,
                      "Keep the items the expression matches (see `gcloud topic filters`)");
  command->add_option("--sort-by", flags.sort_by,
                      "Sort by these comma-separated keys; ~KEY sorts in descending order");
  command->add_option("--limit", flags.limit, "The most items to list")->check(CLI::PositiveNumber);
  command
      ->add_option("--page-size", flags.page_size,
                   "How many items each call to the API asks for (all are listed)")
      ->check(CLI::PositiveNumber);
}

std::vector<Json> ApplyListFlags(const ListFlags& flags, std::vector<Json> items) {
  Filter filter(flags.filter);
  std::erase_if(items, [&](const Json& item) { return !filter.Matches(item); });
  std::vector<SortKey> keys = SortKeys(flags.sort_by);
  std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
    for (const SortKey& k : keys) {
      const Json& x = ValueAt(a, k.key);
      const Json& y = ValueAt(b, k.key);
      if (Less(x, y)) return !k.descending;
      if (Less(y, x)) return k.descending;
    }
    return false;
  });
  if (flags.limit >= 0 && items.size() > static_cast<size_t>(flags.limit))
    items.resize(flags.limit);
  return items;
}

std::string CheckFormat(const std::string& text) {
  try {
    ParseFormat(text);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

Format ParseFormat(const std::string& text) {
  if (text.empty() || text == "default") return {};
  if (text == "json") return {Format::Kind::kJson, {}};
  if (text == "yaml") return {Format::Kind::kYaml, {}};
  static const std::regex kValue(R"(^value\((.*)\)$)");
  std::smatch m;
  if (!std::regex_match(text, m, kValue)) {
    throw UsageError("Format [" + text + "] is not json, yaml, default or value(KEY,...)");
  }
  Format out{Format::Kind::kValue, {}};
  std::string keys = m[1];
  size_t start = 0;
  while (start <= keys.size()) {
    size_t comma = std::min(keys.find(',', start), keys.size());
    std::string key = keys.substr(start, comma - start);
    std::erase_if(key, [](char c) { return c == ' '; });
    bool transform = key.find_first_of("()") != std::string::npos;
    if (key.empty() || (transform && !key.ends_with(".basename()"))) {
      throw UsageError("Format [" + text + "]: a key is a dotted name, maybe with .basename()");
    }
    out.keys.push_back(key);
    start = comma + 1;
  }
  return out;
}

void InheritBasename(Format& format, const std::string& key) {
  for (std::string& k : format.keys) {
    if (k == key) k += ".basename()";
  }
}

void PrintResource(std::ostream& out, const Format& format, const Json& resource) {
  switch (format.kind) {
    case Format::Kind::kJson:
      out << resource.dump(2) << "\n";
      return;
    case Format::Kind::kValue: {
      std::string line;
      for (size_t i = 0; i < format.keys.size(); ++i) {
        line += (i ? "\t" : "") + Projected(resource, format.keys[i]);
      }
      out << line << "\n";
      return;
    }
    case Format::Kind::kDefault:
    case Format::Kind::kYaml:
      PrintYaml(out, resource);
      return;
  }
}

void PrintList(std::ostream& out, std::ostream& err, const Format& format,
               const std::vector<Json>& items, const Table& table, int page_size) {
  switch (format.kind) {
    case Format::Kind::kDefault: {
      if (items.empty()) {
        err << "Listed 0 items." << std::endl;
        return;
      }
      size_t page = page_size > 0 ? static_cast<size_t>(page_size) : items.size();
      for (size_t i = 0; i < items.size(); i += page) {
        if (i > 0) out << "\n";
        std::vector<std::vector<std::string>> rows;
        for (size_t j = i; j < std::min(items.size(), i + page); ++j)
          rows.push_back(table.row(items[j]));
        PrintTable(out, table.header, rows);
      }
      return;
    }
    case Format::Kind::kJson:
      out << Json(items).dump(2) << "\n";
      return;
    case Format::Kind::kYaml:
      for (const Json& item : items) {
        out << "---\n";
        PrintYaml(out, item);
      }
      return;
    case Format::Kind::kValue:
      for (const Json& item : items) PrintResource(out, format, item);
      return;
  }
}

}  // namespace cte::cli
