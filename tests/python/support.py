"""Shared by the Python end-to-end tests: start our binaries, call their JSON APIs, poll with a
deadline. Standard library only."""

import json
import os
import subprocess
import time
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
