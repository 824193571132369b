"""Run folders for the report tests, in the format of docs/experiments.md, written without the
simulation engine: a hand-built one whose figures are known by construction, and ones from a
small event simulation (token bucket, concurrency cap, retry rule, outages) that look like real
runs, large enough for the speed test.

    synthetic_run.py OUT_DIR   writes OUT_DIR/image-burst and OUT_DIR/image-burst-cap300 for
                               the browser test (tests/node/report_test.sh)

Standard library and numpy (Debian's python3-numpy: run with /usr/bin/python3).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np

OUTCOMES = ("success", "clientError", "serverError", "timeout", "connectionError")
RESULTS = ("succeeded", "givenUp", "unfinished")
PREFIX = "projects/emulator/locations/us-central1/queues/"


@dataclass
class QueueData:
    """One queue's tasks and attempts, as arrays; indexes into OUTCOMES and RESULTS."""

    name: str
    rate: float
    burst: int
    cap: int
    created: np.ndarray
    finished: np.ndarray  # NaN: unfinished
    attempts: np.ndarray  # attempts per task
    result: np.ndarray
    att_task: np.ndarray  # index of the task
    att_number: np.ndarray
    att_dispatched: np.ndarray
    att_answered: np.ndarray
    att_outcome: np.ndarray
    att_status: np.ndarray
    att_duplicate: np.ndarray
    task_names: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return self.task_names or [f"t{i:07d}" for i in range(self.created.size)]


# ---------------------------------------------------------------------------------------------
# Writing a run folder


def write_run(folder: str, name: str, queues: list[QueueData], scenario: dict,
              wall_time: str = "1.5s") -> None:
    """Writes scenario.json, summary.json, series.csv, attempts.csv and tasks.csv."""
    os.makedirs(folder, exist_ok=True)
    end = int(math.floor(max(last_time(q) for q in queues))) + 1
    with open(os.path.join(folder, "scenario.json"), "w") as f:
        json.dump(scenario, f, indent=2)
    series = {q.name: series_of(q, end) for q in queues}
    summary = {"name": name, "mode": "simulated", "seed": scenario.get("seed", 1),
               "wallTime": wall_time, "total": summary_of(queues, series),
               "queues": [dict(queue=PREFIX + q.name, maxDispatchesPerSecond=q.rate,
                               maxBurstSize=q.burst, maxConcurrentDispatches=q.cap,
                               **summary_of([q], {q.name: series[q.name]})) for q in queues]}
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    write_series(os.path.join(folder, "series.csv"), queues, series)
    write_attempts(os.path.join(folder, "attempts.csv"), queues)
    write_tasks(os.path.join(folder, "tasks.csv"), queues)


def last_time(q: QueueData) -> float:
    values = [q.created.max(initial=0), np.nanmax(q.finished, initial=0),
              np.nanmax(q.att_answered, initial=0)]
    return float(max(values))


def per_second(times: np.ndarray, end: int) -> np.ndarray:
    """How many of the times fall in each window [s, s + 1), s = 0 .. end - 1."""
    times = times[np.isfinite(times)]
    return np.bincount(np.floor(times).astype(np.int64), minlength=end)[:end]


def in_flight(q: QueueData, end: int) -> tuple[np.ndarray, np.ndarray]:
    """(most in flight in each window, in flight at each window's end)."""
    answered = np.where(np.isfinite(q.att_answered), q.att_answered, np.inf)
    times = np.concatenate([answered, q.att_dispatched])
    deltas = np.concatenate([-np.ones(answered.size), np.ones(answered.size)])
    order = np.lexsort((deltas, times))  # answers before dispatches at one instant
    times, level = times[order], np.cumsum(deltas[order])
    peaks = np.zeros(end)
    finite = np.isfinite(times)
    np.maximum.at(peaks, np.floor(times[finite]).astype(np.int64).clip(max=end - 1),
                  level[finite])
    at_start = np.searchsorted(times, np.arange(end), side="right") - 1
    start_level = np.where(at_start >= 0, level[at_start.clip(min=0)], 0)
    at_end = np.searchsorted(times, np.arange(1, end + 1), side="right") - 1
    end_level = np.where(at_end >= 0, level[at_end.clip(min=0)], 0)
    return np.maximum(peaks, start_level), end_level


