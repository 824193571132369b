// Seeded random numbers that are the same with any standard library: a key mixed from a seed, a
// name and a number, and the doubles made from 64 random bits. The standard fixes the output of
// std::mt19937_64, but not how the <random> distributions use it, so the draws here use none.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace cte::core {

// SplitMix64's finaliser: spreads the bits of `x` over the whole word.
constexpr uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A key that depends on `seed`, every byte of `name` and `n` alone: draws keyed by it come out
// the same whatever order the names are drawn in.
constexpr uint64_t MixKey(uint64_t seed, std::string_view name, uint64_t n) {
  uint64_t key = Mix64(seed);
  for (char c : name) key = Mix64(key ^ static_cast<unsigned char>(c));
  return Mix64(key ^ n);
}

// 53 random bits of `x` as a double in [0, 1).
constexpr double UnitDouble(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

// The same bits centred in their cell, in (0, 1): never 0 or 1, which a quantile function needs.
// The top cell's centre, 1 - 2^-54, rounds to 1 as a double: it gives the largest double below 1.
constexpr double OpenUnitDouble(uint64_t x) {
  return std::min((static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53, 1 - 0x1.0p-53);
}

}  // namespace cte::core
