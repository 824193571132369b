// The field-level readers of the proto3 JSON mapping, shared by the message readers
// (json_read.cc) and the scalar ones (json_fields.cc). Private to api/.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "api/json_codec.h"
#include "core/clock.h"
#include "core/status.h"

namespace cte::api {

// "queue" + "rate_limits" -> "queue.rate_limits": the path of a field in error messages.
std::string Sub(const std::string& path, const char* field);

// Whether a JSON key names a field, given in lowerCamel and snake_case.
inline bool Is(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

// Google's INVALID_ARGUMENT for a value of the wrong type or form.
core::Status BadValue(const std::string& path, std::string_view type, const Json& j);
core::Status NotObject(const std::string& path, const Json& j);

// A JSON object's fields, skipping nulls (proto3 JSON reads null as the default value).
template <typename F>
core::Status ForEachField(const Json& j, const std::string& path, F&& f) {
  if (!j.is_object()) return NotObject(path, j);
  for (const auto& [key, value] : j.items()) {
    if (value.is_null()) continue;
    CTE_RETURN_IF_ERROR(f(key, value));
  }
  return core::Status::Ok();
}

core::Status ReadDouble(const Json& j, const std::string& path, double& out);
core::Status ReadInt64(const Json& j, const std::string& path, int64_t& out);
// "max_retry_duration" -> "maxRetryDuration", for messages that name the JSON field.
std::string LowerCamel(std::string_view snake);
core::Status ReadDurationField(const Json& j, const std::string& path, core::Duration& out);
core::Status ReadTimestampField(const Json& j, const std::string& path,
                                std::optional<core::TimePoint>& out);
core::Status ReadBytes(const Json& j, const std::string& path, std::string& out);

// Reads an enum given by name or number. `names[i]` is the name of value i.
template <typename E, size_t N>
core::Status ReadEnum(const Json& j, const std::string& path, const char* type,
                      const std::array<const char*, N>& names, E& out) {
  if (j.is_number_integer()) {
    auto v = j.get<int64_t>();
    if (v >= 0 && v < static_cast<int64_t>(N)) {
      out = static_cast<E>(v);
      return core::Status::Ok();
    }
  } else if (j.is_string()) {
    for (size_t i = 0; i < N; ++i) {
      if (j.get_ref<const std::string&>() == names[i]) {
        out = static_cast<E>(i);
        return core::Status::Ok();
      }
    }
  }
  return BadValue(path, type, j);
}

}  // namespace cte::api