def series_of(q: QueueData, end: int) -> dict[str, np.ndarray]:
    """The columns of series.csv for one queue."""
    original = q.att_duplicate == 0
    peaks, flying = in_flight(q, end)
    windows_end = np.arange(1, end + 1)
    done = np.sort(q.finished[np.isfinite(q.finished)])
    backlog = (np.searchsorted(np.sort(q.created), windows_end, side="left")
               - np.searchsorted(done, windows_end, side="left") - flying)
    columns = {"arrivals": per_second(q.created, end),
               "dispatches": per_second(q.att_dispatched[original], end),
               "inFlight": peaks.astype(np.int64), "backlog": backlog.clip(min=0)}
    for i, outcome in enumerate(OUTCOMES):
        columns[outcome] = per_second(q.att_answered[q.att_outcome == i], end)
    columns["givenUp"] = per_second(q.finished[q.result == 1], end)
    columns["duplicates"] = per_second(q.att_dispatched[~original], end)
    return columns


def duration(seconds: float) -> str:
    """A proto3 JSON Duration, to the millisecond."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


def nearest_rank(values: np.ndarray, percent: int) -> float:
    values = np.sort(values)
    return float(values[max(1, -(-percent * values.size // 100)) - 1]) if values.size else 0.0


def summary_of(queues: list[QueueData], series: dict[str, dict]) -> dict:
    """summary.json's figures over the given queues."""
    created = np.concatenate([q.created for q in queues])
    finished = np.concatenate([q.finished for q in queues])
    result = np.concatenate([q.result for q in queues])
    per_task = np.concatenate([q.attempts for q in queues])
    latency = (finished - created)[result == 0]
    flying = sum(s["inFlight"] for s in series.values())
    backlog = sum(s["backlog"] for s in series.values())
    return {"tasks": int(created.size), "succeeded": int(np.sum(result == 0)),
            "givenUp": int(np.sum(result == 1)), "unfinished": int(np.sum(result == 2)),
            "attempts": int(sum(np.sum(q.att_duplicate == 0) for q in queues)),
            "duplicates": int(sum(np.sum(q.att_duplicate == 1) for q in queues)),
            "drainTime": duration(np.nanmax(finished) - created.min()),
            "peakInFlight": int(flying.max()), "peakBacklog": int(backlog.max()),
            "latency": {f"p{p}": duration(nearest_rank(latency, p)) for p in (50, 90, 99)}
            | {"max": duration(latency.max() if latency.size else 0)},
            "attemptsPerTask": {"mean": round(float(per_task.mean()), 4),
                                "max": int(per_task.max())}}


def write_series(path: str, queues: list[QueueData], series: dict[str, dict]) -> None:
    columns = ["arrivals", "dispatches", "inFlight", "backlog", *OUTCOMES, "givenUp", "duplicates"]
    with open(path, "w") as f:
        f.write("queue,second," + ",".join(columns) + "\n")
        for q in queues:
            s = series[q.name]
            table = np.column_stack([s[c] for c in columns]).astype(np.int64)
            for second, row in enumerate(table.tolist()):
                f.write(f"{q.name},{second}," + ",".join(map(str, row)) + "\n")


def write_attempts(path: str, queues: list[QueueData]) -> None:
    with open(path, "w") as f:
        f.write("queue,task,attempt,dispatched,answered,outcome,status,duplicate\n")
        for q in queues:
            names = q.names()
            rows = zip(q.att_task.tolist(), q.att_number.tolist(), q.att_dispatched.tolist(),
                       q.att_answered.tolist(), q.att_outcome.tolist(), q.att_status.tolist(),
                       q.att_duplicate.tolist())
            f.writelines(f"{q.name},{names[t]},{n},{d:.6f},{fmt(a)},{OUTCOMES[o]},{s},{dup}\n"
                         for t, n, d, a, o, s, dup in rows)


def write_tasks(path: str, queues: list[QueueData]) -> None:
    with open(path, "w") as f:
        f.write("queue,task,created,finished,attempts,result\n")
        for q in queues:
            rows = zip(q.names(), q.created.tolist(), q.finished.tolist(), q.attempts.tolist(),
                       q.result.tolist())
            f.writelines(f"{q.name},{t},{c:.6f},{fmt(e)},{n},{RESULTS[r]}\n"
                         for t, c, e, n, r in rows)


def fmt(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6f}"


# ---------------------------------------------------------------------------------------------
# The hand-built run


