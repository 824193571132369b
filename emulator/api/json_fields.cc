// The field-level and scalar readers of the proto3 JSON mapping; see json_fields.h and
// json_codec.h.
#include "api/json_fields.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "api/enum_names.h"
#include "core/base64.h"
#include "core/time_util.h"

namespace cte::api {

using core::Duration;
using core::Status;

std::string Sub(const std::string& path, const char* field) {
  return path.empty() ? field : path + "." + field;
}

Status BadValue(const std::string& path, std::string_view type, const Json& j) {
  return core::InvalidArgument("Invalid value at '" + path + "' (" + std::string(type) + "), " +
                               j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Status NotObject(const std::string& path, const Json& j) {
  return core::InvalidArgument("Invalid JSON payload received. Expected an object for '" + path +
                               "', got " + j.dump(-1, ' ', false, Json::error_handler_t::replace) +
                               ".");
}

Status ReadDouble(const Json& j, const std::string& path, double& out) {
  if (j.is_number()) {
    out = j.get<double>();
    return Status::Ok();
  }
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN")
      out = std::numeric_limits<double>::quiet_NaN();
    else if (s == "Infinity")
      out = std::numeric_limits<double>::infinity();
    else if (s == "-Infinity")
      out = -std::numeric_limits<double>::infinity();
    else {
      char* end = nullptr;
      out = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return BadValue(path, "TYPE_DOUBLE", j);
    }
    return Status::Ok();
  }
  return BadValue(path, "TYPE_DOUBLE", j);
}

std::string LowerCamel(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return out;
}

Status ReadDurationField(const Json& j, const std::string& path, Duration& out) {
  std::optional<Duration> d;
  if (j.is_string()) d = core::ParseDuration(j.get_ref<const std::string&>());
  if (!d) {
    // Google's front end words it this way, e.g. for gcloud's "--max-retry-duration=30m".
    std::string field = LowerCamel(path.substr(path.rfind('.') + 1));
    bool has_s = j.is_string() && !j.get_ref<const std::string&>().empty() &&
                 j.get_ref<const std::string&>().back() == 's';
    return core::InvalidArgument(
        "Invalid value at '" + path + "' (type.googleapis.com/google.protobuf.Duration), Field '" +
        field + "', Illegal duration format; " +
        (has_s ? std::string("duration must be a decimal number of seconds followed by 's'")
               : std::string("duration must end with 's'")));
  }
  out = *d;
  return Status::Ok();
}

Status ReadTimestampField(const Json& j, const std::string& path,
                          std::optional<core::TimePoint>& out) {
  std::optional<core::TimePoint> t;
  if (j.is_string()) t = core::ParseTimestamp(j.get_ref<const std::string&>());
  if (!t) return BadValue(path, "type.googleapis.com/google.protobuf.Timestamp", j);
  out = t;
  return Status::Ok();
}

Status ReadBytes(const Json& j, const std::string& path, std::string& out) {
  std::optional<std::string> bytes;
  if (j.is_string()) bytes = core::Base64Decode(j.get_ref<const std::string&>());
  if (!bytes) return BadValue(path, "TYPE_BYTES", j);
  out = std::move(*bytes);
  return Status::Ok();
}

Status UnknownField(std::string_view name, const std::string& path) {
  std::string where = path.empty() ? "" : " at '" + path + "'";
  return core::InvalidArgument("Invalid JSON payload received. Unknown name \"" +
                               std::string(name) + "\"" + where + ": Cannot find field.");
}

Status ReadString(const Json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) return BadValue(path, "TYPE_STRING", j);
  out = j.get<std::string>();
  return Status::Ok();
}

Status ReadStringList(const Json& j, const std::string& path, std::vector<std::string>& out) {
  if (!j.is_array()) return BadValue(path, "TYPE_STRING", j);
  for (const Json& v : j) {
    std::string s;
    CTE_RETURN_IF_ERROR(ReadString(v, path, s));
    out.push_back(std::move(s));
  }
  return Status::Ok();
}

namespace {

// An integer given as a JSON number or a decimal string, within [lo, hi]; `type` names it in
// errors ("TYPE_INT32").
Status ReadInteger(const Json& j, const std::string& path, const char* type, int64_t lo, int64_t hi,
                   int64_t& out) {
  int64_t v = 0;
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > static_cast<uint64_t>(hi)) return BadValue(path, type, j);
    v = static_cast<int64_t>(j.get<uint64_t>());
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else if (j.is_number_float()) {
    double d = j.get<double>();
    if (d != std::floor(d) || std::abs(d) > 1e15) return BadValue(path, type, j);
    v = static_cast<int64_t>(d);
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || end != s.c_str() + s.size()) return BadValue(path, type, j);
  } else {
    return BadValue(path, type, j);
  }
  if (v < lo || v > hi) return BadValue(path, type, j);
  out = v;
  return Status::Ok();
}

}  // namespace

Status ReadInt32(const Json& j, const std::string& path, int32_t& out) {
  int64_t v = 0;
  CTE_RETURN_IF_ERROR(ReadInteger(j, path, "TYPE_INT32", std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::max(), v));
  out = static_cast<int32_t>(v);
  return Status::Ok();
}

Status ReadInt64(const Json& j, const std::string& path, int64_t& out) {
  return ReadInteger(j, path, "TYPE_INT64", std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), out);
}

Status ReadTaskView(const Json& j, const std::string& path, core::TaskView& out) {
  if (j.is_string()) {
    // Query strings carry numbers as text ("responseView=2").
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() == 1 && s[0] >= '0' && s[0] <= '2') {
      out = static_cast<core::TaskView>(s[0] - '0');
      return Status::Ok();
    }
  }
  return ReadEnum(j, path, "type.googleapis.com/google.cloud.tasks.v2.Task.View", kTaskViewNames,
                  out);
}

std::string SnakeCase(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> ParseFieldMask(std::string_view mask) {
  std::vector<std::string> out;
  while (!mask.empty()) {
    size_t comma = mask.find(',');
    std::string_view path = mask.substr(0, comma);
    while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
    while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
    if (!path.empty()) out.push_back(SnakeCase(path));
    if (comma == std::string_view::npos) break;
    mask.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace cte::api
