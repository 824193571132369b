"""Disk full: the emulator's database on a small tmpfs that really fills up, with clients and
dispatch running, then space freed.

Set-up: a tmpfs of TMPFS_MB mounted in a temp dir (root only; skipped otherwise, or when the mount
is refused), the emulator on `<tmpfs>/tasks.db`, a worker in this process answering 200 to every
push, and one queue fast enough that dispatch runs throughout. Load: CREATORS threads creating
tasks with names of their own and a few KB of body, and readers calling GetQueue, ListTasks and
GetTask of acknowledged names. A filler file takes every free byte of the tmpfs while the load
runs (and whatever gets freed meanwhile), for a few seconds; then it is deleted and the load goes
on a little longer, stops, and the queue must drain.

Checked, with the figures printed:
- every failed write answered 503 with Google's error shape: status UNAVAILABLE and a message
  containing "disk is full"; at least one write failed (otherwise nothing was tested);
- every read answered 200, except GetTask's 404 for a task the worker had already answered 200;
- a CreateTask answered 503 never reached the worker (the write did not happen);
- once the space is back, creates succeed again without a restart, and none fails;
- every acknowledged task reached the worker with a 200, and only once; no task reached it that no
  client created; the queue drains (waitIdle, stats show 0 waiting and 0 in flight, ListTasks is
  empty);
- after SIGTERM and a restart on the same database, no task comes back: 0 waiting, and the worker
  receives nothing for RESTART_QUIET_S; the database passes PRAGMA integrity_check.

Run (as root): CTE_EMULATOR_BIN=build/bin/cloud-tasks-emulator \
     python3 -m unittest discover -s tests/python -p disk_full_test.py -v
"""

import base64
import collections
import errno
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from support import EMULATOR, ClientThreads, PushServer, call, eventually, start

TMPFS_MB = 16
LOC = "projects/diskfull/locations/l"
QUEUE = f"{LOC}/queues/q"
CREATORS = 8
BODY = base64.b64encode(random.Random(7).randbytes(3000)).decode()  # 3 KB, no better compressed.
WARMUP_CREATES = 200    # Acknowledged before the disk fills.
FULL_S = 2.5            # How long the load runs against the full disk (at least).
FULL_MAX_S = 10.0       # ... and at most, waiting for a first failed write.
AFTER_S = 3.0           # How long the load runs once the space is back (at least).
RESTART_QUIET_S = 3.0   # How long the worker must receive nothing after the restart.


