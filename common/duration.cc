#include "common/duration.h"

#include <cstdint>
#include <limits>
#include <utility>

namespace cte {

std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  std::chrono::nanoseconds total(0);
  while (!text.empty()) {
    size_t i = 0;
    double value = 0;
    bool digits = false;
    double scale = 0;
    for (; i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'); ++i) {
      if (text[i] == '.') {
        if (scale != 0) return std::nullopt;
        scale = 1;
        continue;
      }
      digits = true;
      if (scale != 0)
        value += (text[i] - '0') * (scale /= 10);
      else
        value = value * 10 + (text[i] - '0');
    }
    if (!digits) return std::nullopt;
    text.remove_prefix(i);
    static constexpr std::pair<const char*, double> kUnits[] = {
        {"ns", 1},   {"us", 1e3},   {"ms", 1e6},   {"s", 1e9},
        {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9}};
    bool matched = false;
    for (const auto& [unit, ns] : kUnits) {
      std::string_view u(unit);
      bool longer = u.size() == 1 && text.size() > 1 && text[1] == 's';  // "ms" vs "m".
      if (text.substr(0, u.size()) == u && !longer) {
        // Past about 292 years the nanoseconds overflow int64; Go's ParseDuration refuses too.
        double part = value * ns;
        if (part >= 0x1p63 ||
            static_cast<int64_t>(part) > std::numeric_limits<int64_t>::max() - total.count()) {
          return std::nullopt;
        }
        total += std::chrono::nanoseconds(static_cast<int64_t>(part));
        text.remove_prefix(u.size());
        matched = true;
        break;
      }
    }
    if (!matched) return std::nullopt;
  }
  return total;
}

}  // namespace cte
