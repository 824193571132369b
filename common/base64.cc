#include "common/base64.h"

#include <array>
#include <cstdint>

namespace cte {

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 0) return out;
  uint32_t v = uint8_t(data[i]) << 16;
  if (rest == 2) v |= uint8_t(data[i + 1]) << 8;
  out += alphabet[v >> 18];
  out += alphabet[(v >> 12) & 63];
  if (rest == 2) out += alphabet[(v >> 6) & 63];
  if (pad) out.append(rest == 1 ? 2 : 1, '=');
  return out;
}

constexpr std::array<int8_t, 256> MakeTable() {
  std::array<int8_t, 256> t{};
  for (auto& x : t) x = -1;
  for (int i = 0; i < 64; ++i) {
    t[static_cast<uint8_t>(kStd[i])] = static_cast<int8_t>(i);
    t[static_cast<uint8_t>(kUrl[i])] = static_cast<int8_t>(i);
  }
  return t;
}

constexpr std::array<int8_t, 256> kTable = MakeTable();

// kShifted[i][c]: the 6 bits of character c at position i of a group of four, in place in the
// group's 24 bits; bit 31 marks a character outside both alphabets.
constexpr std::array<std::array<uint32_t, 256>, 4> MakeShifted() {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (int i = 0; i < 4; ++i) {
    for (int c = 0; c < 256; ++c) {
      int8_t v = kTable[static_cast<size_t>(c)];
      t[static_cast<size_t>(i)][static_cast<size_t>(c)] =
          v < 0 ? 0x80000000u : static_cast<uint32_t>(v) << (18 - 6 * i);
    }
  }
  return t;
}

constexpr auto kShifted = MakeShifted();

}  // namespace

std::string Base64Encode(std::string_view data) { return Encode(data, kStd, true); }
std::string Base64UrlEncode(std::string_view data) { return Encode(data, kUrl, false); }

std::optional<std::string> Base64Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;
  size_t groups = text.size() / 4;
  std::string out(groups * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  // Four characters to three bytes at a time.
  for (size_t g = 0; g < groups; ++g, in += 4, dst += 3) {
    uint32_t v = kShifted[0][in[0]] | kShifted[1][in[1]] | kShifted[2][in[2]] | kShifted[3][in[3]];
    if (v & 0x80000000u) return std::nullopt;
    dst[0] = static_cast<uint8_t>(v >> 16);
    dst[1] = static_cast<uint8_t>(v >> 8);
    dst[2] = static_cast<uint8_t>(v);
  }
  if (rest != 0) {  // 2 or 3 characters: 1 or 2 bytes; leftover bits are ignored.
    int8_t a = kTable[in[0]], b = kTable[in[1]], c = rest == 3 ? kTable[in[2]] : 0;
    if ((a | b | c) < 0) return std::nullopt;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
    dst[0] = static_cast<uint8_t>(v >> 16);
    if (rest == 3) dst[1] = static_cast<uint8_t>(v >> 8);
  }
  return out;
}

}  // namespace cte
