#include "store/stored_values.h"

#include <utility>

namespace cte::store {

namespace {

using core::HttpMethod;
using core::QueueState;
using Outcome = core::AttemptLogEntry::Outcome;

constexpr std::pair<QueueState, int> kStates[] = {
    {QueueState::kUnspecified, 0},
    {QueueState::kRunning, 1},
    {QueueState::kPaused, 2},
    {QueueState::kDisabled, 3},
};
constexpr std::pair<HttpMethod, int> kMethods[] = {
    {HttpMethod::kUnspecified, 0}, {HttpMethod::kPost, 1},    {HttpMethod::kGet, 2},
    {HttpMethod::kHead, 3},        {HttpMethod::kPut, 4},     {HttpMethod::kDelete, 5},
    {HttpMethod::kPatch, 6},       {HttpMethod::kOptions, 7},
};
constexpr std::pair<Outcome, int> kOutcomes[] = {
    {Outcome::kInFlight, 0},        {Outcome::kResponse, 1},  {Outcome::kDeadlineExceeded, 2},
    {Outcome::kConnectionError, 3}, {Outcome::kDiscarded, 4},
};

// The stored code of `value` in `table`; the first entry's when absent (never, for a table that
// lists every enumerator).
template <typename E, size_t N>
int ToCode(const std::pair<E, int> (&table)[N], E value) {
  for (const auto& [e, code] : table) {
    if (e == value) return code;
  }
  return table[0].second;
}

// The enumerator stored as `code`; the first entry's for a code no version ever wrote.
template <typename E, size_t N>
E FromCode(const std::pair<E, int> (&table)[N], int code) {
  for (const auto& [e, c] : table) {
    if (c == code) return e;
  }
  return table[0].first;
}

}  // namespace

int StoredQueueState(QueueState s) { return ToCode(kStates, s); }
QueueState QueueStateFromStored(int code) { return FromCode(kStates, code); }
int StoredHttpMethod(HttpMethod m) { return ToCode(kMethods, m); }
HttpMethod HttpMethodFromStored(int code) { return FromCode(kMethods, code); }
int StoredOutcome(Outcome o) { return ToCode(kOutcomes, o); }
Outcome OutcomeFromStored(int code) { return FromCode(kOutcomes, code); }

}  // namespace cte::store
