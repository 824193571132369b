"""Worker faults: workers that misbehave at the HTTP level, against the real emulator binary.

A worker that accepts and never answers, resets the connection, answers one byte a second, sends a
1 GB body, sends garbage instead of HTTP, closes after the headers, refuses connections, or is a DNS
name that does not resolve: each push is one failed attempt (spec 6.2), recorded as such in the
task's counters and lastAttempt (spec 5.3) and in the attempt log, and meanwhile another queue keeps
dispatching at its rate. The clock is manual, so the 15 s dispatch deadline passes at once.

Run: CTE_EMULATOR_BIN=build/bin/cloud-tasks-emulator python3 -m unittest tests/python/worker_faults_test.py
"""

import socket
import struct
import threading
import unittest
import urllib.parse

from support import EMULATOR, call, eventually, start, stop

LOC = "projects/p/locations/l"
FAULTS = f"{LOC}/queues/faults"
STEADY = f"{LOC}/queues/steady"
STEADY_RATE = 5  # Per second; the burst is then 5 (spec 4.3).

DEADLINE_EXCEEDED, UNAVAILABLE = 4, 14


class FaultyWorker:
    """One thread per connection; what it does depends on the request path."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.server.getsockname()[1]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.seen = {}  # path -> requests received
        self.huge_bytes_sent = 0
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def close(self):
        self.stopping.set()
        self.server.close()

    def accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    @staticmethod
    def read_request(conn, pending):
        while b"\r\n\r\n" not in pending:
            data = conn.recv(65536)
            if not data:
                return None, b""
            pending += data
        head, rest = pending.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        while len(rest) < length:
            data = conn.recv(65536)
            if not data:
                return None, b""
            rest += data
        return path, rest[length:]

    def wait_for_close(self, conn):
        conn.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                if conn.recv(65536) == b"":
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def serve(self, conn):
        pending = b""
        try:
            while True:
                path, pending = self.read_request(conn, pending)
                if path is None:
                    return
                with self.lock:
                    self.seen[path] = self.seen.get(path, 0) + 1
                if path == "/ok":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    continue
                getattr(self, "fault_" + path.strip("/").replace("-", "_"))(conn)
                return
        except OSError:
            pass
        finally:
            conn.close()

    def fault_hang(self, conn):
        self.wait_for_close(conn)

    def fault_reset(self, conn):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def fault_slow(self, conn):
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
            conn.sendall(bytes([byte]))
            if self.stopping.wait(1):
                return

    def fault_huge(self, conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: 1073741824\r\n\r\n")
        chunk = b"\0" * 65536
        for _ in range(1 << 14):  # 1 GiB, unless the emulator hangs up first.
            conn.sendall(chunk)
            with self.lock:
                self.huge_bytes_sent += len(chunk)

    def fault_garbage(self, conn):
        conn.sendall(b"\x16\x03\x01\x02\x00 this is not HTTP at all \xff\xfe\r\n\r\n")
        self.wait_for_close(conn)

    def fault_headers_only(self, conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")


def free_port():
    """A port nothing listens on (bound, then closed)."""
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WorkerFaultsTest(unittest.TestCase):
    def setUp(self):
        self.worker = FaultyWorker()
        self.emulator, self.url = start([EMULATOR, "--port", "0", "--db", ":memory:", "--clock", "manual",
                                         "--log-level", "off"])

    def tearDown(self):
        stop(self.emulator)
        self.worker.close()

    def api(self, method, path, body=None):
        return call(method, self.url + path, body)

    def dispatched(self, queue):
        for q in self.api("GET", "/emulator/v1/stats")["queues"]:
            if q["name"] == queue:
                return q["dispatched"]
        return 0

    def attempts(self, queue):
        query = urllib.parse.urlencode({"queue": queue, "pageSize": 1000})
        return self.api("GET", f"/emulator/v1/attempts?{query}")["attempts"]

    def advance(self, seconds):
        self.api("POST", "/emulator/v1/clock:advance", {"duration": f"{seconds}s"})

    def test_each_fault_is_one_failed_attempt_and_other_queues_keep_their_rate(self):
        worker = f"http://127.0.0.1:{self.worker.port}"
        faults = {  # task ID -> (URL, expected code, outcome in the log, text in the error)
            "hang": (f"{worker}/hang", DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED", ""),
            "slow": (f"{worker}/slow", DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED", ""),
            "reset": (f"{worker}/reset", UNAVAILABLE, "CONNECTION_ERROR", "reset"),
            "huge": (f"{worker}/huge", UNAVAILABLE, "CONNECTION_ERROR", "response body over"),
            "garbage": (f"{worker}/garbage", UNAVAILABLE, "CONNECTION_ERROR", ""),
            "headers-only": (f"{worker}/headers-only", UNAVAILABLE, "CONNECTION_ERROR", "incomplete response"),
            "refused": (f"http://127.0.0.1:{free_port()}/x", UNAVAILABLE, "CONNECTION_ERROR", "refused"),
            "dns": ("http://no-such-worker.invalid/x", UNAVAILABLE, "CONNECTION_ERROR", "not found"),
        }
        self.api("POST", f"/v2/{LOC}/queues", {
            "name": FAULTS, "rateLimits": {"maxDispatchesPerSecond": 100},
            "retryConfig": {"minBackoff": "3600s", "maxBackoff": "3600s"}})
        steady = self.api("POST", f"/v2/{LOC}/queues", {
            "name": STEADY, "rateLimits": {"maxDispatchesPerSecond": STEADY_RATE}})
        burst = steady["rateLimits"]["maxBurstSize"]
        self.api("POST", f"/v2/{STEADY}:pause", {})
        for i in range(200):
            self.api("POST", f"/v2/{STEADY}/tasks", {"task": {"httpRequest": {"url": f"{worker}/ok"}}})
        for task_id, (url, *_rest) in faults.items():
            self.api("POST", f"/v2/{FAULTS}/tasks", {"task": {
                "name": f"{FAULTS}/tasks/{task_id}", "dispatchDeadline": "15s",
                "httpRequest": {"url": url, "body": "aGVsbG8="}}})
        self.api("POST", f"/v2/{STEADY}:resume", {})

        # Every fault is under way (or over, for those that fail at once).
        eventually("every faulty push to start", lambda: self.dispatched(FAULTS) == len(faults))
        eventually("the 1 GB body to be cut off",
                   lambda: any(a["outcome"] == "CONNECTION_ERROR" and a["task"].endswith("/huge")
                               for a in self.attempts(FAULTS)))

        # Meanwhile the steady queue dispatches burst + rate*t by emulated time t, no more, no less.
        for t in range(0, 15):
            if t:
                self.advance(1)
            expected = burst + STEADY_RATE * t
            eventually(f"{expected} steady dispatches at t={t}s",
                       lambda: self.dispatched(STEADY) >= expected)
            self.assertEqual(self.dispatched(STEADY), expected, f"t={t}s")
        self.advance(1.5)  # Past the 15 s dispatch deadline of the hanging and the slow worker.
        eventually("every fault to end", lambda: all(
            a["outcome"] != "IN_FLIGHT" for a in self.attempts(FAULTS)) and len(self.attempts(FAULTS)) == len(faults))

        log = {a["task"].rsplit("/", 1)[1]: a for a in self.attempts(FAULTS)}
        for task_id, (_url, code, outcome, error) in faults.items():
            with self.subTest(fault=task_id):
                entry = log[task_id]
                self.assertEqual(entry["outcome"], outcome)
                self.assertNotIn("httpStatus", entry)
                self.assertIn(error, entry.get("error", ""))
                task = self.api("GET", f"/v2/{FAULTS}/tasks/{task_id}?responseView=FULL")
                self.assertEqual(task["dispatchCount"], 1)
                self.assertEqual(task.get("responseCount", 0), 0)
                self.assertEqual(task["lastAttempt"]["responseStatus"]["code"], code)
                self.assertIn("responseTime", task["lastAttempt"])
        self.assertLess(self.worker.huge_bytes_sent, 256 << 20, "the 1 GB body was read to the end")
        for path in ("/hang", "/slow", "/reset", "/huge", "/garbage", "/headers-only"):
            self.assertEqual(self.worker.seen.get(path), 1, path)  # One attempt each, no hidden retry.


if __name__ == "__main__":
    unittest.main()
