"""Crash loop: SIGKILL the emulator at random moments under load, restart it on the same database,
and prove that nothing acknowledged is lost.

Load: CreateTask with generated names, DeleteTask of acknowledged tasks, pause/resume of queues,
and dispatches to a worker that fails about one request in five. The emulator is killed with
SIGKILL at a random moment CTE_CRASH_KILLS times (20 by default; `make test` runs 5) and started
again on the same file. Then the load stops, every queue is resumed and the emulator drains.

Checked:
- every task whose CreateTask was acknowledged reached the worker with a 2xx at least once, or a
  client deleted it (an acknowledged DeleteTask, or one cut off by a kill);
- the worker never saw a task that no client tried to create;
- a task delivered with a 2xx more than once had its first 2xx answer at most 3 s before a kill
  (the emulator had no time to record it) or at most 2 s after one (the worker answered a request
  the killed emulator had sent): duplicates come only from dispatches in flight at a kill, and
  none from the final drain; they are counted and printed;
- every task delivered with a 2xx more than once was in flight in the database a kill left (read
  from the copy taken after each kill): the tasks delivered twice after a kill are never more than
  the tasks in flight at that kill; both are printed per kill;
- `PRAGMA integrity_check` is `ok` on a copy of the database taken after each kill, and on the
  database at the end.

Run: CTE_EMULATOR_BIN=build/bin/cloud-tasks-emulator CTE_CRASH_KILLS=20 \
     python3 -m unittest discover -s tests/python -p crash_test.py -v
"""

import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import unittest

from support import EMULATOR, ClientThreads, PushServer, call, start, stop

KILLS = int(os.environ.get("CTE_CRASH_KILLS", "20"))
SEED = int(os.environ.get("CTE_CRASH_SEED", str(random.randrange(1 << 30))))
LOC = "projects/crash/locations/l"
QUEUES = [f"{LOC}/queues/q{i}" for i in range(4)]
CREATE_THREADS = 3
FAIL_RATE = 0.2
# A 2xx answer may be lost to a kill up to 3 s after it (the emulator had not recorded it yet),
# and a request the emulator sent just before dying may still be answered up to 2 s after it.
DUPLICATE_BEFORE_KILL = 3.0
DUPLICATE_AFTER_KILL = 2.0


class Worker:
    """Answers 500 to about one request in five and 200 to the rest; records every 2xx by task."""

    def __init__(self, seed):
        self.lock = threading.Lock()
        self.successes = {}  # task name -> [monotonic time of each 2xx answer]
        self.failures = 0
        self.random = random.Random(seed)
        # The emulator's connections die with it at every kill: no error reports.
        self.server = PushServer(LOC, self.answer, quiet_errors=True)
        self.url = self.server.url

    def answer(self, name):
        with self.lock:
            if self.random.random() < FAIL_RATE:
                self.failures += 1
                return 500
            # Noted before the answer goes out, so before any kill that loses it.
            self.successes.setdefault(name, []).append(time.monotonic())
            return 200

    def close(self):
        self.server.close()


