"""The latency-versus-load curve: CreateTask over REST and gRPC, in memory and on a SQLite file,
at 25, 50, 75 and 100 % of the rate measured with as many requests in flight as the client
allows. Open loop: h2load --rps sends at a constant rate whatever the answers, so that queueing
shows in the latency. Standard library only; the plot is drawn by bench/plot_curve.py."""
import json
import os
import subprocess
import tempfile

from lib import PAYLOAD, HERE, Client, Server, create_queue, create_task_frame, emulator_args, \
    percentile, queue_name, waiting

LEVELS = (25, 50, 75, 100)
# Connections and requests in flight on each. h2load --rps starts every client's send timer at
# once, and with several streams a connection sends a burst at each tick: with 8 connections x 16
# streams, a 25 % load of gRPC calls met 2.3 ms at p50 where 8 x 1 met 0.34 ms, the rest being
# the generator's bursts. So both transports use 16 connections with one call in flight each
# (REST reaches the same maximum with 16 connections as with 128); the 100 % of these curves is
# the closed-loop maximum of that shape, below `enqueue`'s (which keeps 128 calls in flight).
SHAPE = {"rest": (16, 1), "grpc": (16, 1)}


def request_file(transport, queue, tmp):
    """The body h2load sends: a gRPC frame, or the JSON of the REST call (1 KB body)."""
    path = os.path.join(tmp, f"{transport}.body")
    if transport == "grpc":
        data = create_task_frame(queue_name(queue))
    else:
        import base64
        data = json.dumps({"task": {"httpRequest": {
            "url": "http://127.0.0.1:9/bench", "body": base64.b64encode(PAYLOAD).decode()}}})
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)
    return path


def run_h2load(port, transport, queue, seconds, tmp, rate=None):
    """h2load for `seconds`, closed loop or at `rate` per second in all; the latencies (ms,
    sorted) of the calls answered 200, and the seconds it ran."""
    clients, streams = SHAPE[transport]
    log_file = os.path.join(tmp, "h2load.log")
    argv = ["h2load", "-D", str(seconds), "-c", str(clients), "-m", str(streams), "-t", "1",
            "-d", request_file(transport, queue, tmp), "--log-file", log_file]
    if rate:
        argv += ["--rps", f"{rate / clients:.3f}"]
    if transport == "grpc":
        argv += ["-H", "content-type: application/grpc", "-H", "te: trailers",
                 f"http://127.0.0.1:{port}/google.cloud.tasks.v2.CloudTasks/CreateTask"]
    else:
        argv += ["--h1", "-H", "content-type: application/json",
                 f"http://127.0.0.1:{port}/v2/{queue_name(queue)}/tasks"]
    subprocess.run(argv, capture_output=True, text=True, check=True)
    latencies, first, last = [], None, None
    with open(log_file) as f:
        for line in f:
            start_us, status, took_us = (int(x) for x in line.split("\t")[:3])
            if status == 200:
                latencies.append(took_us / 1000)
            first = start_us if first is None else min(first, start_us)
            last = start_us + took_us if last is None else max(last, start_us + took_us)
    os.unlink(log_file)
    elapsed = (last - first) / 1e6 if latencies else float(seconds)
    return sorted(latencies), elapsed


def one_setup(args, transport, db, seconds, tmp):
    """The closed-loop maximum, then each level of it: [(level, rate asked, rate done, p50,
    p99, p99.9)]."""
    points = []
    for level in (None,) + LEVELS:
        path = os.path.join(tmp, f"curve-{level}.db") if db == "file" else ":memory:"
        emu = Server(emulator_args(args, path), args.emulator_log)
        try:
            c = Client(emu.port)
            create_queue(c, "q0", paused=True)
            asked = None if level is None else points[0][2] * level / 100
            lat, elapsed = run_h2load(emu.port, transport, "q0", seconds, tmp, asked)
            stored = waiting(c)
        finally:
            emu.stop()
            for suffix in ("", "-wal", "-shm", ".lock"):
                if db == "file" and os.path.exists(path + suffix):
                    os.unlink(path + suffix)
        points.append((level or "max", asked, stored / elapsed, percentile(lat, 50),
                       percentile(lat, 99), percentile(lat, 99.9)))
    return points


def scenario_curve(args, report):
    seconds = 4 if args.quick else 10
    curves = {}
    with tempfile.TemporaryDirectory() as tmp:
        for transport in ("rest", "grpc"):
            for db in (":memory:", "file"):
                clients, streams = SHAPE[transport]
                s = report.scenario(
                    f"latency curve {transport} {db}",
                    f"CreateTask (1 KB body) at 25/50/75/100 % of the closed-loop maximum, open "
                    f"loop (h2load --rps, {clients} connections x {streams} in flight), "
                    f"{seconds} s each, client-side latency")
                points = one_setup(args, transport, db, seconds, tmp)
                curves[f"{transport} {db}"] = points
                for level, asked, done, p50, p99, p999 in points:
                    what = "closed loop" if level == "max" else f"{level} % ({asked:,.0f}/s asked)"
                    report.row(s, f"rate_{level}", f"{what}: stored per second", round(done), "/s")
                    report.row(s, f"p50_{level}", f"{what}: p50", round(p50, 2), "ms")
                    report.row(s, f"p99_{level}", f"{what}: p99", round(p99, 2), "ms")
                    report.row(s, f"p999_{level}", f"{what}: p99.9", round(p999, 2), "ms")
    out = os.path.join(HERE, "results", "latency_curve.json")
    with open(out, "w") as f:
        json.dump(curves, f, indent=1)
        f.write("\n")
    plot = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "plot_curve.py"), out],
                          capture_output=True, text=True)
    print(plot.stdout.strip() or plot.stderr.strip(), flush=True)
