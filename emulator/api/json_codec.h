// The proto3 JSON mapping (spec section 3) between Cloud Tasks resources and nlohmann::json.
// Readers accept lowerCamel and snake_case names, enums as names or numbers, numbers as JSON
// numbers or strings; they reject unknown fields and wrong types with Google's messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model.h"
#include "core/status.h"

namespace cte::api {

using Json = nlohmann::json;

struct JsonOptions {
  bool enums_as_ints = false;  // Set by "$alt=json;enum-encoding=int".
};

// Readers. `path` names the value in errors, in snake_case ("queue", "task").
core::Status ReadQueue(const Json& j, const std::string& path, core::Queue& out);
core::Status ReadTask(const Json& j, const std::string& path, core::Task& out);
core::Status ReadPolicy(const Json& j, const std::string& path, core::Policy& out);
core::Status ReadCmekConfig(const Json& j, const std::string& path, core::CmekConfig& out);
core::Status ReadTaskView(const Json& j, const std::string& path, core::TaskView& out);
core::Status ReadInt32(const Json& j, const std::string& path, int32_t& out);
core::Status ReadString(const Json& j, const std::string& path, std::string& out);
core::Status ReadStringList(const Json& j, const std::string& path, std::vector<std::string>& out);

// The error for a field the message does not have.
core::Status UnknownField(std::string_view name, const std::string& path);

// Splits a JSON FieldMask ("rateLimits.maxAttempts,state") into snake_case paths.
std::vector<std::string> ParseFieldMask(std::string_view mask);
std::string SnakeCase(std::string_view lower_camel);

// Writers; fields with default values are left out.
Json QueueToJson(const core::Queue& q, const JsonOptions& o);
Json TaskToJson(const core::Task& t, const JsonOptions& o);
Json PolicyToJson(const core::Policy& p);
Json LocationToJson(const core::Location& l);
Json CmekConfigToJson(const core::CmekConfig& c);

// The HTTP status of a REST answer with `code`: google/rpc/code.proto's table (HttpStatusFor),
// except UNIMPLEMENTED, which is 400 so that clients that retry 5xx answers (gcloud) fail at once.
int RestHttpStatus(core::Code code);

// Google's JSON error body for a non-OK status; `error.code` is RestHttpStatus.
Json ErrorToJson(const core::Status& s);

// Compact JSON text: the same as j.dump(-1, ' ', false, Json::error_handler_t::replace), a few
// times faster on the ASCII strings that make up nearly every response.
std::string DumpJson(const Json& j);

}  // namespace cte::api
