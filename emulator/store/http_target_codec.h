// Encodes a queue's httpTarget (spec 4.8) as one blob for storage: the header codec's list of
// (tag, value) pairs, one per field that is set.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"

namespace cte::store {

std::string EncodeHttpTarget(const core::HttpTarget& target);
// nullopt when the blob is not a valid encoding.
std::optional<core::HttpTarget> DecodeHttpTarget(std::string_view blob);

}  // namespace cte::store
