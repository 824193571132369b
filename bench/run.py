#!/usr/bin/env python3
"""The benchmarks behind `make bench`: the real emulator binary under load from wrk (REST) and
h2load (gRPC), with cloud-tasks-worker as the target. Prints a table (a row per measurement,
each with its setup and target) and writes the same figures to bench/results/latest.json.

    python3 bench/run.py --emulator build-release/bin/cloud-tasks-emulator \
        --worker build-release/bin/cloud-tasks-worker [--quick] [--only enqueue,dispatch,...]

Standard library only. Every count is read back from the emulator or the worker: a call counts
as done only if its task was stored, a dispatch only if the worker received it.
"""
import argparse
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from lib import *  # noqa: F401,F403 (the helpers every scenario uses)
from curve import scenario_curve
from queues import scenario_many_queues, scenario_time_scale


def scenario_metrics_ab(args, report):
    """The enqueue figure with and without a scrape of /metrics every second, runs alternated."""
    seconds = 4 if args.quick else 10
    repeat = 1 if args.quick else args.repeat
    s = report.scenario("metrics scrape A/B", f"enqueue rest file ({seconds} s, wrk -c128), "
                        f"{repeat} runs without and {repeat} with GET /metrics every second, "
                        "alternated")
    off, on = [], []
    for _ in range(repeat):
        off.append(enqueue_once(args, "rest", "file", seconds)[0])
        on.append(enqueue_once(args, "rest", "file", seconds, scraped=True)[0])
    off.sort()
    on.sort()
    noise = off[-1] - off[0]
    diff = percentile(on, 50) - percentile(off, 50)
    report.row(s, "off_runs", "without scraping, every run", ", ".join(f"{r:,.0f}" for r in off),
               "/s")
    report.row(s, "on_runs", "scraped each second, every run", ", ".join(f"{r:,.0f}" for r in on),
               "/s")
    report.row(s, "median_difference", "median with - median without", round(diff), "/s",
               f"within the run-to-run spread ({noise:,.0f}/s)", abs(diff) <= noise)


