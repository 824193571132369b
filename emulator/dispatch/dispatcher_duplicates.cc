// How the dispatcher sends and records the second deliveries of attempts (Cloud Tasks'
// duplicates, DispatcherOptions::imperfections); see dispatcher.h.
#include <cassert>
#include <vector>

#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_state.h"

namespace cte::dispatch {

using core::PushResult;
using core::Status;
using core::TimePoint;

void Dispatcher::TrackDuplicate(Flight flight) {
  if (QueueState* q = Find(flight.queue)) ++q->duplicates_in_flight;
  duplicate_deadlines_.emplace(flight.deadline, flight.id);
  uint64_t id = flight.id;
  duplicates_.emplace(id, std::move(flight));
}

Dispatcher::Flight Dispatcher::UntrackDuplicate(uint64_t id) {
  auto it = duplicates_.find(id);
  assert(it != duplicates_.end());
  if (QueueState* q = Find(it->second.queue)) --q->duplicates_in_flight;
  duplicate_deadlines_.erase({it->second.deadline, id});
  Flight flight = std::move(it->second);
  duplicates_.erase(it);
  WakeBlocked();
  return flight;
}

void Dispatcher::StartDuplicate(uint64_t flight_id, core::PushRequest request) {
  auto it = duplicates_.find(flight_id);
  if (it == duplicates_.end()) return;  // Reset meanwhile.
  request.delay = it->second.push_delay;
  it->second.push_id = pusher_.Push(
      std::move(request), [this, alive = alive_, post = post_result_, task = it->second.log.task,
                           flight_id, attempt = it->second.attempt](PushResult result) {
        // Any thread: nothing of the dispatcher's is touched before the store's thread runs it.
        PostOutcome(this, alive, post,
                    {task, flight_id, attempt, std::move(result), std::nullopt, false, true});
      });
}

// Only the attempt log hears of a duplicate's outcome: what happens to the task follows its
// first delivery alone, and the duplicate's entry shows what its own request came to.
Status Dispatcher::RecordDuplicate(Outcome outcome) {
  auto it = duplicates_.find(outcome.flight);
  if (it == duplicates_.end() || Unrecorded(outcome.flight)) return Status::Ok();
  if (outcome.expired) CancelOnCommit(it->second);
  if (!outcome.at) outcome.at = clock_.Now();
  KeepOnRollback(outcome);
  CTE_RETURN_IF_ERROR(LogOutcome(it->second, outcome.result, *outcome.at, false).status());
  store_.OnRollback([this, alive = alive_, flight = UntrackDuplicate(outcome.flight)]() mutable {
    if (*alive) TrackDuplicate(std::move(flight));
  });
  return Status::Ok();
}

Status Dispatcher::ExpireDuplicates(TimePoint now) {
  while (!duplicate_deadlines_.empty() && duplicate_deadlines_.begin()->first <= now) {
    uint64_t id = duplicate_deadlines_.begin()->second;
    const Flight& flight = duplicates_.at(id);
    PushResult timeout;
    timeout.outcome = PushResult::Outcome::kDeadlineExceeded;
    timeout.error = "no response before the dispatch deadline";
    CTE_RETURN_IF_ERROR(Record({flight.log.task, id, flight.attempt, timeout, now, true, true}));
    if (duplicates_.count(id) > 0) break;  // An earlier outcome of it waits to be recorded.
  }
  return Status::Ok();
}

void Dispatcher::ResetDuplicates(const std::string& queue) {
  std::vector<uint64_t> gone;
  for (const auto& [id, flight] : duplicates_) {
    if (!queue.empty() && flight.queue != queue) continue;
    if (flight.push_id) pusher_.Cancel(*flight.push_id);
    gone.push_back(id);
  }
  for (uint64_t id : gone) UntrackDuplicate(id);
}

}  // namespace cte::dispatch
