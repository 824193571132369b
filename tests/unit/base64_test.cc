#include "core/base64.h"

#include <doctest/doctest.h>

using namespace cte::core;

TEST_CASE("base64 round trips in both alphabets, padded or not") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("{\"a\":1}") == "eyJhIjoxfQ==");
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(Base64Decode("Zg==") == "f");
  CHECK(Base64Decode("Zg") == "f");
  CHECK(Base64Decode("-_8") == "\xfb\xff");
  CHECK(Base64Decode("+/8=") == "\xfb\xff");
  CHECK(std::string(3, '\0') + "x" == *Base64Decode(Base64Encode(std::string(3, '\0') + "x")));
  CHECK_FALSE(Base64Decode("Z").has_value());
  CHECK_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST_CASE("base64 decodes every length and position, and refuses a bad character anywhere") {
  std::string bytes;
  for (int i = 0; i < 40; ++i) bytes += static_cast<char>(i * 37 + 11);
  for (size_t n = 0; n <= bytes.size(); ++n) {
    std::string data = bytes.substr(0, n);
    std::string text = Base64Encode(data);
    CAPTURE(n);
    CHECK(Base64Decode(text) == data);
    CHECK(Base64Decode(Base64UrlEncode(data)) == data);
    for (size_t at = 0; at < text.size(); ++at) {
      if (text[at] == '=') continue;
      std::string bad = text;
      bad[at] = '*';
      CHECK_FALSE(Base64Decode(bad).has_value());
      bad[at] = '=';  // Padding is only allowed at the end.
      bool only_padding_after = bad.find_first_not_of('=', at) == std::string::npos;
      if (!only_padding_after) CHECK_FALSE(Base64Decode(bad).has_value());
    }
  }
  CHECK(Base64Decode("") == "");
  CHECK(Base64Decode("====") == "");
  CHECK_FALSE(Base64Decode("Zm9vY").has_value());
}