class Load(ClientThreads):
    """Client threads against whichever emulator is up; each outcome is sorted by what it proves."""

    def __init__(self, seed, worker_url):
        super().__init__()
        self.base = None  # "127.0.0.1:PORT" of the running emulator, None while it is down.
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.worker_url = worker_url
        self.tried = set()            # Every name a CreateTask was sent for.
        self.acked = []               # Names whose CreateTask answered 200.
        self.deleted = set()          # Acknowledged DeleteTask.
        self.delete_unknown = set()   # DeleteTask without an answer (cut off by a kill).
        self.counts = {"create_errors": 0, "deletes_not_found": 0, "delete_errors": 0, "pauses": 0}
        for i in range(CREATE_THREADS):
            self.add_thread(self.create_loop, i)
        self.add_thread(self.delete_loop)
        self.add_thread(self.pause_loop)

    UNSENT = (0, b"")  # No connection: the emulator is down, nothing can have happened.

    def request(self, method, path, body=None):
        """(status, body); UNSENT when no emulator took the connection; None when the request went
        out but no answer came (a kill cut it off: it may or may not have taken effect)."""
        base = self.base
        if base is None:
            time.sleep(0.01)
            return self.UNSENT
        conn = http.client.HTTPConnection(base, timeout=10)
        try:
            try:
                conn.connect()
            except OSError:
                time.sleep(0.01)
                return self.UNSENT
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None,
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                return None
        finally:
            conn.close()

    def create_loop(self, thread):
        n = 0
        while not self.stopping.is_set():
            n += 1
            queue = QUEUES[(n + thread) % len(QUEUES)]
            name = f"{queue}/tasks/t{thread}-{n}"
            with self.lock:
                self.tried.add(name)
            result = self.request("POST", f"/v2/{queue}/tasks", {"task": {
                "name": name, "httpRequest": {"url": self.worker_url, "body": "Y3Jhc2g="}}})
            with self.lock:
                if result and result[0] == 200:
                    self.acked.append(name)  # Only now is the task acknowledged.
                elif result == self.UNSENT:
                    self.tried.discard(name)
                else:
                    self.counts["create_errors"] += 1
            time.sleep(0.004)

    def delete_loop(self):
        while not self.stopping.is_set():
            time.sleep(0.02)
            with self.lock:
                if len(self.acked) < 10:
                    continue
                name = self.acked[self.random.randrange(len(self.acked))]
                if name in self.deleted or name in self.delete_unknown:
                    continue
                self.delete_unknown.add(name)
            result = self.request("DELETE", f"/v2/{name}")
            with self.lock:
                if result is None:
                    continue  # Cut off by a kill: the task may or may not be gone.
                self.delete_unknown.discard(name)
                if result[0] == 200:
                    self.deleted.add(name)
                elif result[0] == 404:
                    self.counts["deletes_not_found"] += 1  # Done already: it must have been delivered.
                elif result != self.UNSENT:
                    self.counts["delete_errors"] += 1

    def pause_loop(self):
        while not self.stopping.is_set():
            queue = self.random.choice(QUEUES)
            if self.request("POST", f"/v2/{queue}:pause", {}) not in (None, self.UNSENT):
                with self.lock:
                    self.counts["pauses"] += 1
            self.stopping.wait(self.random.uniform(0.05, 0.3))
            self.request("POST", f"/v2/{queue}:resume", {})