HAND_FIGURES = {
    # alpha: 99 succeeded tasks, task i after 1 + i/100 s; nearest rank over 99 values.
    "alpha": {"p50": "1.49 s", "p90": "1.89 s", "p99": "1.98 s", "max": "1.98 s"},
    # beta: 100 succeeded tasks, task i after (i + 1)/100 s; p90 is the 90th value (0.9 s),
    # where an interpolating percentile would say 0.901 s.
    "beta": {"p50": "0.5 s", "p90": "0.9 s", "p99": "0.99 s", "max": "1 s"},
    # both: 199 values; ranks 100, 180, 198.
    "total": {"p50": "1 s", "p90": "1.79 s", "p99": "1.97 s", "max": "1.98 s"},
}


def hand_run(folder: str) -> None:
    """Two queues, 100 tasks each, 10 a second from 0 s. alpha: task i succeeds 1 + i/100 s
    after its creation, except task 99, whose attempt 1 (9.9 s to 10.0 s) and attempt 2
    (10.2 s to 10.3 s, a retry delay of exactly 0.2 s) both get a 500: it is given up.
    beta: task i succeeds (i + 1)/100 s after its creation; task 0 is delivered twice; a 101st
    task is unfinished (empty `finished` and `answered` fields)."""
    created = np.arange(100) / 10
    alpha_latency = 1 + np.arange(100) / 100
    finished = created + alpha_latency
    finished[99] = 10.3
    alpha = QueueData(
        "alpha", 20, 10, 50, created, finished, np.array([1] * 99 + [2]), np.array([0] * 99 + [1]),
        np.array(list(range(100)) + [99]), np.array([1] * 100 + [2]),
        np.append(created, 10.2), np.concatenate([finished[:99], [10.0, 10.3]]),
        np.array([0] * 99 + [2, 2]), np.array([200] * 99 + [500, 500]), np.zeros(101, int))
    # beta's task 100, created at 9.95 s, is still in its first attempt when the run stops (the
    # outcome of an attempt with no answer yet is not in docs/experiments.md; "timeout" here).
    beta_created = np.append(created, 9.95)
    beta_finished = np.append(created + (np.arange(100) + 1) / 100, np.nan)
    beta = QueueData(
        "beta", 5, 1, 2, beta_created, beta_finished, np.ones(101, int),
        np.array([0] * 100 + [2]), np.array([0] + list(range(101))), np.ones(102, int),
        np.concatenate([[0.0], beta_created]), np.append([0.5], beta_finished),
        np.append(np.zeros(101, int), 3), np.append(np.full(101, 200), 0),
        np.array([1] + [0] * 101))
    scenario = {"name": "hand-built", "seed": 7, "queues": [
        {"queue": {"name": "alpha"}, "arrivals": [{"at": "0s", "rate": 10, "for": "10s"}]},
        {"queue": {"name": "beta"}, "arrivals": [{"at": "0s", "rate": 10, "for": "10s"}]}],
        "until": "drained"}
    write_run(folder, "hand-built", [alpha, beta], scenario)


# ---------------------------------------------------------------------------------------------
# A small event simulation, for runs that look real


@dataclass
class Model:
    """A queue and its worker, as the simulation sees them (Cloud Tasks' defaults)."""

    rate: float = 200
    burst: int = 100
    cap: int = 1000
    min_backoff: float = 0.1
    max_backoff: float = 3600
    max_doublings: int = 16
    max_attempts: int = 100
    max_retry_duration: float = 0  # 0: no limit
    latency: float = 2.0  # median; log-normal with sigma 0.25
    failure: float = 0.05  # 500s
    outages: tuple = ()  # (from, to, status)
    deadline: float = 60.0
    duplicate_rate: float = 0.0


def backoff(m: Model, attempts: int) -> float:
    """Implements RetryConfig: the delay doubles max_doublings times, then grows linearly."""
    k = attempts - 1
    if k <= m.max_doublings:
        delay = m.min_backoff * 2 ** k
    else:
        delay = m.min_backoff * 2 ** m.max_doublings * (k - m.max_doublings + 1)
    return min(delay, m.max_backoff)


def gives_up(m: Model, attempts: int, first: float, next_time: float) -> bool:
    """Both limits that are set must be met (maxAttempts -1 and maxRetryDuration 0: none)."""
    limits = []
    if m.max_attempts > 0:
        limits.append(attempts >= m.max_attempts)
    if m.max_retry_duration > 0:
        limits.append(next_time - first > m.max_retry_duration)
    return bool(limits) and all(limits)


