// Opaque page tokens: URL-safe base64 of a kind tag, the request's scope and the last key seen,
// each followed by a separator (the last one lets a truncated token be told apart).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cte::api {

std::string EncodePageToken(std::string_view kind, std::string_view scope, std::string_view last);

// The last key of a token made by EncodePageToken with the same kind and scope; "" for an empty
// token. INVALID_ARGUMENT when the token is malformed or was made for another request (another
// parent or filter).
core::Result<std::string> DecodePageToken(std::string_view token, std::string_view kind,
                                          std::string_view scope);

}  // namespace cte::api
