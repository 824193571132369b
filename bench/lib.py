"""What the benchmarks of bench/run.py share: our binaries as processes, a JSON client, the load
generators (wrk for REST, h2load for gRPC) and the report. Standard library only."""
import argparse
import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_LOC = "projects/bench/locations/us-central1"
PAYLOAD = b"ABC" * 341 + b"A"  # 1024 bytes; create_task.lua sends the same bytes in base64.

def log(msg):
    print(f"  .. {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes and HTTP


class Server:
    """A binary of ours that prints '... listening on http://HOST:PORT' when ready."""

    def __init__(self, argv, log=None):
        self.argv = argv
        self.started = time.monotonic()
        err = open(log, "a") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r":(\d+)\s*$", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"{argv[0]} did not start: {line!r}")
        self.port = int(m.group(1))
        self.ready_after = time.monotonic() - self.started
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def written_bytes(self):
        """Bytes passed to write calls so far (/proc/PID/io wchar: files and sockets alike)."""
        with open(f"/proc/{self.proc.pid}/io") as f:
            return int(re.search(r"^wchar: (\d+)", f.read(), re.M).group(1))

    def thread_cpu_seconds(self):
        """CPU seconds so far of each thread, summed by thread name (cte-executor, ...)."""
        out = {}
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/stat") as f:
                    head, rest = f.read().rsplit(")", 1)
            except OSError:
                continue  # The thread ended meanwhile.
            name = head.split("(", 1)[1]
            fields = rest.split()
            ticks = int(fields[11]) + int(fields[12])
            out[name] = out.get(name, 0) + ticks / os.sysconf("SC_CLK_TCK")
        return out

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        out = json.loads(raw) if raw else {}
        if resp.status != 200:
            raise RuntimeError(f"{method} {path}: {resp.status} {raw[:300]!r}")
        return out


def queue_name(qid):
    return f"{PROJECT_LOC}/queues/{qid}"


def create_queue(c, qid, rate=500, concurrent=1000, paused=False):
    c.call("POST", f"/v2/{PROJECT_LOC}/queues",
           {"name": queue_name(qid),
            "rateLimits": {"maxDispatchesPerSecond": rate, "maxConcurrentDispatches": concurrent},
            "retryConfig": {"maxAttempts": 1}})
    if paused:
        c.call("POST", f"/v2/{queue_name(qid)}:pause", {})


def stats(c):
    return {q["name"].rsplit("/", 1)[1]: q for q in c.call("GET", "/emulator/v1/stats")["queues"]}


def waiting(c):
    return sum(q["tasksWaiting"] + q["inFlight"] for q in stats(c).values())