def scenario_enqueue(args, report):
    seconds = 4 if args.quick else 10
    repeat = 1 if args.quick else args.repeat
    for transport in ("grpc", "rest"):
        for db in (":memory:", "file"):
            s = report.scenario(
                f"enqueue {transport} {db}",
                f"CreateTask, 1 KB body, generated names, a paused queue, 128 in flight "
                f"({'h2load -c8 -m16' if transport == 'grpc' else 'wrk -c128'}), {seconds} s, "
                f"{'SQLite file (WAL, commit before ack)' if db == 'file' else 'in memory'}; "
                f"median of {repeat} runs")
            runs = sorted((enqueue_once(args, transport, db, seconds) for _ in range(repeat)),
                          key=lambda r: r[0])
            rate, answered, stored, cpu, p99 = runs[len(runs) // 2]
            target = 34000 if (transport == "grpc" and db == ":memory:") else (
                25000 if db == ":memory:" else 20000)
            report.row(s, "stored_per_second", "tasks stored per second (median)", round(rate),
                       "/s", f">= {target:,}", rate >= target)
            report.row(s, "runs", "every run", ", ".join(f"{r[0]:,.0f}" for r in runs), "/s")
            report.row(s, "answered", "calls answered / tasks stored",
                       f"{answered:,} / {stored:,}", "")
            report.row(s, "server_cpu_us_per_call", "emulator CPU per stored task",
                       round(cpu / max(stored, 1) * 1e6, 1), "us")
            if p99 is not None:
                report.row(s, "p99_ms", "client-side p99 latency", p99, "ms")


def scenario_dispatch(args, report):
    # 100 queues at 500/s (Cloud Tasks' highest rate): their rate limits allow 50,000/s, twice the
    # target, so the figure is the emulator's and not the limits' (50 queues allowed 25,000/s, the
    # target itself).
    queues = 100
    s = report.scenario(
        "dispatch", f"{queues} queues at 500/s, cap 1000, tasks already stored (paused, then "
        "resumed, all at once), a worker answering 200 at once, in-memory database; from the "
        "first resume to the worker's last receipt")
    with emulator_and_worker(args) as (emu, worker, c, w):
        for i in range(queues):
            create_queue(c, f"d{i}", paused=True)
        url = f"http://127.0.0.1:{worker.port}/task"
        wrk(emu.port, "d", queues, 3 if args.quick else 6, task_url=url)
        # wrk stops with up to 128 calls in flight: the count settles once they are stored.
        stored, previous = waiting(c), -1
        while stored != previous:
            time.sleep(0.2)
            previous, stored = stored, waiting(c)
        # All at once, as a client with a connection per queue would: one after the other, each
        # resume waited behind the dispatch of the queues resumed before it (47 ms a call), and
        # the last queues, each held to 500/s, drained alone at the end while the cores idled.
        start = time.time()
        with ThreadPoolExecutor(queues) as pool:
            list(pool.map(lambda i: Client(emu.port).call(
                "POST", f"/v2/{queue_name(f'd{i}')}:resume", {}), range(queues)))
        resumed = time.time() - start
        wait_for("every task to be dispatched", lambda: waiting(c) == 0, 300, every=0.01)
        received = worker_stats(w)["received"]
        last = max(t[0] for t in w.call("GET", "/_worker/times")["times"]) / 1e6
        given_up = sum(q["givenUp"] for q in stats(c).values())
        rate = received / (last - start)
        report.row(s, "dispatched_per_second", f"{received:,} tasks pushed, per second",
                   round(rate), "/s", ">= 25,000 (round one: 10,000)", rate >= 25000)
        report.row(s, "resumed_in", f"the {queues} resumes answered within", round(resumed, 2),
                   "s")
        report.row(s, "not_delivered", "stored but not delivered (given up)",
                   stored - received, "", "0", stored == received and given_up == 0)

        # Enqueue and dispatch at once: the queues run while wrk enqueues.
        s2 = report.scenario("end to end", f"wrk enqueues into the same {queues} running queues "
                             "while they dispatch to the worker; rate of tasks delivered")
        w.call("POST", "/_worker/reset", {})
        seconds = 4 if args.quick else 10
        t0 = time.monotonic()
        run = wrk(emu.port, "d", queues, seconds, task_url=url)
        delivered_in_window = worker_stats(w)["received"]
        wait_for("the backlog to drain", lambda: waiting(c) == 0, 120)
        total = worker_stats(w)["received"]
        elapsed = time.monotonic() - t0
        report.row(s2, "enqueued_per_second", "tasks enqueued per second",
                   round(run["requests"] / run["seconds"]), "/s")
        report.row(s2, "delivered_per_second_during_load", "delivered per second during the load",
                   round(delivered_in_window / run["seconds"]), "/s")
        report.row(s2, "delivered_total", "delivered in all (until drained)",
                   f"{total:,} in {elapsed:.1f} s", "")


def scenario_durable(args, report):
    """Issue 17 item 3: enqueue, dispatch, 2xx and delete together on a SQLite file, sustained."""
    queues, seconds = 100, 10 if args.quick else 60
    s = report.scenario(
        "end to end durable", f"wrk (-c128) enqueues into {queues} running queues (500/s, cap "
        f"1000 each) for {seconds} s while they dispatch to a worker answering 200 at once; "
        "SQLite file; the backlog sampled every 5 s")
    with emulator_and_worker(args, db="durable.db") as (emu, worker, c, w):
        for i in range(queues):
            create_queue(c, f"e{i}")
        backlog, stop = [], threading.Event()

        def sample():
            while not stop.wait(5):
                backlog.append(waiting(Client(emu.port)))

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        cpu0, threads0 = emu.cpu_seconds(), emu.thread_cpu_seconds()
        run = wrk(emu.port, "e", queues, seconds,
                  task_url=f"http://127.0.0.1:{worker.port}/task")
        delivered = worker_stats(w)["received"]
        cpu, threads = emu.cpu_seconds() - cpu0, emu.thread_cpu_seconds()
        stop.set()
        thread.join()
        t0 = time.monotonic()
        wait_for("the backlog to drain", lambda: waiting(c) == 0, 300)
        drain = time.monotonic() - t0
        if emu.proc.poll() is not None:
            raise RuntimeError(f"the emulator exited ({emu.proc.returncode})")
    rate = delivered / run["seconds"]
    report.row(s, "enqueued_per_second", "tasks enqueued per second",
               round(run["requests"] / run["seconds"]), "/s")
    report.row(s, "delivered_per_second", "tasks delivered (2xx, deleted) per second, during "
               "the load", round(rate), "/s", ">= 20,000", rate >= 20000)
    report.row(s, "backlog", "backlog (waiting + in flight) every 5 s",
               ", ".join(f"{b:,}" for b in backlog), "")
    report.row(s, "drain_s", "the backlog drained after the load in", round(drain, 1), "s")
    report.row(s, "cpu_us_per_task", "emulator CPU per task delivered",
               round(cpu / max(delivered, 1) * 1e6, 1), "us")
    per_thread = {name: (threads[name] - threads0.get(name, 0)) / max(delivered, 1) * 1e6
                  for name in threads}
    report.row(s, "cpu_us_per_task_by_thread", "of which, by thread",
               ", ".join(f"{name} {us:.1f}" for name, us in
                         sorted(per_thread.items(), key=lambda kv: -kv[1]) if us >= 0.5), "us")


def scenario_accuracy(args, report):
    n = 2000 if args.quick else 6000
    s = report.scenario("rate accuracy", f"a 200/s queue (maxBurstSize 100) with {n:,} tasks "
                        "already due, a worker answering 200 at once; dispatch times from the "
                        "emulator's attempt log")
    with emulator_and_worker(args) as (emu, worker, c, w):
        fill_paused_queue(c, "acc", n, f"http://127.0.0.1:{worker.port}/acc", rate=200)
        resumed = time.time()
        c.call("POST", f"/v2/{queue_name('acc')}:resume", {})
        wait_for("every dispatch", lambda: worker_stats(w)["received"] >= n, n / 200 + 30, 0.2)
        times = attempt_times(c, "acc")
    report.row(s, "delivered", "delivered to the worker / dispatched", f"{n:,} / {len(times):,}",
               "")
    rel = [t - resumed for t in times]
    f = rate_figures(rel, 200, 100)
    report.row(s, "burst", "burst: most dispatches ahead of 200 t", round(f["burst"], 2), "",
               "<= 100 (maxBurstSize)", f["burst"] <= 100.01)
    first_100ms = sum(1 for t in rel if t < 0.1)
    report.row(s, "first_100ms", "dispatched in the first 100 ms", first_100ms, "",
               "<= 120 (100 + 200 * 0.1)", first_100ms <= 120)
    report.row(s, "overall_rate", "rate after the burst (all tasks)", round(f["overall"], 2), "/s")
    if f["windows"]:
        report.row(s, "worst_10s_deviation_pct",
                   f"worst 10 s window off 200/s ({f['windows']} windows)",
                   round(f["worst_pct"], 3), "%", "<= 1 %", f["worst_pct"] <= 1)
    report.row(s, "max_over_bucket", "most dispatches in any interval minus (100 + 200 t)",
               round(f["over_bucket"], 3), "", "<= 0", f["over_bucket"] <= 0.01)
    per_second = [0] * (int(rel[-1]) + 1)
    for t in rel:
        per_second[max(0, int(t))] += 1
    s["results"]["per_second"] = per_second


def scenario_concurrency(args, report):
    for hold, n in ((1, 3000), (3, 4000)):
        if args.quick:
            n //= 2
        s = report.scenario(f"concurrency {hold}s", f"a 500/s queue with cap 1000, {n:,} tasks "
                            f"due, a worker holding each request {hold} s")
        with emulator_and_worker(args, ["--latency", f"{hold}s"]) as (emu, worker, c, w):
            fill_paused_queue(c, "conc", n, f"http://127.0.0.1:{worker.port}/c")
            c.call("POST", f"/v2/{queue_name('conc')}:resume", {})
            peak_emulator = 0
            deadline = time.monotonic() + n / 200 + 60
            while worker_stats(w)["received"] < n or worker_stats(w)["inFlight"] > 0:
                peak_emulator = max(peak_emulator, stats(c)["conc"]["inFlight"])
                if time.monotonic() > deadline:
                    raise RuntimeError("concurrency run did not finish")
                time.sleep(0.05)
            peak = worker_stats(w)["maxInFlight"]
        bound = min(1000, 100 + 500 * hold)
        report.row(s, "max_in_flight", "most requests in flight at the worker", peak, "",
                   f"<= 1000 (expect ~{bound})", peak <= 1000)
        report.row(s, "max_in_flight_emulator", "most in flight by the emulator's stats",
                   peak_emulator, "")


def scenario_latency(args, report):
    n = 500 if args.quick else 1500
    s = report.scenario("latency", f"{n:,} tasks scheduled 10 ms apart (100/s) on a running "
                        "500/s queue; scheduleTime to the worker receiving the request")
    with emulator_and_worker(args) as (emu, worker, c, w):
        create_queue(c, "lat")
        base = time.time() + 3 + n / 2000
        for i in range(n):
            t = base + i * 0.01
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"
            c.call("POST", f"/v2/{queue_name('lat')}/tasks",
                   {"task": {"scheduleTime": stamp,
                             "httpRequest": {"url": f"http://127.0.0.1:{worker.port}/l"}}})
        wait_for("every task", lambda: worker_stats(w)["received"] >= n, n / 100 + 30, 0.2)
        pairs = w.call("GET", "/_worker/times")["times"]
    lat = sorted((recv - eta) / 1000 for recv, eta in pairs)
    report.row(s, "p50_ms", "p50 scheduleTime -> worker", round(percentile(lat, 50), 3), "ms")
    p99 = percentile(lat, 99)
    report.row(s, "p99_ms", "p99 scheduleTime -> worker", round(p99, 3), "ms", "<= 5 ms", p99 <= 5)
    report.row(s, "max_ms", "max scheduleTime -> worker", round(lat[-1], 3), "ms")
    report.row(s, "early", "delivered before scheduleTime", sum(1 for v in lat if v < 0), "",
               "0", all(v >= 0 for v in lat))


def scenario_scale(args, report):
    target = args.scale_tasks
    queues = 100
    s = report.scenario("scale", f"{target:,} tasks waiting in {queues} paused queues, SQLite "
                        "file; memory, size, restart")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "scale.db")
        worker = Server([args.worker, "--port", "0", "--record", "light"])
        emu = Server(emulator_args(args, db), args.emulator_log)
        try:
            c = Client(emu.port)
            stored = fill_paused_queues(emu, c, "s", queues, target)
            create_queue(c, "hot")
            report.row(s, "tasks", "tasks waiting", stored, "")
            report.row(s, "rss_mb_loaded", "resident memory after loading", round(emu.rss_mb(), 1),
                       "MB", "<= 200 MB", emu.rss_mb() <= 200)
            report.row(s, "db_mb", "database size (with WAL)", round(db_size_mb(db), 1), "MB")
            # A task due just after the kill, to time the first dispatch after the restart.
            due = time.time() + 1
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(due)) + f".{int(due % 1 * 1e6):06d}Z"
            c.call("POST", f"/v2/{queue_name('hot')}/tasks",
                   {"task": {"scheduleTime": stamp,
                             "httpRequest": {"url": f"http://127.0.0.1:{worker.port}/hot"}}})
            emu.stop(signal.SIGKILL)
            time.sleep(max(0.0, due - time.time() + 0.2))
            spawn = time.monotonic()
            emu = Server(emulator_args(args, db), args.emulator_log)
            c = Client(emu.port)
            c.call("GET", f"/v2/{PROJECT_LOC}/queues?pageSize=1")
            serving = time.monotonic() - spawn
            w = Client(worker.port)
            wait_for("the first dispatch", lambda: worker_stats(w)["received"] >= 1, 60, 0.002)
            first = time.monotonic() - spawn
            report.row(s, "restart_serving_s", "kill -9, restart: serving again after",
                       round(serving, 3), "s", "<= 3 s", serving <= 3)
            report.row(s, "restart_first_dispatch_s", "restart: first dispatch after",
                       round(first, 3), "s")
            t = time.monotonic()
            page = c.call("GET", f"/v2/{queue_name('s7')}/tasks")
            report.row(s, "list_first_page_ms", f"ListTasks first page ({len(page['tasks'])} tasks)",
                       round((time.monotonic() - t) * 1000, 2), "ms")
            report.row(s, "rss_mb_restarted", "resident memory after the restart",
                       round(emu.rss_mb(), 1), "MB", "<= 200 MB", emu.rss_mb() <= 200)
        finally:
            emu.stop()
            worker.stop()