class Simulation:
    """Dispatches tasks in schedule-time order under the token bucket and the cap."""

    def __init__(self, model: Model, arrivals: np.ndarray, seed: int):
        self.m = model
        self.created = np.sort(arrivals)
        n = self.created.size
        self.rng = np.random.default_rng(seed)
        self.finished = np.full(n, np.nan)
        self.result = np.full(n, 2)
        self.count = np.zeros(n, int)
        self.first = np.full(n, np.nan)
        self.attempts: list[tuple] = []
        self.ready: list[tuple[float, int]] = []  # retries: (schedule time, task)
        self.flying: list[tuple[float, int, int, int]] = []  # (answer, task, outcome, status)
        self.next_arrival = 0
        self.tokens = float(model.burst)
        self.token_time = 0.0

    def answer(self, now: float) -> tuple[float, int, int]:
        """(answer time, outcome, status) of an attempt dispatched now."""
        for start, end, status in self.m.outages:
            if start <= now < end:
                return now + 0.05, 2, status
        latency = self.m.latency * math.exp(0.25 * self.rng.standard_normal())
        if latency > self.m.deadline:
            return now + self.m.deadline, 3, 0
        if self.rng.random() < self.m.failure:
            return now + latency, 2, 500
        return now + latency, 0, 200

    def dispatch(self, now: float, task: int) -> None:
        self.tokens -= 1
        self.count[task] += 1
        if math.isnan(self.first[task]):
            self.first[task] = now
        answered, outcome, status = self.answer(now)
        self.attempts.append((task, self.count[task], now, answered, outcome, status, 0))
        if self.m.duplicate_rate and self.rng.random() < self.m.duplicate_rate:
            self.attempts.append((task, self.count[task], now + 0.001, answered + 0.001, outcome,
                                  status, 1))
        heapq.heappush(self.flying, (answered, task, outcome, status))

    def settle(self, now: float) -> None:
        """Handles every answer due by now: success, retry, or give up."""
        while self.flying and self.flying[0][0] <= now:
            answered, task, outcome, _ = heapq.heappop(self.flying)
            if outcome == 0:
                self.finished[task], self.result[task] = answered, 0
                continue
            next_time = answered + backoff(self.m, self.count[task])
            if gives_up(self.m, self.count[task], self.first[task], next_time):
                self.finished[task], self.result[task] = answered, 1
            else:
                heapq.heappush(self.ready, (next_time, task))

    def next_due(self, now: float) -> int | None:
        """The task with the earliest schedule time due by now, taken off its list."""
        arrival = (self.created[self.next_arrival] if self.next_arrival < self.created.size
                   else math.inf)
        retry = self.ready[0][0] if self.ready else math.inf
        if min(arrival, retry) > now:
            return None
        if arrival <= retry:
            self.next_arrival += 1
            return self.next_arrival - 1
        return heapq.heappop(self.ready)[1]

    def step(self, now: float) -> float:
        """Settles, dispatches what it may, returns the next moment something can happen."""
        self.settle(now)
        self.tokens = min(self.m.burst, self.tokens + (now - self.token_time) * self.m.rate)
        self.token_time = now
        blocked = False
        while len(self.flying) < self.m.cap:
            if self.tokens < 1 - 1e-9:
                blocked = True
                break
            task = self.next_due(now)
            if task is None:
                break
            self.dispatch(now, task)
        # Something due now waits for an answer (the cap) or a token; else for its time.
        candidates = [self.flying[0][0] if self.flying else math.inf]
        candidates += [t for t in (self.ready[0][0] if self.ready else math.inf,
                                   self.created[self.next_arrival]
                                   if self.next_arrival < self.created.size else math.inf)
                       if t > now]
        if blocked:
            candidates.append(now + (1 - self.tokens) / self.m.rate)
        return min(candidates)

    def run(self) -> None:
        now = float(self.created[0]) if self.created.size else 0.0
        while now < math.inf:
            now = self.step(now)

    def queue_data(self, name: str) -> QueueData:
        a = np.array(self.attempts, dtype=float).reshape(-1, 7)
        return QueueData(name, self.m.rate, self.m.burst, self.m.cap, self.created,
                         self.finished, self.count, self.result, a[:, 0].astype(int),
                         a[:, 1].astype(int), a[:, 2], a[:, 3], a[:, 4].astype(int),
                         a[:, 5].astype(int), a[:, 6].astype(int))


