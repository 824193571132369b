// TombstoneSet: names blocked until an expiry time, indexed by name and by expiry, as the memory
// store keeps queue and task tombstones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cte::store {

// Expiry times are microseconds since the epoch. Every call is O(log n) per name it touches.
// Movable, not copyable (the expiry index points at the name index's keys). Not thread-safe.
class TombstoneSet {
 public:
  // (name, expiry) pairs, as removed by the Erase* calls.
  using Entries = std::vector<std::pair<std::string, int64_t>>;

  TombstoneSet() = default;
  TombstoneSet(TombstoneSet&&) = default;
  TombstoneSet& operator=(TombstoneSet&&) = default;
  TombstoneSet(const TombstoneSet&) = delete;
  TombstoneSet& operator=(const TombstoneSet&) = delete;

  // Sets the expiry of `name`; returns its previous expiry, if it had one.
  std::optional<int64_t> Put(std::string_view name, int64_t expire_us);
  // Removes `name`; returns its expiry, if it had one.
  std::optional<int64_t> Erase(std::string_view name);
  // Puts `name` back as a Put or Erase found it: with `expire_us`, or absent when nullopt.
  void Reset(std::string_view name, std::optional<int64_t> expire_us);
  // Whether `name` is blocked at `now_us`: it expires after it.
  bool Has(std::string_view name, int64_t now_us) const;

  // Removes the names that start with `prefix` and returns them.
  Entries ErasePrefix(std::string_view prefix);
  // Removes the names that expire at or before `now_us` and returns them.
  Entries EraseExpired(int64_t now_us);
  // Puts back what an Erase* call returned. Requires: none of the names is present.
  void Restore(const Entries& entries);

 private:
  using ByName = std::map<std::string, int64_t, std::less<>>;
  void EraseAt(ByName::iterator it);

  ByName by_name_;
  std::set<std::pair<int64_t, const std::string*>> by_expiry_;
};

}  // namespace cte::store
