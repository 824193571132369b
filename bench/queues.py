"""Benchmarks of scale in queues and of the time scale: `many_queues` (10,000 queues: what a
queue costs, and that idle queues cost nothing) and `time_scale` (the highest --time-scale N at
which a 200/s queue still dispatches 200 tasks per emulated second). Standard library only."""
import random
import time

from lib import (attempt_times, cpu_over, create_queue, emulator_and_worker, fill_paused_queue, percentile, queue_name, rate_figures,
                 stats, wait_for, waiting, worker_stats)


def stamp(t):
    """RFC 3339 with microseconds, UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def timed(call):
    t = time.monotonic()
    out = call()
    return (time.monotonic() - t) * 1000, out


def create_queues(c, count, rate):
    """Creates queues mq0..mq{count-1}; the milliseconds of each CreateQueue."""
    took = []
    for i in range(count):
        ms, _ = timed(lambda: create_queue(c, f"mq{i}", rate=rate, concurrent=10))
        took.append(ms)
    return sorted(took)


def list_all_queues(c, page_size):
    """Pages through ListQueues; (milliseconds per page, sorted; queues listed)."""
    took, listed, token = [], 0, ""
    while True:
        path = f"/v2/projects/bench/locations/us-central1/queues?pageSize={page_size}"
        ms, page = timed(lambda: c.call("GET", path + (f"&pageToken={token}" if token else "")))
        took.append(ms)
        listed += len(page.get("queues", []))
        token = page.get("nextPageToken")
        if not token:
            return sorted(took), listed


def schedule_spread(c, count, per_queue, url, start, spread):
    """`per_queue` tasks on each of mq0..mq{count-1}, due at random times in [start, start +
    spread) (Unix seconds); the seed is fixed, so every run schedules the same times."""
    rng = random.Random(1)
    for i in range(count):
        for _ in range(per_queue):
            due = start + rng.random() * spread
            c.call("POST", f"/v2/{queue_name(f'mq{i}')}/tasks",
                   {"task": {"scheduleTime": stamp(due), "httpRequest": {"url": url}}})


def scenario_many_queues(args, report):
    n = 2000 if args.quick else 10_000
    hot, hot_rate, hot_tasks = 20, 20, 260  # 12 s of steady rate after a burst of 20
    per_queue = 3
    s = report.scenario(
        "many queues", f"{n:,} queues at 1/s (SQLite file), {per_queue} tasks each due at random "
        f"over 30 s; {hot} more at {hot_rate}/s with {hot_tasks} tasks due each; a worker "
        "answering 200 at once")
    with emulator_and_worker(args, db="queues.db") as (emu, worker, c, w):
        url = f"http://127.0.0.1:{worker.port}/q"
        rss0 = emu.rss_mb()
        created = create_queues(c, n, rate=1)
        rss1 = emu.rss_mb()
        report.row(s, "create_queue_p50_ms", "CreateQueue, median", round(
            percentile(created, 50), 3), "ms")
        report.row(s, "create_queue_p99_ms", f"CreateQueue, p99 of {n:,}", round(
            percentile(created, 99), 3), "ms")
        report.row(s, "memory_per_queue_kb", "resident memory per queue (empty)",
                   round((rss1 - rss0) * 1024 / n, 2), "KB")
        pages, listed = list_all_queues(c, 1000)
        report.row(s, "list_queues_page_ms", f"ListQueues, 1,000 a page, median of "
                   f"{len(pages)}", round(percentile(pages, 50), 2), "ms", None)
        report.row(s, "list_queues_listed", "queues listed", listed, "", f"{n:,}", listed == n)
        ms, _ = timed(lambda: stats(c))
        report.row(s, "stats_ms", f"GET /emulator/v1/stats ({n:,} queues)", round(ms, 1), "ms")
        idle = cpu_over(emu, 3)
        report.row(s, "idle_cpu_pct", "emulator CPU, no task anywhere", round(idle / 3 * 100,
                   2), "% of a core", "~0 (<= 1 %)", idle / 3 <= 0.01)
        start = time.time() + 15 + n * per_queue / 4000
        schedule_spread(c, n, per_queue, url, start, 30)
        rss2 = emu.rss_mb()
        report.row(s, "memory_per_queue_with_tasks_kb", f"resident memory per queue with its "
                   f"{per_queue} tasks", round((rss2 - rss0) * 1024 / n, 2), "KB")
        waited = max(0.5, start - time.time() - 0.5)
        nothing_due = cpu_over(emu, min(waited, 5))
        report.row(s, "nothing_due_cpu_pct", f"emulator CPU, {n * per_queue:,} tasks, none due",
                   round(nothing_due / min(waited, 5) * 100, 2), "% of a core",
                   "~0 (<= 1 %)", nothing_due / min(waited, 5) <= 0.01)
        for i in range(hot):
            fill_paused_queue(c, f"hot{i}", hot_tasks, url, rate=hot_rate)
        time.sleep(max(0.0, start - time.time()))
        cpu0 = emu.cpu_seconds()
        for i in range(hot):
            c.call("POST", f"/v2/{queue_name(f'hot{i}')}:resume", {})
        total = n * per_queue + hot * hot_tasks
        wait_for("every task", lambda: worker_stats(w)["received"] >= total, 120, 0.2)
        cpu = emu.cpu_seconds() - cpu0
        report.row(s, "cpu_per_dispatch_us", f"emulator CPU per task dispatched ({total:,} "
                   "over 30 s)", round(cpu / total * 1e6, 1), "us")
        deviations = []
        for i in range(hot):
            times = attempt_times(c, f"hot{i}")
            f = rate_figures([t - times[0] for t in times], hot_rate, hot_rate)
            deviations.append((abs(f["overall"] - hot_rate) / hot_rate * 100,
                               f["over_bucket"]))
        worst = max(d for d, _ in deviations)
        report.row(s, "worst_queue_rate_deviation_pct", f"worst of the {hot} {hot_rate}/s "
                   "queues: rate after the burst off its rate", round(worst, 3), "%",
                   "<= 1 %", worst <= 1)
        over = max(o for _, o in deviations)
        report.row(s, "max_over_bucket", "most dispatches in any interval beyond the bucket",
                   round(over, 3), "", "<= 0", over <= 0.01)
        report.row(s, "left_waiting", "tasks left waiting", waiting(c), "", "0")


def scenario_time_scale(args, report):
    scales = (1, 10) if args.quick else (1, 10, 20, 50, 75, 100, 200)
    seconds = 20  # emulated seconds of steady rate, after a burst of 100
    n = 200 * seconds + 100
    s = report.scenario(
        "time scale", f"a 200/s queue (maxBurstSize 100) with {n:,} tasks due, under "
        f"--time-scale N for N in {', '.join(map(str, scales))}; dispatch times (emulated) from "
        "the attempt log, a worker answering 200 at once, in-memory database")
    best = None
    for scale in scales:
        with emulator_and_worker(args, emulator_flags=["--time-scale", str(scale)]) as (
                emu, worker, c, w):
            fill_paused_queue(c, "ts", n, f"http://127.0.0.1:{worker.port}/ts", rate=200)
            c.call("POST", f"/v2/{queue_name('ts')}:resume", {})
            wait_for("every dispatch", lambda: worker_stats(w)["received"] >= n, 120, 0.05)
            times = attempt_times(c, "ts")
        f = rate_figures([t - times[0] for t in times], 200, 100, window=5.0)
        deviation = abs(f["overall"] - 200) / 200 * 100
        ok = deviation <= 1 and f["worst_pct"] <= 1 and f["over_bucket"] <= 0.01
        if ok:
            best = max(best or 0, scale)
        report.row(s, f"rate_x{scale}", f"N = {scale}: emulated rate after the burst",
                   round(f["overall"], 2), "/s", "200 +- 1 %", deviation <= 1)
        report.row(s, f"worst_window_x{scale}", f"N = {scale}: worst 5 s window off 200/s",
                   round(f["worst_pct"], 3), "%", "<= 1 %", f["worst_pct"] <= 1)
        report.row(s, f"over_bucket_x{scale}", f"N = {scale}: most beyond 100 + 200 t",
                   round(f["over_bucket"], 3), "", "<= 0", f["over_bucket"] <= 0.01)
    report.row(s, "highest_scale", "highest N within 1 % (and the burst bound)", best or 0, "x")
