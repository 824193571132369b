#!/usr/bin/env python3
"""Where the time of the `durable` scenario goes, per task and per thread: the emulator on a SQLite
file, 100 running queues (500/s, cap 1000), wrk enqueueing for a while, then the backlog drained;
every task enqueued, dispatched to cloud-tasks-worker, answered 200 and deleted.

    python3 bench/durable_profile.py --emulator build-release/bin/cloud-tasks-emulator \
        --worker build-release/bin/cloud-tasks-worker [--seconds 15] [--callgrind DIR] \
        [--backlog] [--memory] [--perf FILE]

With --backlog, the queues are paused while wrk enqueues, then resumed: the figures are those of
the drain alone (the `dispatch` scenario's workload); --memory runs on an in-memory database.

Prints CPU time per task of each thread (from /proc), and the worker's, or with --callgrind, runs the emulator
under valgrind's callgrind (one profile per thread, counters zeroed once the queues exist) and
prints instructions per task of each thread and SQLite statements stepped per task. Instruction
counts do not depend on what else the machine runs, CPU times do.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import (HERE, PROJECT_LOC, Client, Server, create_queue, wait_for,  # noqa: E402
                 waiting, worker_stats)

QUEUES = 100


def load(port, worker_port, seconds, connections):
    env = dict(os.environ, CTE_BENCH_QUEUE_PREFIX=f"/v2/{PROJECT_LOC}/queues/e",
               CTE_BENCH_QUEUES=str(QUEUES),
               CTE_BENCH_TASK_URL=f"http://127.0.0.1:{worker_port}/task")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "-s",
         os.path.join(HERE, "create_task.lua"), f"http://127.0.0.1:{port}/"],
        env=env, capture_output=True, text=True, check=True).stdout
    return int(re.search(r"(\d+) requests in", out).group(1))


def thread_of(profile):
    """The thread a callgrind profile belongs to, by the functions it ran."""
    with open(profile, errors="replace") as f:
        text = f.read()
    for marker, name in (("Executor::Loop", "cte-executor"), ("WalCheckpointer", "cte-checkpoint")):
        if marker in text:
            return name, text
    return "cloud-tasks-emu" if profile.endswith("-01") else "other", text


def callgrind_figures(pattern, tasks):
    by_thread, steps = {}, {}
    for profile in sorted(glob.glob(pattern)):
        name, text = thread_of(profile)
        m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        by_thread[name] = by_thread.get(name, 0) + (int(m.group(1)) if m else 0)
        # Calls to sqlite3_step: "cfn=(id) sqlite3_step" or "cfn=(id)" once named, then "calls=".
        ids = set(re.findall(r"\((\d+)\) sqlite3_step\n", text))
        n = 0
        for cfn, calls in re.findall(r"^cfn=\((\d+)\).*\ncalls=(\d+)", text, re.M):
            if cfn in ids:
                n += int(calls)
        steps[name] = steps.get(name, 0) + n
    for name, ir in sorted(by_thread.items(), key=lambda kv: -kv[1]):
        print(f"  {name:16} {ir / tasks:10,.0f} instructions/task  "
              f"{steps.get(name, 0) / tasks:5.2f} sqlite3_step/task")
    print(f"  {'all':16} {sum(by_thread.values()) / tasks:10,.0f} instructions/task")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--emulator", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--seconds", type=int, default=15)
    p.add_argument("--connections", type=int, default=128)
    p.add_argument("--callgrind", help="a folder for the profiles")
    p.add_argument("--backlog", action="store_true", help="measure the drain of a backlog")
    p.add_argument("--memory", action="store_true", help="an in-memory database")
    p.add_argument("--perf", help="a perf.data file: `perf record` of the emulator and the worker meanwhile")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        worker = Server([args.worker, "--port", "0", "--record", "light"])
        db = ":memory:" if args.memory else os.path.join(tmp, "d.db")
        argv = [args.emulator, "--port", "0", "--db", db,
                "--log-level", "off"]
        if args.callgrind:
            os.makedirs(args.callgrind, exist_ok=True)
            for old in glob.glob(os.path.join(args.callgrind, "cg.*")):
                os.remove(old)
            argv = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
                    f"--callgrind-out-file={args.callgrind}/cg.%p"] + argv
        emu = Server(argv)
        try:
            c, w = Client(emu.port), Client(worker.port)
            for i in range(QUEUES):
                create_queue(c, f"e{i}", paused=args.backlog)
            if args.backlog:
                sent = load(emu.port, worker.port, args.seconds, args.connections)
            pid = emu.proc.pid
            if args.callgrind:
                subprocess.run(["callgrind_control", "-z", str(pid)], check=True,
                               capture_output=True)
            cpu0, written0 = emu.thread_cpu_seconds(), emu.written_bytes()
            worker_cpu0 = sum(worker.thread_cpu_seconds().values())
            perf = None
            if args.perf:
                perf = subprocess.Popen(["perf", "record", "-q", "--call-graph", "dwarf,16384",
                                         "-F", "499", "-p", f"{pid},{worker.proc.pid}", "-o", args.perf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = time.monotonic()
            if args.backlog:
                for i in range(QUEUES):
                    c.call("POST", f"/v2/{PROJECT_LOC}/queues/e{i}:resume", {})
            else:
                sent = load(emu.port, worker.port, args.seconds, args.connections)
            wait_for("the backlog to drain", lambda: waiting(c) == 0, 600, every=0.5)
            took = time.monotonic() - t0
            cpu, written = emu.thread_cpu_seconds(), emu.written_bytes() - written0
            worker_cpu = sum(worker.thread_cpu_seconds().values()) - worker_cpu0
            if perf:
                perf.send_signal(2)
                perf.wait()
            if args.callgrind:
                subprocess.run(["callgrind_control", "-d", str(pid)], check=True,
                               capture_output=True)
            delivered = worker_stats(w)["received"]
        finally:
            emu.stop()
            worker.stop()
    print(f"{sent:,} enqueued, {delivered:,} delivered in {took:.1f} s "
          f"({delivered / took:,.0f}/s)")
    print(f"  written          {written / max(delivered, 1) / 1024:8.1f} KB/task "
          "(writes to files: the WAL and the database)")
    for name in sorted(cpu, key=lambda n: -(cpu[n] - cpu0.get(n, 0))):
        us = (cpu[name] - cpu0.get(name, 0)) / max(delivered, 1) * 1e6
        if us >= 0.5:
            print(f"  {name:16} {us:8.1f} us CPU/task")
    print(f"  {'the worker':16} {worker_cpu / max(delivered, 1) * 1e6:8.1f} us CPU/task "
          "(all its threads)")
    if args.callgrind:
        callgrind_figures(os.path.join(args.callgrind, f"cg.{pid}.1-*"), delivered)


if __name__ == "__main__":
    main()
