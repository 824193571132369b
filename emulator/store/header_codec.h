// Encodes a header map as one blob for storage: "<len>:<key><len>:<value>" repeated.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"

namespace cte::store {

std::string EncodeHeaders(const core::HeaderMap& headers);
// nullopt when the blob is not a valid encoding.
std::optional<core::HeaderMap> DecodeHeaders(std::string_view blob);

}  // namespace cte::store
