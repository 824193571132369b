#include "core/header_syntax.h"

#include <algorithm>
#include <string>

#include "core/strings.h"

namespace cte::core {

namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

}  // namespace

bool IsHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
}

bool IsHeaderValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) { return c != '\t' && IsControl(c); });
}

bool IsUrlText(std::string_view url) {
  return std::none_of(url.begin(), url.end(), [](char c) { return c == ' ' || IsControl(c); });
}

Status CheckUrlText(std::string_view field, std::string_view url) {
  if (IsUrlText(url)) return Status::Ok();
  return InvalidArgument(std::string(field) +
                         " must not contain whitespace or control characters (percent-encode "
                         "them: %20 for a space), not " +
                         QuoteForMessage(url) + ".");
}

Status CheckHeader(std::string_view where, std::string_view name, std::string_view value) {
  if (!IsHeaderName(name)) {
    return InvalidArgument("Invalid header name " + QuoteForMessage(name) + " in " +
                           std::string(where) +
                           ": a header name is one or more letters, digits or any of "
                           "!#$%&'*+-.^_`|~.");
  }
  if (!IsHeaderValue(value)) {
    return InvalidArgument("Invalid value for header " + QuoteForMessage(name) + " in " +
                           std::string(where) +
                           ": a header value cannot contain CR, LF, NUL or any other control "
                           "character but tab.");
  }
  return Status::Ok();
}

}  // namespace cte::core
