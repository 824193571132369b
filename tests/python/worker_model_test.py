"""cloud-tasks-worker's worker model (docs/experiments.md): for every (task, attempt) of a simulated
run, the worker started with the same scenario answers what the simulation recorded, after the
latency it recorded (divided by the time scale); a reset is a real RST, a timeout holds the
connection, a refuse outage refuses connections for real and a 429/503 carries Retry-After; bad
flags are one line and exit code 2.

Run: python3 -m unittest discover -s tests/python -p worker_model_test.py -v
"""

import csv
import http.client
import json
import os
import subprocess
import time
import unittest

from support import ProcessTestCase, ROOT, WORKER, call, start

EXPERIMENT = os.environ.get("CTE_EXPERIMENT_BIN",
                            os.path.join(ROOT, "build", "bin", "cloud-tasks-experiment"))
SCALE = 20  # Latencies of 0.2 s to 1 s in the scenario: 10 ms to 50 ms here.
SLACK = 0.25  # Seconds a loaded machine may add to an answer.

SCENARIO = {
    "name": "worker-model", "seed": 3,
    "queues": [{
        "queue": {"name": "model-queue",
                  "retryConfig": {"maxAttempts": 4, "minBackoff": "0.1s", "maxBackoff": "0.1s"}},
        "arrivals": [{"at": "0s", "count": 60, "over": "6s"}],
        "task": {"dispatchDeadline": "15s"},
        "worker": {"latency": {"uniform": ["0.2s", "1s"]},
                   "failures": [{"status": 503, "probability": 0.2, "retryAfter": "2s"},
                                {"status": 404, "probability": 0.1},
                                {"status": "reset", "probability": 0.1}]},
    }],
}


def send(port, task, attempt, timeout=5.0):
    """One task request; returns (status or exception name, Retry-After, seconds taken)."""
    began = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/task", body=b"x",
                           headers={"X-CloudTasks-TaskName": task,
                                    "X-CloudTasks-TaskRetryCount": str(attempt - 1)})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After"), time.monotonic() - began
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__, None, time.monotonic() - began
    finally:
        connection.close()


def run_worker(*args):
    """Runs the worker with `args` until it exits (bad flags); returns (code, stderr)."""
    done = subprocess.run([WORKER, "--port", "0", *args], capture_output=True, text=True,
                          timeout=10)
    return done.returncode, done.stderr


class WorkerModelTest(ProcessTestCase):

    def worker(self, *args):
        proc, url = start([WORKER, "--port", "0", *args])
        self.procs.append(proc)
        return int(url.rsplit(":", 1)[1])

    def test_answers_what_the_simulation_recorded(self):
        path = os.path.join(self.dir, "scenario.json")
        with open(path, "w") as f:
            json.dump(SCENARIO, f)
        out = os.path.join(self.dir, "run")
        subprocess.run([EXPERIMENT, "run", path, "--out", out, "--no-report"], check=True,
                       capture_output=True, timeout=60)
        with open(os.path.join(out, "attempts.csv")) as f:
            attempts = list(csv.DictReader(f))
        self.assertGreater(len(attempts), 60)
        port = self.worker("--scenario", path, "--time-scale", str(SCALE))
        kinds = set()
        for a in attempts:
            status, retry_after, took = send(port, a["task"], int(a["attempt"]))
            expected = int(a["status"]) if a["outcome"] != "connectionError" else "ConnectionResetError"
            self.assertEqual(status, expected, a)
            kinds.add(status)
            latency = (float(a["answered"]) - float(a["dispatched"])) / SCALE
            self.assertGreaterEqual(took, latency - 0.002, a)
            self.assertLess(took, latency + SLACK, a)
            self.assertEqual(retry_after, "2" if status == 503 else None, a)
        self.assertEqual(kinds, {200, 503, 404, "ConnectionResetError"})

    def test_timeout_holds_the_connection(self):
        port = self.worker("--failure", "timeout:1")
        status, _, took = send(port, "t00000001", 1, timeout=0.5)
        self.assertEqual(status, "TimeoutError")
        self.assertGreaterEqual(took, 0.5)

    def test_outages_count_from_the_start(self):
        # Scenario seconds at 10x: refuse in [0.1 s, 0.3 s) real, 429 in [0.3 s, 0.5 s) real.
        port = self.worker("--outage", "1s,3s,refuse", "--outage", "3s,5s,429",
                           "--retry-after", "7s", "--time-scale", "10")
        call("POST", f"http://127.0.0.1:{port}/_worker/start", {})
        began = time.monotonic()
        seen = []
        while time.monotonic() - began < 0.7:
            status, retry_after, _ = send(port, "t00000001", 1)
            seen.append((round(time.monotonic() - began, 3), status, retry_after))
            time.sleep(0.01)
        # A connection accepted just before the window closes the socket is reset: refused too.
        statuses = ["ConnectionRefusedError" if s == "ConnectionResetError" else s
                    for _, s, _ in seen]
        # In order: answered, refused (the socket is closed), 429 with Retry-After, answered.
        compact = [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]
        self.assertEqual(compact, [200, "ConnectionRefusedError", 429, 200], seen)
        self.assertTrue(all(r == "7" for _, s, r in seen if s == 429), seen)

    def test_start_moves_the_run_start(self):
        port = self.worker("--outage", "0s,1000s,503")
        self.assertEqual(send(port, "t00000001", 1)[0], 503)
        later = time.time() - 2000
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(later))
        answer = call("POST", f"http://127.0.0.1:{port}/_worker/start", {"startTime": stamp})
        self.assertEqual(answer["startTime"], stamp)
        self.assertEqual(send(port, "t00000001", 1)[0], 200)

    def test_script_flags_still_work(self):
        port = self.worker("--respond", "503,200", "--latency", "10ms")
        self.assertEqual([send(port, "t1", 1)[0] for _ in range(3)], [503, 200, 200])

    def test_bad_flags_are_one_line_and_exit_2(self):
        cases = [
            (["--respond", "200", "--failure", "500:0.1"], "do not mix with the model flags"),
            (["--failure", "500:1.5"], "--failure 500:1.5: must be between 0 and 1"),
            (["--failure", "500:0.7", "--failure", "503:0.7"],
             "--failure: probabilities add up to more than 1"),
            (["--outage", "1s,6s,503", "--outage", "5s,8s,refuse"],
             "--outage 5s,8s,refuse: overlaps --outage 1s,6s,503"),
            (["--outage", "1s,2s"], "expected FROM,TO,STATUS or FROM,TO,refuse"),
            (["--latency-model", "uniform:3s,1s"], "min is greater than max"),
            (["--latency-model", "gamma:1s"], "expected fixed:D, uniform:MIN,MAX"),
            (["--retry-after", "2s"], "goes with a 429 or 503 answer"),
            (["--time-scale", "0"], "must be a number greater than 0"),
            (["--fail-rate", "nan"], "--fail-rate: must be a number from 0 to 1"),
            (["--fail-rate", "1.5"], "--fail-rate: must be a number from 0 to 1"),
            (["--queue", "q"], "--queue: goes with --scenario"),
            (["--scenario", "/nonexistent.json"], "cannot read scenario"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                code, err = run_worker(*args)
                self.assertEqual(code, 2, err)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn(message, err)


if __name__ == "__main__":
    unittest.main()
