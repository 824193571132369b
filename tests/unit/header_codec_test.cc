#include "store/header_codec.h"

#include <string>

#include <doctest/doctest.h>

using namespace cte;
using store::HeaderList;

namespace {

std::string Binary() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

}  // namespace

TEST_CASE("header maps round trip through the blob") {
  using namespace std::string_literals;
  const core::HeaderMap maps[] = {
      {},
      {{"Content-Type", "application/json"}},
      {{"", ""}},
      {{"X-Empty", ""}, {"", "no key"}},
      {{"X-Case", "Value"}, {"x-case", "value"}},  // Keys keep their case (spec 3).
      {{"X-Colon:1", "12:34"}, {"5:", ":5"}},      // Separators and digits inside fields.
      {{"X-Nul\0Key"s, "a\0b\0"s}, {"X-Bin", Binary()}},
      {{"X-Long", std::string(100'000, 'v')}, {std::string(1000, 'k'), "short"}},
  };
  for (const core::HeaderMap& headers : maps) {
    CAPTURE(headers.size());
    std::string blob = store::EncodeHeaders(headers);
    auto decoded = store::DecodeHeaders(blob);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == headers);
  }
}

TEST_CASE("the blob format is <len>:<key><len>:<value>, and an empty map is an empty blob") {
  CHECK(store::EncodeHeaders(core::HeaderMap{}) == "");
  CHECK(store::EncodeHeaders(core::HeaderMap{{"A", "bc"}, {"", ""}}) == "0:0:1:A2:bc");
  CHECK(store::DecodeHeaders("")->empty());
  CHECK(store::DecodeHeaders("1:A2:bc") == core::HeaderMap{{"A", "bc"}});
}

TEST_CASE("header lists keep order and duplicates") {
  HeaderList list = {{"b", "1"}, {"a", "2"}, {"b", "3"}, {"", ""}, {"x", Binary()}};
  std::string blob = store::EncodeHeaders(list);
  CHECK(store::DecodeHeaderList(blob) == list);
  CHECK(store::DecodeHeaderList("")->empty());
}

TEST_CASE("malformed blobs decode to nullopt") {
  std::string good = store::EncodeHeaders(core::HeaderMap{{"Key", "value"}});
  REQUIRE(good == "3:Key5:value");
  for (size_t n = 1; n < good.size(); ++n) {  // Every truncation.
    CAPTURE(n);
    CHECK_FALSE(store::DecodeHeaderList(good.substr(0, n)).has_value());
    CHECK_FALSE(store::DecodeHeaders(good.substr(0, n)).has_value());
  }
  const char* bad[] = {
      "3:Key",                        // A key without a value.
      "3:Key6:value",                 // Length past the end.
      "9:Key5:value",                 // Length past the end, counting the rest as the key.
      "x:Key5:value",                 // Non-digit length.
      "3Key5:value",                  // No colon.
      "3:Key5;value",                 // Wrong separator.
      ":Key5:value",                  // Empty length.
      "-3:Key5:value",                // Negative length.
      "+3:Key5:value",                // Sign.
      " 3:Key5:value",                // Space.
      "3:Key0x5:value",               // Hex length.
      "99999999999999999999999:a0:",  // Length overflows.
      "3:Key5:value0",                // Trailing garbage.
      "3:Key5:value1:",               // A second key cut short.
  };
  for (const char* blob : bad) {
    CAPTURE(std::string(blob));
    CHECK_FALSE(store::DecodeHeaderList(blob).has_value());
    CHECK_FALSE(store::DecodeHeaders(blob).has_value());
  }
}