def scenario_metrics(args, report):
    target = args.scale_tasks
    queues = 1000
    scrapes = 5 if args.quick else 20
    s = report.scenario("metrics", f"GET /metrics with {target:,} tasks waiting in {queues:,} "
                        "paused queues (SQLite file)")
    with tempfile.TemporaryDirectory() as tmp:
        emu = Server(emulator_args(args, os.path.join(tmp, "metrics.db")), args.emulator_log)
        try:
            c = Client(emu.port)
            stored = fill_paused_queues(emu, c, "m", queues, target)
            times = []
            for _ in range(scrapes):
                took, size = scrape(emu.port)
                times.append(took)
            times.sort()
            report.row(s, "tasks", "tasks waiting", stored, "")
            report.row(s, "page_kb", "page size", round(size / 1024), "KB")
            report.row(s, "scrape_median_ms", f"scrape, median of {scrapes}",
                       round(percentile(times, 50), 1), "ms")
            report.row(s, "scrape_max_ms", f"scrape, slowest of {scrapes}", round(times[-1], 1),
                       "ms", "<= 50 ms", times[-1] <= 50)
        finally:
            emu.stop()


def scenario_dashboard(args, report):
    target = args.scale_tasks
    s = report.scenario("dashboard", f"the dashboard with {target:,} tasks waiting in one paused "
                        "queue (in-memory database): pages of tasks, by state; an idle dashboard")
    emu = Server(emulator_args(args, ":memory:"), args.emulator_log)
    try:
        c = Client(emu.port)
        stored = fill_paused_queues(emu, c, "d", 1, target)
        q = urllib.parse.quote(queue_name("d0"), safe="")
        report.row(s, "tasks", "tasks waiting in the queue", stored, "")
        ms, _ = timed_get(c, f"/v2/{queue_name('d0')}/tasks?pageSize=50")
        report.row(s, "list_tasks_ms", "ListTasks first page (50), median of 5", round(ms, 2), "ms")
        ms, page = timed_get(c, f"/emulator/v1/tasks?queue={q}&pageSize=50")
        report.row(s, "first_page_ms", f"the queue page's first page ({len(page['tasks'])} tasks, "
                   "any state), median of 5", round(ms, 2), "ms", "<= 1000 ms", ms <= 1000)
        ms, page = timed_get(c, f"/emulator/v1/tasks?queue={q}&state=due&pageSize=50")
        report.row(s, "due_page_ms", f"state=due first page ({len(page['tasks'])} tasks)",
                   round(ms, 2), "ms", "<= 1000 ms", ms <= 1000)
        ms, page = timed_get(c, f"/emulator/v1/tasks?queue={q}&state=retrying&pageSize=50")
        report.row(s, "no_match_call_ms", "state=retrying, none there: one call (20,000 tasks "
                   "looked at)", round(ms, 2), "ms", "<= 1000 ms", ms <= 1000)
        # What the page does for a filter that matches nothing: up to 25 calls, then it shows
        # what it has with a "next page" button.
        t = time.monotonic()
        token = ""
        for _ in range(25):
            page = c.call("GET", f"/emulator/v1/tasks?queue={q}&state=retrying&pageSize=50"
                          f"&pageToken={token}")
            token = page.get("nextPageToken", "")
        ms = (time.monotonic() - t) * 1000
        report.row(s, "no_match_page_ms", "state=retrying, none there: the page's 25 calls "
                   "(500,000 tasks)", round(ms, 1), "ms")
        idle = cpu_over(emu, 10)
        thread, got = events_client(emu.port, 10)
        watched = cpu_over(emu, 10)
        thread.join()
        report.row(s, "idle_cpu_ms", "emulator CPU over 10 s, no dashboard open",
                   round(idle * 1000), "ms")
        report.row(s, "events_cpu_ms", "emulator CPU over 10 s, one dashboard open (events)",
                   round(watched * 1000), "ms")
        report.row(s, "events_kb", "events sent in those 10 s", round(sum(got) / 1024, 1), "KB")
    finally:
        emu.stop()


