// gcloud's --filter expressions (`gcloud topic filters`), over the JSON of API resources:
//   key=value key!=value   a word of the value, case-insensitive (numbers compare as numbers)
//   key:word key:prefix*   the same, `*` matching the rest of a word; key:* is "key is set"
//   key<v key<=v key>v key>=v   numbers as numbers, anything else as text
//   key~regex key!~regex   an ECMAScript regular expression found in the value
// joined by AND (or nothing), OR, NOT (or a leading -) and grouped with ( ); AND binds before
// OR. Keys are dotted paths (rateLimits.maxDispatchesPerSecond); a list matches when any of its
// items does. Values may be quoted with " or '.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace cte::cli {

class Filter {
 public:
  struct Node;
  // Throws UsageError naming what is wrong ("--filter: ...") when `expression` is not one.
  explicit Filter(const std::string& expression);
  ~Filter();
  Filter(Filter&&) noexcept;

  // Whether `resource` passes; an empty expression passes everything.
  bool Matches(const nlohmann::json& resource) const;

 private:
  std::unique_ptr<Node> root_;
};

// The value at a dotted `key` of `resource` (null when absent).
const nlohmann::json& ValueAt(const nlohmann::json& resource, const std::string& key);

}  // namespace cte::cli
