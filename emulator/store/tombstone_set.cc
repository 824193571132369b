#include "store/tombstone_set.h"

#include <cassert>

namespace cte::store {

std::optional<int64_t> TombstoneSet::Put(std::string_view name, int64_t expire_us) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    it = by_name_.emplace(std::string(name), expire_us).first;
    by_expiry_.emplace(expire_us, &it->first);
    return std::nullopt;
  }
  int64_t previous = it->second;
  by_expiry_.erase({previous, &it->first});
  it->second = expire_us;
  by_expiry_.emplace(expire_us, &it->first);
  return previous;
}

std::optional<int64_t> TombstoneSet::Erase(std::string_view name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  int64_t previous = it->second;
  EraseAt(it);
  return previous;
}

void TombstoneSet::Reset(std::string_view name, std::optional<int64_t> expire_us) {
  if (expire_us) {
    (void)Put(name, *expire_us);
  } else {
    (void)Erase(name);
  }
}

bool TombstoneSet::Has(std::string_view name, int64_t now_us) const {
  auto it = by_name_.find(name);
  return it != by_name_.end() && it->second > now_us;
}

TombstoneSet::Entries TombstoneSet::ErasePrefix(std::string_view prefix) {
  Entries out;
  auto it = by_name_.lower_bound(prefix);
  while (it != by_name_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix) {
    out.emplace_back(it->first, it->second);
    EraseAt(it++);
  }
  return out;
}

TombstoneSet::Entries TombstoneSet::EraseExpired(int64_t now_us) {
  Entries out;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_us) {
    auto it = by_name_.find(*by_expiry_.begin()->second);
    out.emplace_back(it->first, it->second);
    EraseAt(it);
  }
  return out;
}

void TombstoneSet::Restore(const Entries& entries) {
  for (const auto& [name, expire_us] : entries) {
    [[maybe_unused]] auto previous = Put(name, expire_us);
    assert(!previous);
  }
}

void TombstoneSet::EraseAt(ByName::iterator it) {
  by_expiry_.erase({it->second, &it->first});
  by_name_.erase(it);
}

}  // namespace cte::store