def scenario_experiment(args, report):
    """One hour of 200/s arrivals, simulated (bench/experiment-hour.json): wall and CPU time."""
    scenario = os.path.join(HERE, "experiment-hour.json")
    s = report.scenario("experiment", "simulated: one hour of 200/s arrivals (720,000 tasks, "
                        "2 s worker, 5 % failures) on a 200/s, 1000-cap queue; run folder, no report")
    binary = os.path.join(os.path.dirname(args.emulator), "cloud-tasks-experiment")
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        before = os.times()
        subprocess.run([binary, "run", scenario, "--out", out, "--no-report"], check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.monotonic() - started
        after = os.times()
        with open(os.path.join(out, "summary.json")) as f:
            total = json.load(f)["total"]
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    report.row(s, "wall", "wall time of the run", round(wall, 1), "s", "<= 60", wall <= 60)
    report.row(s, "cpu", "CPU time of the run", round(cpu, 1), "s")
    report.row(s, "tasks", "tasks (all succeeded)", total["succeeded"], "", str(total["tasks"]),
               total["succeeded"] == total["tasks"] == 720_000)
    report.row(s, "attempts", "attempts simulated", total["attempts"], "")
    report.row(s, "per_second", "attempts simulated per wall second",
               round(total["attempts"] / wall), "/s")


SCENARIOS = {
    "enqueue": scenario_enqueue,
    "dispatch": scenario_dispatch,
    "durable": scenario_durable,
    "accuracy": scenario_accuracy,
    "concurrency": scenario_concurrency,
    "latency": scenario_latency,
    "scale": scenario_scale,
    "metrics": scenario_metrics,
    "dashboard": scenario_dashboard,
    "experiment": scenario_experiment,
    "metrics_ab": scenario_metrics_ab,
    "many_queues": scenario_many_queues,
    "time_scale": scenario_time_scale,
    "curve": scenario_curve,
}


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--only", default=",".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    ap.add_argument("--scale-tasks", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="enqueue runs per setup (median)")
    ap.add_argument("--emulator-log", help="append the emulator's warnings to this file")
    args = ap.parse_args()
    unknown = [n for n in args.only.split(",") if n not in SCENARIOS]
    if unknown:  # At once, before any scenario has run.
        ap.error(f"unknown scenario {', '.join(unknown)} in --only; "
                 f"valid names: {', '.join(SCENARIOS)}")
    for tool in ("wrk", "h2load"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing (make bench installs it)")
    report = Report()
    started = time.time()
    for name in args.only.split(","):
        SCENARIOS[name](args, report)
    print("\n| scenario | measurement | result | target | met |\n|---|---|---|---|---|")
    for row in report.rows:
        print("| " + " | ".join(row) + " |")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                   "machine": machine(), "quick": args.quick,
                   "scenarios": report.scenarios}, f, indent=2)
        f.write("\n")
    print(f"\nwritten to {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()

