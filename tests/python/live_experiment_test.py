"""Live experiments (docs/experiments.md, "Live runs") against the simulated mode.

The agreement test runs fixtures/experiments/live-agreement.json (a burst of 200 with 15 %
failures, an outage of 8.5 s answering 503 while 100 more arrive, maxAttempts 5) in both modes
and checks the issue's rule: total attempts within 2 %, the same number given up, drain time within
2 %. The live run starts its own emulator and workers, at time scale 2 (about 11 s of wall time).
A second scenario has the worker refuse connections for real during its outage. The other tests:
--until, --worker-url, an emulator whose clock runs at another pace, bad flags.

Run: python3 -m unittest discover -s tests/python -p live_experiment_test.py -v
"""

import collections
import csv
import json
import os
import re
import subprocess
import unittest

from support import ProcessTestCase, EMULATOR, ROOT, WORKER, call, start

EXPERIMENT = os.environ.get("CTE_EXPERIMENT_BIN",
                            os.path.join(ROOT, "build", "bin", "cloud-tasks-experiment"))
AGREEMENT = os.path.join(ROOT, "fixtures", "experiments", "live-agreement.json")
TIME_SCALE = "2"

# A worker that refuses connections (its listening socket closed) from 4.5 s to 8.7 s, while 20
# tasks arrive; they are refused four times and their fifth attempt comes after it. No attempt of
# the simulated run falls within 0.3 s of either edge.
REFUSE = {
    "name": "live-refuse", "seed": 2,
    "queues": [{
        "queue": {"name": "refuse-queue",
                  "retryConfig": {"maxAttempts": 5, "minBackoff": "1s", "maxBackoff": "1s"}},
        "arrivals": [{"at": "0s", "count": 20, "over": "1s"},
                     {"at": "5s", "count": 20, "over": "0.4s"}],
        "worker": {"latency": {"fixed": "0.3s"},
                   "failures": [{"status": 500, "probability": 0.1}],
                   "outages": [{"from": "4.5s", "to": "8.7s", "refuse": True}]},
    }],
}

SMALL = {
    "name": "live-small", "seed": 5,
    "queues": [{
        "queue": {"name": "small-queue"},
        "arrivals": [{"at": "0s", "count": 40, "over": "4s"}],
        "worker": {"latency": {"fixed": "0.2s"}},
    }],
}


def seconds(duration):
    return float(duration.rstrip("s"))


def experiment(*args, timeout=120):
    return subprocess.run([EXPERIMENT, *args], capture_output=True, text=True, timeout=timeout)


# A sanitizer build runs each step several times slower: a live run falls behind the scenario's
# clock by seconds, which says nothing about the rules; the comparisons of timing are left out.
timing = unittest.skipIf(os.environ.get("CTE_SANITIZED"), "timing not compared under sanitizers")


