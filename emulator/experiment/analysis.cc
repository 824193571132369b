#include "experiment/analysis.h"

#include <algorithm>
#include <cmath>

namespace cte::experiment {

namespace {

using core::Duration;
using std::chrono::seconds;

// When, within one moment, a change applies: the answers to requests sent earlier free their
// places first, then tasks arrive, then requests go out (the in-flight count is read here), then
// the requests answered at the very moment they went out end.
enum Phase : int8_t { kEarlierAnswer, kArrival, kDispatch, kInstantAnswer };

// A change of the in-flight and waiting counts of a queue at a moment of the run.
struct Change {
  Duration at;
  uint32_t queue;
  Phase phase;
  int8_t in_flight;
  int8_t waiting;
  bool operator<(const Change& o) const { return at != o.at ? at < o.at : phase < o.phase; }
};

std::vector<TaskFate> Fates(const RunData& run) {
  std::vector<TaskFate> fates(run.tasks.size());
  std::vector<Duration> last(run.tasks.size(), Duration(0));
  for (const AttemptRecord& a : run.attempts) {
    if (a.duplicate) continue;
    TaskFate& f = fates[a.task];
    ++f.attempts;
    last[a.task] = std::max(last[a.task], a.answered);
    if (a.outcome == AttemptOutcome::kSuccess && f.result != TaskResult::kSucceeded) {
      f.result = TaskResult::kSucceeded;
      f.finished = a.answered;
    }
  }
  for (size_t i = 0; i < fates.size(); ++i) {
    if (fates[i].result == TaskResult::kSucceeded || run.tasks[i].open) continue;
    fates[i].result = TaskResult::kGivenUp;  // Gone from its queue without a success.
    fates[i].finished = fates[i].attempts > 0 ? last[i] : run.tasks[i].created;
  }
  return fates;
}

// Whether attempt `a` ended its task (its success, or the failure it was given up after).
bool Final(const AttemptRecord& a, const TaskFate& f) {
  return f.result != TaskResult::kUnfinished && a.answered == f.finished &&
         (f.result == TaskResult::kGivenUp || a.outcome == AttemptOutcome::kSuccess);
}

std::vector<Change> Changes(const RunData& run, const std::vector<TaskFate>& fates) {
  std::vector<Change> changes;
  changes.reserve(run.tasks.size() + 2 * run.attempts.size());
  for (const TaskRecord& t : run.tasks) changes.push_back({t.created, t.queue, kArrival, 0, 1});
  for (const AttemptRecord& a : run.attempts) {
    if (a.duplicate) continue;
    uint32_t q = run.tasks[a.task].queue;
    changes.push_back({a.dispatched, q, kDispatch, 1, -1});
    Phase end = a.answered == a.dispatched ? kInstantAnswer : kEarlierAnswer;
    changes.push_back(
        {a.answered, q, end, -1, static_cast<int8_t>(Final(a, fates[a.task]) ? 0 : 1)});
  }
  std::stable_sort(changes.begin(), changes.end());
  return changes;
}

int64_t SecondOf(Duration d) { return std::chrono::floor<seconds>(d).count(); }

Percentiles PercentilesOf(std::vector<Duration> values) {
  std::sort(values.begin(), values.end());
  auto rank = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
    return values[std::clamp<size_t>(k, 1, values.size()) - 1];
  };
  return {rank(0.50), rank(0.90), rank(0.99), values.back()};
}

// Counts the tasks, attempts and their outcomes into the figures and the series rows.
void Count(const RunData& run, const std::vector<TaskFate>& fates, Analysis& out,
           int64_t seconds_count) {
  auto row = [&](uint32_t q, Duration at) -> SeriesRow& {
    int64_t s = std::clamp<int64_t>(SecondOf(at), 0, seconds_count - 1);
    return out.series[q * seconds_count + s];
  };
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    const TaskRecord& t = run.tasks[i];
    Figures& f = out.queues[t.queue];
    ++f.tasks;
    ++row(t.queue, t.created).arrivals;
    f.attempts += fates[i].attempts;
    f.attempts_max = std::max(f.attempts_max, fates[i].attempts);
    if (fates[i].result == TaskResult::kSucceeded) ++f.succeeded;
    if (fates[i].result == TaskResult::kUnfinished) ++f.unfinished;
    if (fates[i].result == TaskResult::kGivenUp) {
      ++f.given_up;
      ++row(t.queue, fates[i].finished).given_up;
    }
  }
  std::vector<uint8_t> successes(run.tasks.size(), 0);
  for (const AttemptRecord& a : run.attempts) {
    uint32_t q = run.tasks[a.task].queue;
    if (a.outcome == AttemptOutcome::kSuccess && successes[a.task] < 2 &&
        ++successes[a.task] == 2) {
      ++out.queues[q].processed_twice;
    }
    if (a.duplicate) {
      ++out.queues[q].duplicates;
      ++row(q, a.dispatched).duplicates;
      continue;
    }
    ++row(q, a.dispatched).dispatches;
    SeriesRow& r = row(q, a.answered);
    int64_t* counters[] = {&r.success, &r.client_error,     &r.server_error,
                           &r.timeout, &r.connection_error, nullptr};
    if (int64_t* c = counters[static_cast<int>(a.outcome)]) ++*c;
  }
}

