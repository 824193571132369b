#include "api/page_token.h"

#include <string>

#include <doctest/doctest.h>

#include "core/base64.h"

using namespace cte;

namespace {

constexpr char kScope[] = "projects/p/locations/l";

bool Rejected(const core::Result<std::string>& r) {
  return !r.ok() && r.status().code() == core::Code::kInvalidArgument;
}

}  // namespace

TEST_CASE("page tokens round trip the last key for the same kind and scope") {
  for (std::string last : {std::string("projects/p/locations/l/queues/q-1"), std::string("42"),
                           std::string("a\x1f"
                                       "b"),
                           std::string(300, 'z')}) {
    CAPTURE(last);
    std::string token = api::EncodePageToken("q", kScope, last);
    CHECK(token.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);  // Opaque and URL-safe (spec 4.9).
    auto decoded = api::DecodePageToken(token, "q", kScope);
    REQUIRE(decoded.ok());
    CHECK(*decoded == last);
  }
}

TEST_CASE("an empty page token means the first page") {
  auto decoded = api::DecodePageToken("", "q", kScope);
  REQUIRE(decoded.ok());
  CHECK(*decoded == "");
}

TEST_CASE("a token made for another kind or scope is INVALID_ARGUMENT") {
  std::string token = api::EncodePageToken("q", kScope, "projects/p/locations/l/queues/b");
  CHECK(Rejected(api::DecodePageToken(token, "t", kScope)));
  CHECK(Rejected(api::DecodePageToken(token, "q", "projects/p/locations/other")));
  CHECK(Rejected(api::DecodePageToken(token, "q", "projects/p/locations/l/queues/b")));
  CHECK(Rejected(api::DecodePageToken(token, "q", "projects/p/locations")));
  CHECK(Rejected(api::DecodePageToken(token, "qq", kScope)));
  // ListQueues scopes its tokens to "parent\nfilter": another filter is another request (4.9).
  std::string filtered = api::EncodePageToken("q", std::string(kScope) + "\nstate: PAUSED", "x");
  CHECK(Rejected(api::DecodePageToken(filtered, "q", kScope)));
}

TEST_CASE("garbage, truncated and non-base64 tokens are INVALID_ARGUMENT") {
  std::string token = api::EncodePageToken("q", kScope, "projects/p/locations/l/queues/abcdef");
  CHECK(api::DecodePageToken(token, "q", kScope).ok());
  for (size_t cut = 1; cut < token.size(); ++cut) {
    CAPTURE(cut);
    CHECK(Rejected(api::DecodePageToken(token.substr(0, token.size() - cut), "q", kScope)));
  }
  const std::string garbage[] = {"x",
                                 "!!!!",
                                 "not a token",
                                 token + "!",
                                 "%" + token,
                                 core::Base64UrlEncode("hello"),
                                 core::Base64UrlEncode(std::string("q\x1f") + kScope),
                                 core::Base64UrlEncode(std::string("q\x1f") + kScope + "\x1f"),
                                 core::Base64UrlEncode(std::string("q\x1f") + kScope + "\x1fq-1"),
                                 std::string(1, '\0')};
  for (const std::string& bad : garbage) {
    CAPTURE(bad);
    CHECK(Rejected(api::DecodePageToken(bad, "q", kScope)));
  }
  auto r = api::DecodePageToken("!!!!", "q", kScope);
  CHECK(r.status().message() == "Invalid page_token: it does not belong to this request.");
}
