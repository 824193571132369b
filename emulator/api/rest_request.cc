#include "api/rest_request.h"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

namespace cte::api {

namespace {

constexpr int kMaxJsonDepth = 64;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The deepest nesting of arrays and objects, found without parsing, so that hostile input
// cannot make the parser recurse or allocate deeply.
int JsonDepth(std::string_view s) {
  int depth = 0, max_depth = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    char c = *p++;
    if (c == '"') {
      // Skip the string with memchr (request bodies are mostly one long base64 string): it ends
      // at the first quote not escaped, i.e. not after an odd run of backslashes.
      const char* start = p;
      while (true) {
        const auto* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        if (q == nullptr) return max_depth;  // Unterminated: nothing more to count.
        const char* b = q;
        while (b > start && b[-1] == '\\') --b;
        p = q + 1;
        if ((q - b) % 2 == 0) break;
      }
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

constexpr const char* kSystemParams[] = {"alt",        "access_token",   "callback",    "fields",
                                         "key",        "oauth_token",    "prettyPrint", "quotaUser",
                                         "uploadType", "upload_protocol"};

bool IsSystemParam(const std::string& key) {
  if (!key.empty() && key[0] == '$') return true;  // "$alt", "$.xgafv", "$fields", ...
  for (const char* p : kSystemParams) {
    if (key == p) return true;
  }
  return false;
}

}  // namespace

JsonOptions OptionsFrom(const ParsedTarget& t) {
  JsonOptions o;
  for (const char* key : {"$alt", "alt"}) {
    auto [begin, end] = t.query.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (it->second.find("enum-encoding=int") != std::string::npos) o.enums_as_ints = true;
    }
  }
  return o;
}

core::Status CheckQuery(const ParsedTarget& t, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : t.query) {
    if (IsSystemParam(key)) continue;
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a || key == SnakeCase(a);
    if (!ok) {
      return core::InvalidArgument("Invalid JSON payload received. Unknown name \"" + key +
                                   "\": Cannot bind query parameter. Field '" + key +
                                   "' could not be found in request message.");
    }
  }
  return core::Status::Ok();
}

std::string Query(const ParsedTarget& t, const char* camel) {
  auto it = t.query.find(camel);
  if (it == t.query.end()) it = t.query.find(SnakeCase(camel));
  return it == t.query.end() ? std::string() : it->second;
}

core::Status CheckPathField(const Json& body, const char* field, const std::string& expected) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return core::Status::Ok();
  if (!it->is_string() || it->get_ref<const std::string&>() != expected) {
    return core::InvalidArgument(std::string("The ") + field +
                                 " in the request body does not match the URL.");
  }
  return core::Status::Ok();
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

core::Result<ParsedTarget> ParseTarget(std::string_view target) {
  ParsedTarget out;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  core::Status bad_escape = core::InvalidArgument("Invalid percent-encoding in the request URL.");
  while (!path.empty() || out.segments.empty()) {
    size_t slash = path.find('/');
    auto segment = PercentDecode(path.substr(0, slash), false);
    if (!segment) return bad_escape;
    out.segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) out.segments.emplace_back();  // A trailing slash leaves an empty segment.
  }
  std::string& last = out.segments.back();
  // Custom verbs follow a queue or task ID ("v2/projects/p/locations/l/queues/q:pause") or the
  // tasks collection ("v2/.../queues/q/tasks:buffer"); only there, since project IDs may
  // contain ':'.
  size_t n = out.segments.size();
  bool verb_place = n == 7 || n == 9 || (n == 8 && last.rfind("tasks:", 0) == 0);
  if (size_t colon = last.rfind(':'); colon != std::string::npos && verb_place) {
    out.verb = last.substr(colon + 1);
    last.resize(colon);
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return bad_escape;
    if (!key->empty()) out.query.emplace(std::move(*key), std::move(*value));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

// simdjson's DOM as nlohmann::json, with the number kinds nlohmann's own parser gives
// (non-negative integers unsigned).
Json FromSimdjson(simdjson::dom::element e) {
  using Type = simdjson::dom::element_type;
  switch (e.type()) {
    case Type::OBJECT: {
      Json j = Json::object();
      for (auto field : simdjson::dom::object(e)) {
        j[std::string(field.key)] = FromSimdjson(field.value);
      }
      return j;
    }
    case Type::ARRAY: {
      Json j = Json::array();
      for (auto item : simdjson::dom::array(e)) j.push_back(FromSimdjson(item));
      return j;
    }
    case Type::STRING:
      return std::string(std::string_view(e));
    case Type::INT64: {
      auto v = int64_t(e);
      return v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(v);
    }
    case Type::UINT64:
      return uint64_t(e);
    case Type::DOUBLE:
      return double(e);
    case Type::BOOL:
      return bool(e);
    case Type::NULL_VALUE:
      break;
  }
  return nullptr;
}

}  // namespace

core::Result<Json> ParseJsonBody(std::string_view body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Json::object();
  if (JsonDepth(body) > kMaxJsonDepth) {
    return core::InvalidArgument("Invalid JSON payload received. Nesting is too deep.");
  }
  // simdjson parses request bodies several times faster than nlohmann (long base64 strings
  // above all); what it refuses (e.g. integers beyond 64 bits) nlohmann decides, as before.
  thread_local simdjson::dom::parser parser;
  Json j;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(root) ==
      simdjson::SUCCESS) {
    j = FromSimdjson(root);
  } else {
    j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
  if (j.is_discarded()) {
    return core::InvalidArgument(
        "Invalid JSON payload received. The request body is not valid JSON.");
  }
  // GAPIC clients in REST mode (google-gax's fallback) send JSON.stringify("") when every field
  // of the request is bound in the path: the body is the JSON string "" and means an empty message.
  if (j.is_string() && j.get_ref<const std::string&>().empty()) return Json::object();
  if (!j.is_object()) {
    return core::InvalidArgument(
        "Invalid JSON payload received. The request body must be a JSON object.");
  }
  return j;
}

}  // namespace cte::api