// Sweeps the changes in time order: the peaks, and each second's in-flight maximum and closing
// backlog.
void Sweep(const std::vector<Change>& changes, Analysis& out, int64_t seconds_count) {
  size_t queues = out.queues.size();
  std::vector<int64_t> in_flight(queues, 0), waiting(queues, 0), second_max(queues, 0);
  int64_t total_in_flight = 0, total_waiting = 0;
  size_t i = 0;
  for (int64_t s = 0; s < seconds_count; ++s) {
    second_max = in_flight;
    Duration end = seconds(s + 1);
    while (i < changes.size() && (changes[i].at < end || s == seconds_count - 1)) {
      Duration at = changes[i].at;
      auto apply = [&](const Change& c) {
        in_flight[c.queue] += c.in_flight;
        waiting[c.queue] += c.waiting;
        total_in_flight += c.in_flight;
        total_waiting += c.waiting;
      };
      size_t first = i;
      for (; i < changes.size() && changes[i].at == at && changes[i].phase <= kDispatch; ++i) {
        apply(changes[i]);
      }
      // The in-flight counts once this moment's requests went out.
      for (size_t k = first; k < i; ++k) {
        uint32_t q = changes[k].queue;
        second_max[q] = std::max(second_max[q], in_flight[q]);
        out.queues[q].peak_in_flight = std::max(out.queues[q].peak_in_flight, in_flight[q]);
      }
      out.total.peak_in_flight = std::max(out.total.peak_in_flight, total_in_flight);
      for (; i < changes.size() && changes[i].at == at; ++i) apply(changes[i]);
      // The waiting counts once the moment is over.
      for (size_t k = first; k < i; ++k) {
        uint32_t q = changes[k].queue;
        out.queues[q].peak_backlog = std::max(out.queues[q].peak_backlog, waiting[q]);
      }
      out.total.peak_backlog = std::max(out.total.peak_backlog, total_waiting);
    }
    for (size_t q = 0; q < queues; ++q) {
      SeriesRow& r = out.series[q * seconds_count + s];
      r.in_flight = second_max[q];
      r.backlog = waiting[q];
    }
  }
}

// Drain times and latency percentiles, per queue and in total; sums the totals.
void Finish(const RunData& run, const std::vector<TaskFate>& fates, Analysis& out) {
  size_t queues = out.queues.size();
  std::vector<std::vector<Duration>> latencies(queues + 1);
  std::vector<Duration> first(queues + 1, Duration::max()), last(queues + 1, Duration::min());
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    uint32_t q = run.tasks[i].queue;
    for (size_t k : {static_cast<size_t>(q), queues}) {
      first[k] = std::min(first[k], run.tasks[i].created);
      if (fates[i].result == TaskResult::kUnfinished) continue;
      last[k] = std::max(last[k], fates[i].finished);
      if (fates[i].result == TaskResult::kSucceeded) {
        latencies[k].push_back(fates[i].finished - run.tasks[i].created);
      }
    }
  }
  Figures& t = out.total;
  for (const Figures& f : out.queues) {
    t.tasks += f.tasks, t.succeeded += f.succeeded, t.given_up += f.given_up;
    t.unfinished += f.unfinished, t.attempts += f.attempts, t.duplicates += f.duplicates;
    t.processed_twice += f.processed_twice;
    t.attempts_max = std::max(t.attempts_max, f.attempts_max);
  }
  for (size_t k = 0; k <= queues; ++k) {
    Figures& f = k < queues ? out.queues[k] : t;
    if (f.tasks > 0) f.attempts_mean = static_cast<double>(f.attempts) / f.tasks;
    if (f.tasks > 0 && f.unfinished == 0) f.drain_time = last[k] - first[k];
    if (!latencies[k].empty()) f.latency = PercentilesOf(std::move(latencies[k]));
  }
}

}  // namespace

Analysis Analyze(const RunData& run) {
  Analysis out;
  out.fates = Fates(run);
  out.queues.resize(run.queues.size());
  int64_t seconds_count = std::max<int64_t>(SecondOf(run.stopped) + 1, 1);
  out.series.resize(run.queues.size() * seconds_count);
  for (size_t q = 0; q < run.queues.size(); ++q) {
    for (int64_t s = 0; s < seconds_count; ++s) {
      out.series[q * seconds_count + s].queue = static_cast<uint32_t>(q);
      out.series[q * seconds_count + s].second = s;
    }
  }
  Count(run, out.fates, out, seconds_count);
  Sweep(Changes(run, out.fates), out, seconds_count);
  Finish(run, out.fates, out);
  return out;
}

}  // namespace cte::experiment
