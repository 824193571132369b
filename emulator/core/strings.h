// Small ASCII string helpers: HTTP header names compare without regard to case, and error
// messages quote what they name.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace cte::core {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(),
                    [](char a, char b) { return AsciiLower(a) == AsciiLower(b); });
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithIgnoreCase(a, b);
}

// `s` in double quotes for an error message, with its control characters, quotes and backslashes
// escaped as in C: "X-A\r\nB", "a\x01b".
inline std::string QuoteForMessage(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += {'\\', c};
    } else if (c == '\r' || c == '\n' || c == '\t') {
      out += {'\\', c == '\r' ? 'r' : c == '\n' ? 'n' : 't'};
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace cte::core