def simulate(name: str, model: Model, arrivals: np.ndarray, seed: int = 1) -> QueueData:
    """Runs the simulation of one queue to the end (every task succeeded or given up)."""
    sim = Simulation(model, arrivals, seed)
    sim.run()
    return sim.queue_data(name)


def image_burst_arrivals() -> np.ndarray:
    """10,000 over the first 60 s, then 50 a second from 120 s for 600 s."""
    return np.concatenate([np.arange(10000) * 0.006, 120 + np.arange(30000) / 50])


def image_scenario(name: str, cap: int, max_attempts: int = 100, outage: bool = True) -> dict:
    worker = {"latency": {"lognormal": {"p50": "2s", "p99": "3.6s"}},
              "failures": [{"status": 500, "probability": 0.05}]}
    if outage:
        worker["outages"] = [{"from": "300s", "to": "900s", "status": 503}]
    return {"name": name, "seed": 1, "queues": [{
        "queue": {"name": name, "rateLimits": {"maxDispatchesPerSecond": 200,
                                               "maxBurstSize": 100,
                                               "maxConcurrentDispatches": cap},
                  "retryConfig": {"maxAttempts": max_attempts, "maxRetryDuration": "1800s",
                                  "minBackoff": "0.1s", "maxBackoff": "3600s",
                                  "maxDoublings": 16}},
        "arrivals": [{"at": "0s", "count": 10000, "over": "60s"},
                     {"at": "120s", "rate": 50, "for": "600s"}],
        "task": {"bodyBytes": 1024, "dispatchDeadline": "60s", "scheduleDelay": "0s"},
        "worker": worker}], "until": "drained"}


def image_burst_run(folder: str, cap: int = 1000, name: str = "image-burst") -> None:
    """The image-burst fixture, simulated: 200/s, the given cap, a 2 s worker failing 5 %, down
    (503) from 300 s to 900 s."""
    model = Model(cap=cap, max_retry_duration=1800, outages=((300, 900, 503),),
                  duplicate_rate=0.002)
    scenario = image_scenario(name, cap)
    scenario["cloudTasks"] = {"duplicateRate": 0.002}
    write_run(folder, name, [simulate("image-generation-queue", model, image_burst_arrivals())],
              scenario)


def hour_run(folder: str, rate: int = 200, seconds: int = 3600) -> None:
    """One hour of 200/s arrivals (720,000 tasks, about 800,000 attempts): the speed test's run.
    Built without the simulation (too slow at this size): no rate limit; each task fails with
    a 500 and is retried after Cloud Tasks' default backoff until it succeeds; a task that fails
    five times is given up."""
    rng = np.random.default_rng(1)
    n = rate * seconds
    created = np.arange(n) / rate
    count = np.minimum(rng.geometric(0.9, n), 5)
    gave_up = (count == 5) & (rng.random(n) < 0.5)
    task = np.repeat(np.arange(n), count)
    number = np.arange(task.size) - np.repeat(np.cumsum(count) - count, count) + 1
    latency = 0.5 + 0.1 * rng.random(task.size)
    wait = np.where(number > 1, 0.1 * 2.0 ** (number - 2), 0.0) + np.append(0, latency[:-1])
    wait[number == 1] = 0
    starts = np.cumsum(wait)
    dispatched = created[task] + starts - np.repeat(starts[np.cumsum(count) - count], count)
    answered = dispatched + latency
    last = np.cumsum(count) - 1
    outcome = np.full(task.size, 2)
    outcome[last[~gave_up]] = 0
    finished = answered[last]
    q = QueueData("hour", rate, 100, 1000, created, finished, count, gave_up.astype(int), task,
                  number, dispatched, answered, outcome, np.where(outcome == 0, 200, 500),
                  np.zeros(task.size, int))
    scenario = {"name": "hour", "seed": 1, "queues": [{"queue": {"name": "hour"},
                "arrivals": [{"at": "0s", "rate": rate, "for": f"{seconds}s"}]}]}
    write_run(folder, "hour", [q], scenario)


def main(out_dir: str) -> None:
    image_burst_run(os.path.join(out_dir, "image-burst"))
    image_burst_run(os.path.join(out_dir, "image-burst-cap300"), cap=300,
                    name="image-burst-cap300")


if __name__ == "__main__":
    main(sys.argv[1])
