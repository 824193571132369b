#include "store/header_codec.h"

#include <charconv>

namespace cte::store {

namespace {

void AppendField(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

bool ReadField(std::string_view& in, std::string& out) {
  size_t len = 0;
  auto [ptr, ec] = std::from_chars(in.data(), in.data() + in.size(), len);
  if (ec != std::errc() || ptr == in.data() + in.size() || *ptr != ':') return false;
  in.remove_prefix(ptr - in.data() + 1);
  if (in.size() < len) return false;
  out.assign(in.substr(0, len));
  in.remove_prefix(len);
  return true;
}

}  // namespace

std::string EncodeHeaders(const core::HeaderMap& headers) {
  std::string out;
  for (const auto& [k, v] : headers) {
    AppendField(out, k);
    AppendField(out, v);
  }
  return out;
}

std::optional<core::HeaderMap> DecodeHeaders(std::string_view blob) {
  core::HeaderMap out;
  std::string key, value;
  while (!blob.empty()) {
    if (!ReadField(blob, key) || !ReadField(blob, value)) return std::nullopt;
    out[key] = value;
  }
  return out;
}

}  // namespace cte::store
