// The proto enum value names, indexed by number, shared by the JSON reader and writer.
#pragma once

#include <array>

namespace cte::api {

inline constexpr std::array<const char*, 4> kQueueStateNames = {"STATE_UNSPECIFIED", "RUNNING",
                                                                "PAUSED", "DISABLED"};
inline constexpr std::array<const char*, 8> kHttpMethodNames = {
    "HTTP_METHOD_UNSPECIFIED", "POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"};
inline constexpr std::array<const char*, 3> kUriSchemeNames = {"SCHEME_UNSPECIFIED", "HTTP",
                                                               "HTTPS"};
inline constexpr std::array<const char*, 3> kEnforceModeNames = {
    "URI_OVERRIDE_ENFORCE_MODE_UNSPECIFIED", "IF_NOT_EXISTS", "ALWAYS"};
inline constexpr std::array<const char*, 3> kTaskViewNames = {"VIEW_UNSPECIFIED", "BASIC", "FULL"};

}  // namespace cte::api