class Worker:
    """Answers 200 to every push; records each one (full task name -> monotonic times)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = collections.defaultdict(list)
        self.count = 0
        self.server = PushServer(LOC, self.answer)
        self.url = self.server.url

    def answer(self, name):
        with self.lock:  # Noted before the answer goes out.
            self.deliveries[name].append(time.monotonic())
            self.count += 1
        return 200

    def delivered(self, name):
        with self.lock:
            return name in self.deliveries

    def close(self):
        self.server.close()


class Connection:
    """One keep-alive connection per client thread; (status, decoded JSON) or None (no answer)."""

    def __init__(self, base):
        self.base = base
        self.conn = None

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.base, timeout=20)
        try:
            self.conn.request(method, path, json.dumps(body) if body is not None else None,
                              {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.will_close:
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            return None
        try:
            return resp.status, json.loads(data or b"{}")
        except ValueError:
            return resp.status, {"unparsed": data.decode(errors="replace")}

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def error_key(answer):
    """(HTTP status, error.code, error.status, error.message) of an answer."""
    status, body = answer
    error = body.get("error", {}) if isinstance(body, dict) else {}
    return status, error.get("code"), error.get("status"), error.get("message", json.dumps(body)[:200])


class Load(ClientThreads):
    """Creators and readers; every answer is kept, sorted by the phase it came in."""

    def __init__(self, base, worker):
        super().__init__()
        self.base = base
        self.worker = worker
        self.phase = "before"  # "before", "full", "after": set by the test as it goes.
        self.lock = threading.Lock()
        self.acked = []                      # Names whose CreateTask answered 200.
        self.acked_in = collections.Counter()  # phase -> creates acknowledged
        self.tried = set()                   # Every name a CreateTask was sent for.
        self.failed = {}                     # Name -> error key, for creates that answered non-200.
        self.failed_in = collections.Counter()  # phase -> creates failed
        self.failed_after = set()            # Names of creates sent after the space came back.
        self.unanswered = []                 # (what, phase): requests that got no answer.
        self.reads = collections.Counter()   # (kind, phase) -> reads answered 200
        self.gone_after_delivery = 0         # GetTask 404s for tasks the worker had answered.
        self.bad_reads = []                  # (kind, path, phase, error key)
        for i in range(CREATORS):
            self.add_thread(self.create_loop, i)
        self.add_thread(self.queue_reader)
        self.add_thread(self.task_reader, 1)
        self.add_thread(self.task_reader, 2)

    def stop(self):
        super().stop(timeout=30)

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def failed_count(self, phase=None):
        with self.lock:
            return len(self.failed) if phase is None else self.failed_in[phase]

    def acked_in_phase(self, phase):
        with self.lock:
            return self.acked_in[phase]

    def create_loop(self, thread):
        conn = Connection(self.base)
        n = 0
        while not self.stopping.is_set():
            n += 1
            name = f"{QUEUE}/tasks/c{thread}-{n}"
            phase = self.phase
            with self.lock:
                self.tried.add(name)
            answer = conn.request("POST", f"/v2/{QUEUE}/tasks", {"task": {
                "name": name, "httpRequest": {"url": self.worker.url, "body": BODY}}})
            with self.lock:
                if answer is None:
                    self.unanswered.append(("CreateTask " + name, phase))
                elif answer[0] == 200:
                    self.acked.append(name)  # Only now is the task acknowledged.
                    self.acked_in[phase] += 1
                else:
                    self.failed[name] = error_key(answer)
                    self.failed_in[phase] += 1
                    if phase == "after":
                        self.failed_after.add(name)
            # Once the space is back, about 50 a second each: all together below the queue's
            # rate, so that a backlog does not fill the disk again.
            self.stopping.wait(0.015 if phase == "after" else 0.003)
        conn.close()

    def read(self, conn, kind, path, allow_404_if_delivered=None):
        phase = self.phase
        answer = conn.request("GET", path)
        with self.lock:
            if answer is None:
                self.unanswered.append((f"{kind} {path}", phase))
            elif answer[0] == 200:
                self.reads[(kind, phase)] += 1
            elif answer[0] == 404 and allow_404_if_delivered and self.worker.delivered(
                    allow_404_if_delivered):
                self.reads[(kind, phase)] += 1
                self.gone_after_delivery += 1
            else:
                self.bad_reads.append((kind, path, phase, error_key(answer)))

    def queue_reader(self):
        conn = Connection(self.base)
        while not self.stopping.is_set():
            self.read(conn, "GetQueue", f"/v2/{QUEUE}")
            self.read(conn, "ListTasks", f"/v2/{QUEUE}/tasks?pageSize=20")
            self.stopping.wait(0.005)
        conn.close()

    def task_reader(self, seed):
        rng = random.Random(seed)
        conn = Connection(self.base)
        while not self.stopping.is_set():
            with self.lock:
                name = self.acked[rng.randrange(len(self.acked))] if self.acked else None
            if name is None:
                self.stopping.wait(0.01)
                continue
            self.read(conn, "GetTask", f"/v2/{name}", allow_404_if_delivered=name)
            self.stopping.wait(0.005)
        conn.close()


class Filler:
    """Takes every free byte of a file system, and keeps taking what gets freed until released."""

    def __init__(self, path):
        self.path = path
        self.file = open(path, "wb", buffering=0)
        self.bytes = 0
        self.enospc = 0
        self.stopping = threading.Event()
        self.fill(1 << 16)
        self.thread = threading.Thread(target=self.top_up, daemon=True)
        self.thread.start()

    def fill(self, chunk_size):
        """Writes until ENOSPC; returns the bytes written."""
        chunk = b"\xa5" * chunk_size
        written = 0
        while True:
            try:
                n = self.file.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                self.enospc += 1
                self.bytes += written
                return written
            written += n

    def top_up(self):
        while not self.stopping.wait(0.01):
            self.fill(4096)

    def release(self):
        self.stopping.set()
        self.thread.join()
        self.file.close()
        os.remove(self.path)


def mount_tmpfs(test, megabytes):
    """A tmpfs of `megabytes` in a temp dir, unmounted at cleanup; skips when that is not possible."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to mount a tmpfs")
    mnt = tempfile.mkdtemp(prefix="cte-diskfull-mnt-")
    test.addCleanup(os.rmdir, mnt)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs",
                              mnt], capture_output=True, text=True)
    if mounted.returncode != 0:
        raise unittest.SkipTest(f"mount -t tmpfs failed: {mounted.stderr.strip()}")

    def unmount():
        if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mnt], check=True)

    test.addCleanup(unmount)
    return mnt


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mnt = mount_tmpfs(self, TMPFS_MB)
        self.tmp = tempfile.mkdtemp(prefix="cte-diskfull-")  # Not on the tmpfs: the log, a copy.
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.db = os.path.join(self.mnt, "tasks.db")
        self.log_path = os.path.join(self.tmp, "emulator.log")
        self.log = open(self.log_path, "a")
        self.addCleanup(self.log.close)
        self.worker = Worker()
        self.addCleanup(self.worker.close)
        self.procs = []
        self.addCleanup(self.kill_all)  # Runs before the unmount (cleanups run last first).

    def kill_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()

    def boot(self):
        proc, url = start([EMULATOR, "--port", "0", "--db", self.db, "--log-level", "warn"],
                          stderr=self.log)
        self.procs.append(proc)
        return proc, url

    def terminate(self, proc):
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("the emulator did not stop within 20 s of SIGTERM")
        self.assertEqual(code, 0, "exit code after SIGTERM")

    def log_tail(self, lines=20):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return "".join(collections.deque(f, lines))

    def tmpfs_files(self):
        return ", ".join(f"{f} {os.path.getsize(os.path.join(self.mnt, f))}"
                         for f in sorted(os.listdir(self.mnt)))

    def queue_stats(self, url):
        """The queue's entry in /emulator/v1/stats (listed once the dispatcher has loaded it)."""
        def find():
            return next((q for q in call("GET", f"{url}/emulator/v1/stats")["queues"]
                         if q["name"] == QUEUE), None)
        return eventually("the queue in the stats", find, timeout=10)

    def test_full_disk_then_space_back(self):
        try:
            self.run_scenario()
        except BaseException:
            print(f"\nlast lines of the emulator's log:\n{self.log_tail()}", file=sys.stderr)
            print(f"tmpfs: {free_bytes(self.mnt)} bytes free; {self.tmpfs_files()}", file=sys.stderr)
            raise

    def run_scenario(self):
        t0 = time.monotonic()
        emulator, url = self.boot()
        call("POST", f"{url}/v2/{LOC}/queues", {
            "name": QUEUE,
            "rateLimits": {"maxDispatchesPerSecond": 500, "maxConcurrentDispatches": 50},
            "retryConfig": {"maxAttempts": -1, "minBackoff": "0.1s", "maxBackoff": "0.5s"}})
        load = Load(url.split("://", 1)[1], self.worker)
        load.start()
        try:
            eventually("creates before the fill", lambda: load.acked_count() >= WARMUP_CREATES,
                       timeout=15)
            free_at_fill = free_bytes(self.mnt)
            load.phase = "full"
            full_at = time.monotonic()
            filler = Filler(os.path.join(self.mnt, "filler"))
            try:
                # FULL_S at least, and until a write failed (checked below) up to FULL_MAX_S.
                eventually("the full-disk period", lambda: time.monotonic() >= full_at + FULL_S and (
                    load.failed_count() > 0 or time.monotonic() >= full_at + FULL_MAX_S),
                    timeout=FULL_MAX_S + 1)
            finally:
                filler.release()
                freed_at = time.monotonic()
                load.phase = "after"  # Requests sent from now on find the space back.
            eventually("a create acknowledged after the space came back",
                       lambda: load.acked_in_phase("after") > 0, timeout=15)
            eventually("the load running after the space came back",
                       lambda: time.monotonic() >= freed_at + AFTER_S, timeout=AFTER_S + 1)
        finally:
            load.stop()
        stopped_at = time.monotonic()

        # The queue drains without a restart.
        call("POST", f"{url}/emulator/v1:waitIdle", {"includeScheduled": True, "timeout": "30s"},
             timeout=40)
        drained_at = time.monotonic()
        stats = self.queue_stats(url)
        self.assertEqual((stats["tasksWaiting"], stats["inFlight"]), (0, 0), f"stats: {stats}")
        self.assertEqual(call("GET", f"{url}/v2/{QUEUE}/tasks").get("tasks", []), [],
                         "tasks left in the queue")

        failures = collections.Counter(load.failed.values())
        bad_writes = {k: n for k, n in failures.items()
                      if not (k[0] == 503 and k[1] == 503 and k[2] == "UNAVAILABLE"
                              and "disk is full" in k[3])}
        with self.worker.lock:
            deliveries = {n: list(t) for n, t in self.worker.deliveries.items()}
        duplicates = {n: t for n, t in deliveries.items() if len(t) > 1}
        rel = lambda t: round(t - full_at, 3)  # noqa: E731
        print(f"\ndisk full: tmpfs {TMPFS_MB} MB, {free_at_fill} bytes free at the fill, "
              f"filler {filler.bytes} bytes ({filler.enospc} ENOSPC); full for "
              f"{freed_at - full_at:.1f} s", file=sys.stderr)
        for phase in ("before", "full", "after"):
            reads = {k: n for (k, p), n in load.reads.items() if p == phase}
            print(f"  {phase}: creates {load.acked_in[phase]} acknowledged, "
                  f"{load.failed_in[phase]} failed; reads answered {reads}", file=sys.stderr)
        for key, n in failures.most_common():
            print(f"  {n} x HTTP {key[0]} {{code {key[1]}, status {key[2]}, message {key[3]!r}}}",
                  file=sys.stderr)
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            failed_steps = sum("dispatch step failed" in line for line in f)
        print(f"  GetTask 404 after delivery: {load.gone_after_delivery}; reads failed: "
              f"{len(load.bad_reads)}; no answer: {len(load.unanswered)}; dispatcher steps that "
              f"could not be recorded: {failed_steps}", file=sys.stderr)
        print(f"  worker: {sum(len(t) for t in deliveries.values())} deliveries of "
              f"{len(deliveries)} tasks, {len(duplicates)} delivered more than once "
              f"{ {n.rsplit('/', 1)[1]: [rel(t) for t in ts] for n, ts in list(duplicates.items())[:5]} }; "
              f"drained {drained_at - stopped_at:.1f} s after the load stopped; tmpfs: "
              f"{free_bytes(self.mnt)} bytes free, {self.tmpfs_files()}", file=sys.stderr)

        self.assertGreater(load.failed_count("full"), 0,
                           "no write failed while the disk was full: nothing was tested")
        self.assertEqual(bad_writes, {}, "failed writes not answered 503 UNAVAILABLE 'disk is full'")
        after = collections.Counter(k for n, k in load.failed.items() if n in load.failed_after)
        self.assertEqual(after, {}, "creates failed after the space came back")
        self.assertEqual(load.bad_reads[:10], [], f"{len(load.bad_reads)} reads failed")
        self.assertEqual(load.unanswered[:10], [], f"{len(load.unanswered)} requests got no answer")
        lost = [n for n in load.acked if n not in deliveries]
        self.assertEqual(lost[:10], [], f"{len(lost)} acknowledged tasks never delivered")
        unknown = [n for n in deliveries if n not in load.tried]
        self.assertEqual(unknown[:10], [], f"{len(unknown)} tasks delivered that no client created")
        ghosts = [n for n in load.failed if n in deliveries]
        self.assertEqual(ghosts[:10], [], f"{len(ghosts)} creates answered an error were delivered")
        # No kill here: an outcome that could not be recorded is recorded later, never re-sent.
        self.assertEqual(list(duplicates)[:10], [], f"{len(duplicates)} tasks delivered twice")

        # A restart on the same database brings nothing back.
        self.terminate(emulator)
        emulator, url = self.boot()
        before = self.worker.count
        stats = self.queue_stats(url)
        self.assertEqual((stats["tasksWaiting"], stats["inFlight"]), (0, 0),
                         f"after the restart: {stats}")
        quiet_until = time.monotonic() + RESTART_QUIET_S
        eventually("the quiet period after the restart",
                   lambda: self.worker.count != before or time.monotonic() >= quiet_until,
                   timeout=RESTART_QUIET_S + 5)
        with self.worker.lock:
            again = sum(len(t) for t in self.worker.deliveries.values()) - sum(
                len(t) for t in deliveries.values())
        self.assertEqual(again, 0, "tasks delivered again after the restart")
        self.assertEqual(call("GET", f"{url}/v2/{QUEUE}/tasks").get("tasks", []), [],
                         "tasks back after the restart")
        self.terminate(emulator)
        copy = os.path.join(self.tmp, "copy.db")
        for suffix in ("", "-wal"):
            if os.path.exists(self.db + suffix):
                shutil.copyfile(self.db + suffix, copy + suffix)
        conn = sqlite3.connect(copy)
        try:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            conn.close()
        print(f"  restart: 0 waiting, nothing delivered in {RESTART_QUIET_S:.0f} s; integrity ok; "
              f"total {time.monotonic() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
