// Parsing the parts of a REST request: path segments, custom verb, query parameters, JSON body.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/json_codec.h"
#include "core/status.h"

namespace cte::api {

struct ParsedTarget {
  std::vector<std::string> segments;              // Percent-decoded path segments.
  std::string verb;                               // The custom verb after the last ':', if any.
  std::multimap<std::string, std::string> query;  // Percent-decoded parameters.
};

// Splits "/v2/a/b:verb?x=1" into its parts. INVALID_ARGUMENT for bad percent-escapes.
core::Result<ParsedTarget> ParseTarget(std::string_view target);

// Percent-decodes; `plus_is_space` for query strings. nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// The JSON encoding options a request asks for ("$alt=json;enum-encoding=int").
JsonOptions OptionsFrom(const ParsedTarget& t);

// Rejects query parameters the method does not have; system parameters ("alt", "$alt",
// "prettyPrint", ...) always pass. `allowed` holds lowerCamel names; snake_case passes too.
core::Status CheckQuery(const ParsedTarget& t, std::initializer_list<const char*> allowed);

// The value of a query parameter given in lowerCamel or snake_case; "" when absent.
std::string Query(const ParsedTarget& t, const char* camel);

// Checks that a field bound in the path, when repeated in the body, has the same value.
core::Status CheckPathField(const Json& body, const char* field, const std::string& expected);

// Parses a request body as a JSON object; an empty body, and the JSON string "" (what google-gax
// sends when every field is in the path), is {}. INVALID_ARGUMENT with Google's "Invalid JSON
// payload received." message otherwise (nesting deeper than 64 included).
core::Result<Json> ParseJsonBody(std::string_view body);

}  // namespace cte::api
