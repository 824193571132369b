// Base64 for proto3 JSON bytes fields and page tokens. Decoding accepts both the standard and
// the URL-safe alphabet, with or without padding, as protobuf's JSON parsers do.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cte {

// Standard alphabet, padded (how proto3 JSON writes bytes).
std::string Base64Encode(std::string_view data);
// URL-safe alphabet without padding (for opaque tokens).
std::string Base64UrlEncode(std::string_view data);
// nullopt when the text is not base64 in either alphabet.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace cte
