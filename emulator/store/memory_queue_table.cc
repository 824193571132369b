#include "store/memory_queue_table.h"

#include <cassert>
#include <set>
#include <utility>

#include "core/time_util.h"
#include "store/stored_form.h"

namespace cte::store {

namespace {

using core::Result;
using core::Status;

}  // namespace

Result<std::optional<core::Queue>> MemoryQueueTable::Find(std::string_view name) {
  assert(data_.in_transaction);
  QueueRow* row = data_.FindQueue(name);
  if (row == nullptr) return std::optional<core::Queue>();
  return std::optional<core::Queue>(row->queue);
}

Result<std::vector<core::Queue>> MemoryQueueTable::List(std::string_view prefix,
                                                        std::string_view after, int limit) {
  assert(data_.in_transaction);
  // Names with a prefix are contiguous in name order: start at the first one past `after`.
  auto it = after < prefix ? data_.queues.lower_bound(prefix) : data_.queues.upper_bound(after);
  std::vector<core::Queue> out;
  for (; it != data_.queues.end() && it->first.starts_with(prefix); ++it) {
    if (PageFull(out.size(), limit)) break;
    out.push_back(it->second.queue);
  }
  return out;
}

Status MemoryQueueTable::Put(const core::Queue& queue) {
  assert(data_.in_transaction);
  core::Queue stored = StoredQueue(queue);
  auto it = data_.queues.find(queue.name);
  if (it == data_.queues.end()) {
    it = data_.queues.emplace(queue.name, QueueRow{std::move(stored), "", {}}).first;
    data_.undo.Push([&queues = data_.queues, it] { queues.erase(it); });
    return Status::Ok();
  }
  core::Queue previous = std::exchange(it->second.queue, std::move(stored));
  data_.undo.Push([row = &it->second, previous = std::move(previous)]() mutable {
    row->queue = std::move(previous);
  });
  return Status::Ok();
}

Status MemoryQueueTable::Delete(std::string_view name) {
  assert(data_.in_transaction);
  auto it = data_.queues.find(name);
  if (it == data_.queues.end()) return Status::Ok();
  DeleteTombstonesWithPrefix(data_.undo, data_.task_tombstones, std::string(name) + "/tasks/");
  // The row leaves with its tasks and policy in one node; undoing puts the same node back.
  data_.undo.Push([&queues = data_.queues, node = data_.queues.extract(it)]() mutable {
    queues.insert(std::move(node));
  });
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryQueueTable::ListLocations(std::string_view project) {
  assert(data_.in_transaction);
  std::string prefix = "projects/" + std::string(project) + "/locations/";
  std::set<std::string> locations;
  for (auto it = data_.queues.lower_bound(prefix);
       it != data_.queues.end() && it->first.starts_with(prefix); ++it) {
    size_t end = it->first.find("/queues/");
    // A name without "/queues/" gives "", as SQLite's substr(name, 1, instr(...) - 1) does.
    locations.insert(end == std::string::npos ? std::string() : it->first.substr(0, end));
  }
  return std::vector<std::string>(locations.begin(), locations.end());
}

Status MemoryQueueTable::PutTombstone(std::string_view name, core::TimePoint until) {
  assert(data_.in_transaction);
  store::PutTombstone(data_.undo, data_.queue_tombstones, name, core::ToMicros(until));
  return Status::Ok();
}

Result<bool> MemoryQueueTable::HasTombstone(std::string_view name, core::TimePoint now) {
  assert(data_.in_transaction);
  return data_.queue_tombstones.Has(name, core::ToMicros(now));
}

Status MemoryQueueTable::DeleteTombstone(std::string_view name) {
  assert(data_.in_transaction);
  store::DeleteTombstone(data_.undo, data_.queue_tombstones, name);
  return Status::Ok();
}

Status MemoryQueueTable::DeleteAllTombstones() {
  assert(data_.in_transaction);
  store::DeleteAllTombstones(data_.undo, data_.queue_tombstones);
  return Status::Ok();
}

Status MemoryQueueTable::DeleteExpiredTombstones(core::TimePoint now) {
  assert(data_.in_transaction);
  store::DeleteExpiredTombstones(data_.undo, data_.queue_tombstones, core::ToMicros(now));
  return Status::Ok();
}

Result<std::string> MemoryQueueTable::GetKmsKey(std::string_view location) {
  assert(data_.in_transaction);
  auto it = data_.kms_keys.find(location);
  return it == data_.kms_keys.end() ? std::string() : it->second;
}

Status MemoryQueueTable::PutKmsKey(std::string_view location, std::string_view kms_key) {
  assert(data_.in_transaction);
  auto it = data_.kms_keys.find(location);
  std::optional<std::string> previous;
  if (it != data_.kms_keys.end()) previous = std::move(it->second);
  if (kms_key.empty()) {
    if (it != data_.kms_keys.end()) data_.kms_keys.erase(it);
  } else {
    data_.kms_keys[std::string(location)] = std::string(kms_key);
  }
  data_.undo.Push([&keys = data_.kms_keys, name = std::string(location), previous] {
    if (previous) {
      keys[name] = *previous;
    } else {
      keys.erase(name);
    }
  });
  return Status::Ok();
}

Status MemoryQueueTable::DeleteAllKmsKeys() {
  assert(data_.in_transaction);
  data_.undo.Push([&keys = data_.kms_keys, previous = std::move(data_.kms_keys)]() mutable {
    keys = std::move(previous);
  });
  data_.kms_keys.clear();
  return Status::Ok();
}

Result<std::string> MemoryPolicyTable::Get(std::string_view queue) {
  assert(data_.in_transaction);
  QueueRow* row = data_.FindQueue(queue);
  return row == nullptr ? std::string() : row->policy;
}

Status MemoryPolicyTable::Put(std::string_view queue, std::string_view policy) {
  assert(data_.in_transaction);
  QueueRow* row = data_.FindQueue(queue);
  assert(row != nullptr && "Requires: the queue exists");
  if (row == nullptr) return core::Internal("no queue " + std::string(queue));
  std::string previous = std::exchange(row->policy, std::string(policy));
  data_.undo.Push(
      [row, previous = std::move(previous)]() mutable { row->policy = std::move(previous); });
  return Status::Ok();
}

}  // namespace cte::store
