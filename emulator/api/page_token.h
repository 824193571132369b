// Paging for every List method: the page-size rule, and opaque page tokens (URL-safe base64 of a
// kind tag, the request's scope and the last key seen, each followed by a separator: the last
// one lets a truncated token be told apart).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cte::api {

// The size of the page a List method returns: `fallback` when `requested` is 0, at most `max`.
// INVALID_ARGUMENT when `requested` is negative.
core::Result<int> PageSize(int32_t requested, int fallback, int max);

std::string EncodePageToken(std::string_view kind, std::string_view scope, std::string_view last);

// The last key of a token made by EncodePageToken with the same kind and scope; "" for an empty
// token. INVALID_ARGUMENT when the token is malformed or was made for another request (another
// parent or filter).
core::Result<std::string> DecodePageToken(std::string_view token, std::string_view kind,
                                          std::string_view scope);

// Tokens whose key is a position (a store's row order): 0 for an empty token.
std::string EncodePositionToken(std::string_view kind, std::string_view scope, int64_t position);
core::Result<int64_t> DecodePositionToken(std::string_view token, std::string_view kind,
                                          std::string_view scope);

}  // namespace cte::api