class LiveExperimentTest(ProcessTestCase):
    def outcomes(self, name):
        with open(os.path.join(self.dir, name, "attempts.csv")) as f:
            return collections.Counter(row["outcome"] for row in csv.DictReader(f))

    def run_mode(self, scenario, name, *flags):
        """Runs `scenario` with `flags`; returns summary.json's total (and checks the mode)."""
        out = os.path.join(self.dir, name)
        done = experiment("run", scenario, "--out", out, "--no-report", *flags)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(summary["mode"], "live" if "live" in flags else "simulated")
        return summary["total"]

    def scenario_file(self, scenario):
        path = os.path.join(self.dir, scenario["name"] + ".json")
        with open(path, "w") as f:
            json.dump(scenario, f)
        return path

    @timing
    def test_live_agrees_with_simulated(self):
        sim = self.run_mode(AGREEMENT, "sim")
        live = self.run_mode(AGREEMENT, "live", "--mode", "live", "--time-scale", TIME_SCALE)
        figures = {k: (sim[k], live[k]) for k in ("tasks", "attempts", "givenUp", "drainTime")}
        print(f"\nsimulated vs live: {figures}")
        self.assertEqual(sim["tasks"], 300)
        self.assertEqual(live["tasks"], 300)
        self.assertEqual(live["unfinished"], 0)
        self.assertGreater(sim["givenUp"], 0)
        self.assertLessEqual(abs(live["attempts"] - sim["attempts"]), 0.02 * sim["attempts"])
        self.assertEqual(live["givenUp"], sim["givenUp"])
        drain_sim, drain_live = seconds(sim["drainTime"]), seconds(live["drainTime"])
        self.assertLessEqual(abs(drain_live - drain_sim), 0.02 * drain_sim, figures)

    @timing
    def test_a_refusing_worker_agrees_too(self):
        path = self.scenario_file(REFUSE)
        sim = self.run_mode(path, "sim")
        live = self.run_mode(path, "live", "--mode", "live", "--time-scale", TIME_SCALE)
        self.assertEqual(self.outcomes("live"), self.outcomes("sim"))
        self.assertEqual(self.outcomes("sim")["connectionError"], 80)
        self.assertEqual((live["attempts"], live["givenUp"]), (sim["attempts"], sim["givenUp"]))
        drain_sim, drain_live = seconds(sim["drainTime"]), seconds(live["drainTime"])
        self.assertLessEqual(abs(drain_live - drain_sim), 0.02 * drain_sim)

    @timing
    def test_until_stops_both_modes_alike(self):
        path = self.scenario_file(dict(SMALL, until="2s"))
        sim = self.run_mode(path, "sim")
        live = self.run_mode(path, "live", "--mode", "live", "--time-scale", "4")
        # Arrivals every 0.1 s: those at 0 s to 2 s come, and the last few are unfinished.
        self.assertEqual(sim["tasks"], 21)
        self.assertEqual(live["tasks"], 21)
        self.assertGreater(live["unfinished"], 0)
        self.assertLessEqual(abs(live["succeeded"] - sim["succeeded"]), 1)

    def test_worker_url_sends_the_tasks_to_that_service(self):
        proc, url = start([WORKER, "--port", "0", "--respond", "200"])
        self.procs.append(proc)
        total = self.run_mode(self.scenario_file(SMALL), "live", "--mode", "live",
                              "--time-scale", "4", "--worker-url", url + "/mine")
        self.assertEqual(total["succeeded"], 40)
        received = call("GET", url + "/_worker/requests")["requests"]
        self.assertEqual(len(received), 40)
        self.assertEqual({r["path"] for r in received}, {"/mine"})

    def test_cloud_tasks_imperfections_are_drawn_alike_and_counted_by_the_worker(self):
        # Every task answered 200 once: each duplicate (a quarter of the attempts, drawn from the
        # seed, the full task name and the attempt number) is a task answered 200 twice.
        scenario = dict(SMALL, cloudTasks={"duplicateRate": 0.25,
                                           "extraDelay": {"fixed": "0.1s"}})
        path = self.scenario_file(scenario)
        sim = self.run_mode(path, "sim")
        proc, url = start([WORKER, "--port", "0", "--respond", "200", "--latency", "50ms"])
        self.procs.append(proc)
        live = self.run_mode(path, "live", "--mode", "live", "--time-scale", "4",
                             "--worker-url", url + "/small-queue")
        self.assertGreater(sim["duplicates"], 0)
        self.assertEqual(live["duplicates"], sim["duplicates"])
        self.assertEqual((live["attempts"], live["succeeded"]), (40, 40))
        self.assertEqual(sim["processedTwice"], sim["duplicates"])
        self.assertEqual(live["processedTwice"], sim["duplicates"])
        stats = call("GET", url + "/_worker/stats")
        self.assertEqual(stats["received"], 40 + sim["duplicates"])
        self.assertEqual((stats["tasks"], stats["processedTasks"]), (40, 40))
        self.assertEqual(stats["processed"], 40 + sim["duplicates"])
        self.assertEqual(stats["processedMoreThanOnce"], sim["duplicates"])
        twice = call("GET", url + "/_worker/names")["processedMoreThanOnce"]
        self.assertEqual(set(twice.values()), {2})
        with open(os.path.join(self.dir, "sim", "attempts.csv")) as f:
            marked = {r["task"] for r in csv.DictReader(f) if r["duplicate"] == "1"}
        self.assertEqual(len(twice), len(marked))
        # The extra 0.1 s (scenario time) lies between the queue's dispatch and the answer.
        with open(os.path.join(self.dir, "sim", "attempts.csv")) as f:
            first = [r for r in csv.DictReader(f) if r["duplicate"] == "0"]
        for r in first:
            self.assertAlmostEqual(float(r["answered"]) - float(r["dispatched"]), 0.3, places=6)

    def test_cloud_tasks_with_a_running_emulator_is_refused(self):
        scenario = dict(SMALL, cloudTasks={"duplicateRate": 0.25})
        done = experiment("run", self.scenario_file(scenario), "--out",
                          os.path.join(self.dir, "x"), "--mode", "live", "--emulator",
                          "http://127.0.0.1:9")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("cloudTasks: applied by the emulator a live run starts", done.stderr)
        self.assertEqual(done.stderr.count("\n"), 1, done.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x")))

    def test_emulator_at_another_pace_is_refused(self):
        proc, url = start([EMULATOR, "--port", "0", "--db", ":memory:", "--time-scale", "1"])
        self.procs.append(proc)
        done = experiment("run", self.scenario_file(SMALL), "--out", os.path.join(self.dir, "x"),
                          "--mode", "live", "--time-scale", "3", "--emulator", url)
        self.assertEqual(done.returncode, 2, done.stderr)
        # Measured over 200 ms: about 1 (0.999 on a loaded machine under a sanitizer).
        m = re.search(r"its clock runs ([\d.]+) times as fast as real time, not 3", done.stderr)
        self.assertIsNotNone(m, done.stderr)
        self.assertAlmostEqual(float(m.group(1)), 1.0, delta=0.1)
        self.assertEqual(done.stderr.count("\n"), 1, done.stderr)

    def test_bad_flags_are_one_line_and_exit_2(self):
        path = self.scenario_file(SMALL)
        cases = [
            (["--mode", "fast"], "--mode fast: must be simulated or live"),
            (["--time-scale", "2"], "--time-scale: only with --mode live"),
            (["--worker-url", "http://x"], "--worker-url: only with --mode live"),
            (["--mode", "live", "--time-scale", "-1"], "must be a number greater than 0"),
        ]
        for flags, message in cases:
            with self.subTest(flags=flags):
                done = experiment("run", path, "--out", os.path.join(self.dir, "bad"), *flags)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(message, done.stderr)
                self.assertEqual(len(re.findall("\n", done.stderr)), 1, done.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.dir, "bad")))


if __name__ == "__main__":
    unittest.main()
