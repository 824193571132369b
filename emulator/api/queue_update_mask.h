// UpdateQueue's update_mask: which fields of the request a path names, and copying them.
// Private to api/.
#pragma once

#include <string_view>

#include "core/model.h"
#include "core/status.h"

namespace cte::api {

// Whether a snake_case mask path names httpTarget or a part of it.
bool IsHttpTargetPath(std::string_view path);

// Copies the field at the snake_case `path` from `from` into `to`. Output-only and immutable
// fields (name, state, purge_time, rate_limits.max_burst_size) are ignored, as the real service
// does. An httpTarget path (spec 4.8) copies the whole target ("http_target", which an empty
// body removes) or a part of it; a token path brings the whole token, and setting one token
// drops the other (a oneof). INVALID_ARGUMENT for a path the queue does not have.
core::Status CopyMaskedField(const core::Queue& from, core::Queue& to, std::string_view path);

}  // namespace cte::api
