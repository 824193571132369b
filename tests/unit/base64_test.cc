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