def wait_for(what, predicate, timeout, every=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def worker_stats(w):
    return w.call("GET", "/_worker/stats")


# ---------------------------------------------------------------- load generators


def wrk(port, prefix, queues, seconds, connections=128, threads=1, task_url=None):
    env = dict(os.environ, CTE_BENCH_QUEUE_PREFIX=f"/v2/{PROJECT_LOC}/queues/{prefix}",
               CTE_BENCH_QUEUES=str(queues))
    if task_url:
        env["CTE_BENCH_TASK_URL"] = task_url
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", os.path.join(HERE, "create_task.lua"), f"http://127.0.0.1:{port}/"],
        env=env, capture_output=True, text=True, check=True).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    duration = float(m.group(2)) * {"ms": 1e-3, "s": 1, "m": 60}[m.group(3)]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1, "s": 1e3}
    return {"requests": int(m.group(1)), "seconds": duration,
            "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload):
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def create_task_frame(parent, url="http://127.0.0.1:9/bench"):
    """A gRPC frame holding CreateTaskRequest{parent, task{http_request{url, body}}}."""
    http_request = field(1, url.encode()) + field(4, PAYLOAD)
    request = field(1, parent.encode()) + field(2, field(3, http_request))
    return b"\x00" + struct.pack(">I", len(request)) + request


def h2load(port, queue, seconds, clients=8, streams=16):
    """Closed-loop gRPC CreateTask calls for `seconds`: calls done, seconds, client-side p99 (ms,
    from h2load's per-request log)."""
    with tempfile.TemporaryDirectory() as tmp:
        body = os.path.join(tmp, "request.bin")
        with open(body, "wb") as f:
            f.write(create_task_frame(queue_name(queue)))
        requests_log = os.path.join(tmp, "requests.log")
        out = subprocess.run(
            ["h2load", "-D", str(seconds), "-c", str(clients), "-m", str(streams), "-t", "1",
             "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers",
             "--log-file", requests_log,
             f"http://127.0.0.1:{port}/google.cloud.tasks.v2.CloudTasks/CreateTask"],
            capture_output=True, text=True, check=True).stdout
        with open(requests_log) as f:
            took = sorted(int(line.split("\t")[2]) / 1000 for line in f if line.strip())
    m = re.search(r"finished in ([\d.]+)(m?s)", out)
    duration = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    return {"requests": int(done.group(1)), "seconds": duration,
            "p99_ms": round(percentile(took, 99), 1) if took else None}


class Report:
    def __init__(self):
        self.rows = []
        self.scenarios = []

    def scenario(self, name, setup):
        s = {"name": name, "setup": setup, "results": {}}
        self.scenarios.append(s)
        print(f"\n== {name}: {setup}", flush=True)
        return s

    def row(self, scenario, key, label, value, unit, target=None, ok=None):
        scenario["results"][key] = {"value": value, "unit": unit, "target": target, "met": ok}
        if isinstance(value, str):
            shown = value
        elif isinstance(value, float):
            shown = f"{value:,.1f}"
        else:
            shown = f"{value:,}"
        verdict = "" if ok is None else ("yes" if ok else "NO")
        row = (scenario["name"], label, f"{shown} {unit}", target or "", verdict)
        self.rows.append(row)
        print(f"   {label:<44} {shown:>12} {unit:<10} {target or '':<14} {verdict}", flush=True)


def emulator_args(args, db, extra=()):
    level = "warn" if args.emulator_log else "off"
    return [args.emulator, "--port", "0", "--db", db, "--log-level", level, *extra]


@contextlib.contextmanager
def emulator_and_worker(args, worker_flags=(), emulator_flags=(), db=None):
    """An emulator (in memory, or on a SQLite file named `db` in a temporary folder) and a
    light-recording worker, and a client of each."""
    with tempfile.TemporaryDirectory() as tmp:
        worker = Server([args.worker, "--port", "0", "--record", "light", *worker_flags])
        emu = None
        try:
            path = os.path.join(tmp, db) if db else ":memory:"
            emu = Server(emulator_args(args, path, emulator_flags), args.emulator_log)
            yield emu, worker, Client(emu.port), Client(worker.port)
        finally:
            if emu:
                emu.stop()
            worker.stop()


def fill_paused_queue(c, qid, n, url, rate=500):
    """Creates a paused queue holding `n` tasks due now, all pushed to `url`."""
    create_queue(c, qid, rate=rate, paused=True)
    body = {"task": {"httpRequest": {"url": url}}}
    for _ in range(n):
        c.call("POST", f"/v2/{queue_name(qid)}/tasks", body)


def enqueue_once(args, transport, db, seconds, scraped=False):
    """One enqueue run on a fresh emulator: (stored per second, answered, stored, CPU, p99).
    With `scraped`, GET /metrics once a second meanwhile, as a Prometheus server would."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.db") if db == "file" else ":memory:"
        emu = Server(emulator_args(args, path), args.emulator_log)
        stop = threading.Event()

        def scrape_each_second():
            while not stop.wait(1.0):
                scrape(emu.port)

        scraper = threading.Thread(target=scrape_each_second, daemon=True)
        try:
            c = Client(emu.port)
            create_queue(c, "q0", paused=True)
            if scraped:
                scraper.start()
            cpu0 = emu.cpu_seconds()
            if transport == "grpc":
                run = h2load(emu.port, "q0", seconds)
            else:
                run = wrk(emu.port, "q", 1, seconds)
            cpu = emu.cpu_seconds() - cpu0
            stop.set()
            if scraped:
                scraper.join()
            stored = waiting(c)
        finally:
            stop.set()
            emu.stop()
    return stored / run["seconds"], run["requests"], stored, cpu, run.get("p99_ms")


def rfc3339_seconds(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def attempt_times(c, queue):
    """The emulator's dispatch times of every attempt on `queue`, from its attempt log."""
    times, token = [], ""
    while True:
        page = c.call("GET", f"/emulator/v1/attempts?queue={queue_name(queue)}&pageSize=10000"
                      + (f"&pageToken={token}" if token else ""))
        times += [rfc3339_seconds(a["dispatchTime"]) for a in page.get("attempts", [])]
        token = page.get("nextPageToken")
        if not token:
            return sorted(times)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def db_size_mb(path):
    return sum(os.path.getsize(p) for p in (path, path + "-wal", path + "-shm")
               if os.path.exists(p)) / 1e6


def fill_paused_queues(emu, c, prefix, queues, target):
    """Creates `queues` paused queues named prefix0, prefix1, ... and fills them round-robin with
    wrk until at least `target` tasks wait; returns how many do."""
    for i in range(queues):
        create_queue(c, f"{prefix}{i}", paused=True)
    stored = 0
    t0 = time.monotonic()
    while stored < target:
        left = target - stored
        wrk(emu.port, prefix, queues, max(2, min(20, math.ceil(left / 12000))))
        stored = waiting(c)
        log(f"{stored:,} tasks stored ({time.monotonic() - t0:.0f} s)")
    return stored


def scrape(port):
    """One GET /metrics on a new connection, as Prometheus makes it: (milliseconds to the last
    byte, bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.monotonic()
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read()
        took = (time.monotonic() - started) * 1000
        if resp.status != 200:
            raise RuntimeError(f"GET /metrics: {resp.status} {body[:300]!r}")
        return took, len(body)
    finally:
        conn.close()


def timed_get(c, path, runs=5):
    """The median milliseconds of `runs` GETs of `path`, and the last answer."""
    times = []
    for _ in range(runs):
        t = time.monotonic()
        out = c.call("GET", path)
        times.append((time.monotonic() - t) * 1000)
    times.sort()
    return percentile(times, 50), out


def cpu_over(emu, seconds):
    before = emu.cpu_seconds()
    time.sleep(seconds)
    return emu.cpu_seconds() - before


def events_client(port, seconds):
    """Holds /emulator/v1/events open for `seconds` in a thread, reading what comes; returns the
    thread and a list that collects the bytes read."""
    got = []

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/emulator/v1/events")
        resp = conn.getresponse()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            got.append(len(resp.read1(65536)))
        conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, got


def rate_figures(rel, rate, burst, window=10.0):
    """How dispatch times `rel` (sorted, seconds since the queue was let go) keep a queue's rate
    and burst: the most dispatches ever ahead of the line rate * t ("burst"), the worst deviation
    from `rate` of the `window`-second windows from 1 s on sliding by 1 s ("worst_pct" over
    "windows"), the rate after the burst ("overall") and the most dispatches in any interval
    beyond burst + rate * its length ("over_bucket", <= 0 when the token bucket holds)."""
    out = {"burst": max(j + 1 - rate * t for j, t in enumerate(rel))}
    end = rel[-1]
    worst, start, windows = 0.0, 1.0, 0
    while start + window <= end:
        count = sum(1 for t in rel if start <= t < start + window)
        worst = max(worst, abs(count / window - rate) / rate * 100)
        start += 1
        windows += 1
    out.update(worst_pct=worst, windows=windows)
    out["overall"] = (len(rel) - burst) / (end - rel[0]) if end > rel[0] else float("nan")
    best, low = -math.inf, math.inf
    for j, t in enumerate(rel):
        low = min(low, j - rate * t)
        best = max(best, (j - rate * t) - low + 1 - burst)
    out["over_bucket"] = best
    return out