def integrity(db_files, scratch):
    """PRAGMA integrity_check on a copy of the database and its WAL (the original is untouched),
    and the full names of the tasks the copy has in flight: after a kill, the requests the dead
    emulator had sent and not recorded, which the next start sends again."""
    os.makedirs(scratch, exist_ok=True)
    copy = os.path.join(scratch, "copy.db")
    for suffix in ("", "-wal"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
        if os.path.exists(db_files + suffix):
            shutil.copyfile(db_files + suffix, copy + suffix)
    conn = sqlite3.connect(copy)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        flying = {row[0] for row in conn.execute(
            "SELECT q.name || '/tasks/' || t.task_id FROM tasks t JOIN queues q ON q.id = t.queue_id "
            "WHERE t.in_flight = 1")}
        return check, flying
    finally:
        conn.close()


class CrashLoopTest(unittest.TestCase):
    def test_nothing_acknowledged_is_lost_across_kills(self):
        rng = random.Random(SEED)
        tmp = tempfile.mkdtemp(prefix="cte-crash-")
        self.addCleanup(shutil.rmtree, tmp, True)
        db = os.path.join(tmp, "tasks.db")
        log = open(os.path.join(tmp, "emulator.log"), "a")
        self.addCleanup(log.close)
        worker = Worker(SEED)
        self.addCleanup(worker.close)
        load = Load(SEED, worker.url)

        def boot():
            proc, url = start([EMULATOR, "--port", "0", "--db", db, "--log-level", "warn"], stderr=log)
            return proc, url

        emulator, url = boot()
        for queue in QUEUES:
            call("POST", f"{url}/v2/{LOC}/queues", {
                "name": queue,
                "rateLimits": {"maxDispatchesPerSecond": 300, "maxConcurrentDispatches": 20},
                "retryConfig": {"maxAttempts": -1, "minBackoff": "0.1s", "maxBackoff": "0.5s"}})
        load.base = url.split("://", 1)[1]
        load.start()
        kills = []  # Monotonic times of the kills.
        in_flight_at_kill = []  # The tasks each kill left in flight (read from the database).
        try:
            for i in range(KILLS):
                time.sleep(rng.uniform(0.1, 0.8))
                os.kill(emulator.pid, signal.SIGKILL)
                kills.append(time.monotonic())
                stop(emulator)
                load.base = None
                check, flying = integrity(db, os.path.join(tmp, "check"))
                self.assertEqual(check, "ok", f"after kill {i + 1}")
                in_flight_at_kill.append(flying)
                emulator, url = boot()
                load.base = url.split("://", 1)[1]
        finally:
            load.stop()
        for queue in QUEUES:
            call("POST", f"{url}/v2/{queue}:resume", {})
        call("POST", f"{url}/emulator/v1:waitIdle", {"includeScheduled": True, "timeout": "180s"}, timeout=200)
        for queue in QUEUES:
            left = call("GET", f"{url}/v2/{queue}/tasks")
            self.assertEqual(left.get("tasks", []), [], f"{queue} still holds tasks")
        stop(emulator)
        self.assertEqual(integrity(db, os.path.join(tmp, "check"))[0], "ok", "at the end")

        delivered = worker.successes
        lost = [n for n in load.acked
                if n not in delivered and n not in load.deleted and n not in load.delete_unknown]
        self.assertEqual(lost, [], f"{len(lost)} acknowledged tasks lost (seed {SEED})")
        self.assertEqual([n for n in delivered if n not in load.tried], [], "unknown tasks delivered")
        duplicates = {n: times for n, times in delivered.items() if len(times) > 1}
        unexplained = [n for n, times in duplicates.items()
                       if not any(times[0] - DUPLICATE_AFTER_KILL <= k <= times[0] + DUPLICATE_BEFORE_KILL
                                  for k in kills)]
        t0 = kills[0] if kills else 0
        self.assertEqual(unexplained, [], "duplicates not explained by a kill: 2xx answers at "
                         + "; ".join(f"{n}: {[round(t - t0, 3) for t in duplicates[n]]}" for n in unexplained)
                         + f"; kills at {[round(k - t0, 3) for k in kills]} (seed {SEED})")
        # The bound: a task is delivered twice only if a kill left it in flight, so the tasks
        # delivered twice after a kill are never more than the tasks in flight at that kill.
        self.assertEqual([n for n in duplicates if not any(n in f for f in in_flight_at_kill)], [],
                         f"tasks delivered twice that no kill left in flight (seed {SEED})")
        # Each is put down to the first kill that left it in flight after its first 2xx could
        # have been sent (a request of the dead emulator is answered up to 2 s after the kill).
        twice_after = [0] * len(kills)
        for n, times in duplicates.items():
            i = next((i for i, (k, f) in enumerate(zip(kills, in_flight_at_kill))
                      if n in f and k >= times[0] - DUPLICATE_AFTER_KILL), None)
            self.assertIsNotNone(i, f"{n}: delivered twice, in flight at no kill after its first 2xx")
            twice_after[i] += 1
        per_kill = [(len(f), twice) for f, twice in zip(in_flight_at_kill, twice_after)]
        for i, (flying, twice) in enumerate(per_kill):
            self.assertLessEqual(twice, flying, f"kill {i + 1}")
        deliveries = sum(len(t) for t in delivered.values())
        print(f"\ncrash loop (seed {SEED}): {KILLS} kills; {len(load.tried)} creates sent, "
              f"{len(load.acked)} acknowledged ({load.counts['create_errors']} errors or cut off), {len(load.deleted)} deleted (+{len(load.delete_unknown)} "
              f"cut off), {load.counts['deletes_not_found']} deletes found the task done, "
              f"{load.counts['delete_errors']} other delete errors, {load.counts['pauses']} pauses; worker: {deliveries} 2xx for {len(delivered)} tasks, "
              f"{worker.failures} 500s; {len(duplicates)} tasks delivered twice (each first "
              f"answered from {DUPLICATE_BEFORE_KILL:.0f} s before to {DUPLICATE_AFTER_KILL:.0f} s after a kill); 0 lost; integrity ok {KILLS + 1} times; "
              f"per kill, tasks in flight / delivered twice: "
              + ", ".join(f"{flying}/{twice}" for flying, twice in per_kill),
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
