#include "api/page_token.h"

#include <algorithm>
#include <charconv>

#include "core/base64.h"
#include "core/messages.h"

namespace cte::api {

namespace {
constexpr char kSeparator = '\x1f';
}

core::Result<int> PageSize(int32_t requested, int fallback, int max) {
  if (requested < 0) return core::InvalidArgument(core::kNegativePageSize);
  return requested == 0 ? fallback : std::min<int>(requested, max);
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
    return core::InvalidArgument(core::kBadPageToken);
  }
  return raw->substr(prefix.size(), raw->size() - prefix.size() - 1);
}

std::string EncodePositionToken(std::string_view kind, std::string_view scope, int64_t position) {
  return EncodePageToken(kind, scope, std::to_string(position));
}

core::Result<int64_t> DecodePositionToken(std::string_view token, std::string_view kind,
                                          std::string_view scope) {
  auto last = DecodePageToken(token, kind, scope);
  if (!last.ok()) return last.status();
  if (last->empty()) return int64_t{0};
  int64_t position = 0;
  const char* end = last->data() + last->size();
  auto [ptr, ec] = std::from_chars(last->data(), end, position);
  if (ec != std::errc() || ptr != end || position < 0) {
    return core::InvalidArgument(core::kBadPageToken);
  }
  return position;
}

}  // namespace cte::api
