#include "client/cli/output.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

namespace cte::cli {
namespace {

using Json = nlohmann::json;

// Strings a YAML reader would take for something else (a timestamp, number, bool or null, or
// syntax) are single-quoted, as PyYAML does for gcloud.
bool NeedsQuotes(const std::string& s) {
  static const std::regex kPlainSpecial(
      R"(^([0-9][0-9:.+\-TZ ]*|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?|true|false|yes|no|on|off|null|~|True|False|Yes|No|On|Off|Null|NULL)$)");
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return true;
  if (std::string("!&*-?{}[],#|>@`\"'%:").find(s.front()) != std::string::npos) {
    return !(s.front() == '-' && s.size() > 1 && s[1] != ' ' && !std::isdigit(s[1]));
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  if (s.back() == ':') return true;
  return std::regex_match(s, kPlainSpecial);
}

std::string Scalar(const Json& v) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (!NeedsQuotes(s)) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  if (v.is_null()) return "null";
  return v.dump();
}

bool IsEmptyContainer(const Json& v) { return (v.is_object() || v.is_array()) && v.empty(); }

void PrintNode(std::ostream& out, const Json& v, int indent);

void PrintArray(std::ostream& out, const Json& v, int indent) {
  std::string pad(indent, ' ');
  for (const auto& item : v) {
    if (item.is_object() && !item.empty()) {
      // The first key goes on the "- " line; the rest align under it.
      std::ostringstream nested;
      PrintNode(nested, item, indent + 2);
      std::string text = nested.str();
      out << pad << "- " << text.substr(indent + 2);
    } else {
      out << pad << "- " << (IsEmptyContainer(item) ? item.dump() : Scalar(item)) << "\n";
    }
  }
}

void PrintNode(std::ostream& out, const Json& v, int indent) {
  std::string pad(indent, ' ');
  for (const auto& [key, value] : v.items()) {
    if (IsEmptyContainer(value)) {
      out << pad << key << ": " << value.dump() << "\n";
    } else if (value.is_object()) {
      out << pad << key << ":\n";
      PrintNode(out, value, indent + 2);
    } else if (value.is_array()) {
      out << pad << key << ":\n";
      PrintArray(out, value, indent);
    } else {
      out << pad << key << ": " << Scalar(value) << "\n";
    }
  }
}

}  // namespace

void PrintYaml(std::ostream& out, const Json& value) {
  if (value.is_object()) {
    PrintNode(out, value, 0);
  } else if (value.is_array()) {
    PrintArray(out, value, 0);
  } else {
    out << Scalar(value) << "\n";
  }
}

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::string DoubleText(const Json& number) {
  if (!number.is_number()) return "";
  return Json(number.get<double>()).dump();
}

Json QueueForDisplay(Json queue) {
  auto force = [](Json& parent, const char* key) {
    if (parent.is_object() && parent.contains(key) && parent[key].is_number()) {
      parent[key] = parent[key].get<double>();
    }
  };
  if (queue.contains("rateLimits")) force(queue["rateLimits"], "maxDispatchesPerSecond");
  if (queue.contains("stackdriverLoggingConfig")) {
    force(queue["stackdriverLoggingConfig"], "samplingRatio");
  }
  return queue;
}

}  // namespace cte::cli
