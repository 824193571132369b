"""Shared by the Python end-to-end tests: start our binaries, call their JSON APIs, poll with a
deadline. Standard library only."""

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMULATOR = os.environ.get("CTE_EMULATOR_BIN", os.path.join(ROOT, "build", "bin", "cloud-tasks-emulator"))
WORKER = os.environ.get("CTE_WORKER_BIN", os.path.join(ROOT, "build", "bin", "cloud-tasks-worker"))


def start(args, env=None, stderr=subprocess.DEVNULL):
    """Starts a process that prints '... listening on URL' first; returns (process, url)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    line = proc.stdout.readline().strip()
    if " listening on " not in line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{args[0]} did not start: {line!r}")
    return proc, line.split(" listening on ", 1)[1]


class ProcessTestCase(unittest.TestCase):
    """A test case with a temporary folder (self.dir) and processes (self.procs) that tearDown
    stops and removes."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            stop(p)
        shutil.rmtree(self.dir, ignore_errors=True)


def stop(proc, sig=None):
    """Kills the process (SIGKILL unless `sig`) and waits for it."""
    if proc.poll() is None:
        if sig is None:
            proc.kill()
        else:
            proc.send_signal(sig)
    proc.wait()
    if proc.stdout:
        proc.stdout.close()


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def call(method, url, body=None, timeout=30):
    """A JSON request; returns the decoded answer, raises ApiError for a non-2xx status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise ApiError(e.code, e.read().decode(errors="replace")) from None


def eventually(what, predicate, timeout=30, every=0.02):
    """Polls `predicate` until it returns a true value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class PushServer:
    """A worker on 127.0.0.1 for the emulator to push to, serving on threads of its own. Each push
    is read whole, then `answer(task)` (task: the full task name, from the location `location` and
    the X-CloudTasks-* headers) returns the status it gets, before the answer goes out. With
    `quiet_errors`, a connection that breaks (the emulator was killed) is not reported."""

    def __init__(self, location, answer, quiet_errors=False):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                queue = self.headers.get("X-CloudTasks-QueueName", "")
                task = self.headers.get("X-CloudTasks-TaskName", "")
                self.send_response(answer(f"{location}/queues/{queue}/tasks/{task}"))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            # socketserver's default backlog is 5: a burst of new connections from the emulator
            # (50 at once after a full disk) overflowed it, and the kernel dropped their handshakes'
            # last ACK, so requests sat unanswered until their 10-minute dispatch deadline.
            request_queue_size = 1024

            def handle_error(self, request, client_address):
                if not quiet_errors:
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/work"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ClientThreads:
    """Client threads of a load test: each runs until `stopping` is set."""

    def __init__(self):
        self.stopping = threading.Event()
        self.threads = []

    def add_thread(self, target, *args):
        self.threads.append(threading.Thread(target=target, args=args, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self, timeout=None):
        """Sets `stopping` and joins the threads; fails when one is still running after `timeout`
        seconds (None: waits as long as it takes)."""
        self.stopping.set()
        for t in self.threads:
            t.join(timeout)
            if t.is_alive():
                raise AssertionError("a client thread is stuck in a request")
