#include "http/worker_url.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/header_syntax.h"
#include "core/strings.h"

namespace cte::http {

namespace {

core::Status Malformed() { return core::InvalidArgument("malformed URL"); }

}  // namespace

core::Result<Url> ParseUrl(const std::string& url) {
  if (!core::IsUrlText(url)) {
    return core::InvalidArgument("refused to send a URL with whitespace or a control character: " +
                                 core::QuoteForMessage(url));
  }
  Url u;
  std::string_view rest(url);
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    u.tls = true;
    rest.remove_prefix(8);
  } else {
    return Malformed();
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  u.target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (u.target[0] != '/') u.target = "/" + u.target;  // "?q" alone; insert() trips -Wrestrict.
  if (size_t hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  u.host_header = std::string(authority);
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Malformed();
    u.host = std::string(authority.substr(1, close - 1));
    colon = authority.find(':', close);
  } else {
    u.host = std::string(authority.substr(0, colon));
  }
  u.port = colon == std::string_view::npos ? (u.tls ? "443" : "80")
                                           : std::string(authority.substr(colon + 1));
  if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(u.port) > 65535) {
    return Malformed();
  }
  return u;
}

std::optional<core::Duration> ParseRetryAfter(std::string_view value) {
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos && value.size() < 10) {
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  std::tm tm{};
  std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delay = when - std::chrono::system_clock::now();
  return delay.count() > 0 ? std::optional<core::Duration>(delay) : core::Duration(0);
}

bool IsInvalidName(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view kSuffix = "invalid";
  if (host.size() < kSuffix.size()) return false;
  std::string_view tail = host.substr(host.size() - kSuffix.size());
  bool match = std::equal(tail.begin(), tail.end(), kSuffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return match && (host.size() == kSuffix.size() || host[host.size() - kSuffix.size() - 1] == '.');
}

}  // namespace cte::http
