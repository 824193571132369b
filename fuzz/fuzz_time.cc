// Fuzz target: Duration and Timestamp text (proto3 JSON forms). Whatever parses must print back
// to text that parses to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = cte::core::ParseDuration(text)) {
    auto again = cte::core::ParseDuration(cte::core::FormatDuration(*d));
    if (!again || *again != *d) std::abort();
  }
  if (auto t = cte::core::ParseTimestamp(text)) {
    auto again = cte::core::ParseTimestamp(cte::core::FormatTimestamp(*t));
    if (!again || *again != *t) std::abort();
    cte::core::FormatPacificRfc3339(*t);
  }
  return 0;
}
