#include "store/memory_attempt_table.h"

#include <cassert>
#include <string>
#include <utility>

#include "store/stored_form.h"

namespace cte::store {

namespace {

using core::AttemptLogEntry;
using core::Result;
using core::Status;

// The IDs of `key` in `index`, or nullptr when it has none.
const std::set<int64_t>* IdsOf(const std::unordered_map<std::string, std::set<int64_t>>& index,
                               std::string_view key) {
  auto it = index.find(std::string(key));
  return it == index.end() ? nullptr : &it->second;
}

void Unindex(std::unordered_map<std::string, std::set<int64_t>>& index, const std::string& key,
             int64_t id) {
  auto it = index.find(key);
  assert(it != index.end());
  it->second.erase(id);
  if (it->second.empty()) index.erase(it);
}

}  // namespace

Result<int64_t> MemoryAttemptTable::Insert(const AttemptLogEntry& entry) {
  assert(data_.in_transaction);
  AttemptLogEntry stored = StoredAttempt(entry);
  int64_t id = ++log_.last_id;
  stored.id = id;
  Add(std::move(stored));
  data_.undo.Push([this, id] {
    (void)Remove(id);
    log_.last_id = id - 1;
  });
  return id;
}

Status MemoryAttemptTable::Update(const AttemptLogEntry& entry) {
  assert(data_.in_transaction);
  auto it = log_.by_id.find(entry.id);
  if (it == log_.by_id.end()) return Status::Ok();
  AttemptLogEntry& e = it->second;
  data_.undo.Push([&log = log_, saved = e] { log.by_id.at(saved.id) = saved; });
  AttemptLogEntry outcome = StoredAttempt(entry);
  e.response_time = outcome.response_time;
  e.outcome = outcome.outcome;
  e.http_status = outcome.http_status;
  e.error = std::move(outcome.error);
  e.latency = outcome.latency;
  if (!outcome.headers.empty()) e.headers = std::move(outcome.headers);
  return Status::Ok();
}

Result<std::vector<AttemptLogEntry>> MemoryAttemptTable::List(std::string_view queue,
                                                              std::string_view task,
                                                              int64_t after_id, int limit) {
  assert(data_.in_transaction);
  std::vector<AttemptLogEntry> out;
  if (task.empty() && queue.empty()) {
    for (auto it = log_.by_id.upper_bound(after_id); it != log_.by_id.end(); ++it) {
      if (PageFull(out.size(), limit)) break;
      out.push_back(it->second);
    }
    return out;
  }
  // The narrower index: a task's entries, or else a queue's.
  const std::set<int64_t>* ids =
      task.empty() ? IdsOf(log_.by_queue, queue) : IdsOf(log_.by_task, task);
  if (ids == nullptr) return out;
  for (auto it = ids->upper_bound(after_id); it != ids->end(); ++it) {
    const AttemptLogEntry& e = log_.by_id.at(*it);
    if (!queue.empty() && e.queue != queue) continue;
    if (PageFull(out.size(), limit)) break;
    out.push_back(e);
  }
  return out;
}

Status MemoryAttemptTable::Delete(std::string_view queue) {
  assert(data_.in_transaction);
  if (queue.empty()) {
    AttemptLog all = std::exchange(log_, AttemptLog());
    log_.last_id = all.last_id;  // IDs keep growing.
    data_.undo.Push([&log = log_, all = std::move(all)]() mutable { log = std::move(all); });
    return Status::Ok();
  }
  const std::set<int64_t>* ids = IdsOf(log_.by_queue, queue);
  if (ids == nullptr) return Status::Ok();
  std::vector<AttemptLogEntry> removed;
  for (int64_t id : std::set<int64_t>(*ids)) {
    removed.push_back(Remove(id));
  }
  data_.undo.Push([this, removed = std::move(removed)]() mutable {
    for (AttemptLogEntry& e : removed) Add(std::move(e));
  });
  return Status::Ok();
}

Status MemoryAttemptTable::EndInFlight(std::string_view error) {
  assert(data_.in_transaction);
  std::vector<std::pair<int64_t, std::string>> ended;  // ID and previous error.
  for (auto& [id, e] : log_.by_id) {
    if (e.outcome != AttemptLogEntry::Outcome::kInFlight) continue;
    ended.emplace_back(id, std::exchange(e.error, std::string(error)));
    e.outcome = AttemptLogEntry::Outcome::kConnectionError;
  }
  if (ended.empty()) return Status::Ok();
  data_.undo.Push([&log = log_, ended = std::move(ended)] {
    for (const auto& [id, previous] : ended) {
      AttemptLogEntry& e = log.by_id.at(id);
      e.outcome = AttemptLogEntry::Outcome::kInFlight;
      e.error = previous;
    }
  });
  return Status::Ok();
}

void MemoryAttemptTable::Add(AttemptLogEntry entry) {
  int64_t id = entry.id;
  log_.by_queue[entry.queue].insert(id);
  log_.by_task[entry.task].insert(id);
  log_.by_id.emplace(id, std::move(entry));
}

AttemptLogEntry MemoryAttemptTable::Remove(int64_t id) {
  auto node = log_.by_id.extract(id);
  assert(!node.empty());
  Unindex(log_.by_queue, node.mapped().queue, id);
  Unindex(log_.by_task, node.mapped().task, id);
  return std::move(node.mapped());
}

}  // namespace cte::store
