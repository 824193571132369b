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

template <typename Pairs>
std::string Encode(const Pairs& headers) {
  std::string out;
  for (const auto& [k, v] : headers) {
    AppendField(out, k);
    AppendField(out, v);
  }
  return out;
}

std::optional<HeaderList> DecodeHeaderList(std::string_view blob) {
  HeaderList out;
  std::string key, value;
  while (!blob.empty()) {
    if (!ReadField(blob, key) || !ReadField(blob, value)) return std::nullopt;
    out.emplace_back(key, value);
  }
  return out;
}

std::string EncodeHeaders(const core::HeaderMap& headers) { return Encode(headers); }
std::string EncodeHeaders(const HeaderList& headers) { return Encode(headers); }

std::optional<core::HeaderMap> DecodeHeaders(std::string_view blob) {
  auto list = DecodeHeaderList(blob);
  if (!list) return std::nullopt;
  return core::HeaderMap(list->begin(), list->end());
}

}  // namespace cte::store
