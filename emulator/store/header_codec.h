// Encodes a header map as one blob for storage: "<len>:<key><len>:<value>" repeated.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"

namespace cte::store {

using core::HeaderList;

std::string EncodeHeaders(const core::HeaderMap& headers);
std::string EncodeHeaders(const HeaderList& headers);
// nullopt when the blob is not a valid encoding.
std::optional<core::HeaderMap> DecodeHeaders(std::string_view blob);
std::optional<HeaderList> DecodeHeaderList(std::string_view blob);

}  // namespace cte::store
