#include "api/page_token.h"

#include "core/base64.h"

namespace cte::api {

namespace {
constexpr char kSeparator = '\x1f';
}

std::string EncodePageToken(std::string_view kind, std::string_view scope, std::string_view last) {
  std::string raw;
  raw.append(kind).append(1, kSeparator).append(scope).append(1, kSeparator).append(last);
  // The closing separator makes a truncated token fail to decode instead of naming an earlier key.
  raw.append(1, kSeparator);
  return core::Base64UrlEncode(raw);
}

core::Result<std::string> DecodePageToken(std::string_view token, std::string_view kind,
                                          std::string_view scope) {
  if (token.empty()) return std::string();
  auto raw = core::Base64Decode(token);
  std::string prefix;
  prefix.append(kind).append(1, kSeparator).append(scope).append(1, kSeparator);
  if (!raw || raw->size() <= prefix.size() || raw->compare(0, prefix.size(), prefix) != 0 ||
      raw->back() != kSeparator) {
    return core::InvalidArgument("Invalid page_token: it does not belong to this request.");
  }
  return raw->substr(prefix.size(), raw->size() - prefix.size() - 1);
}

}  // namespace cte::api
