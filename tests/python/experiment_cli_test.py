"""`cloud-tasks experiment` end to end: bad scenario files are one-line errors with exit code 2
and nothing written; a run writes its folder and report, the same bytes for the same seed, with
figures computed by hand; compare overlays runs. Standard library only."""

import json
import os
import subprocess
import tempfile
import unittest

from support import ROOT

CLI = os.environ.get("CTE_CLI_BIN", os.path.join(ROOT, "build", "bin", "cloud-tasks"))
QUEUE = {"name": "q", "rateLimits": {"maxDispatchesPerSecond": 100,
                                     "maxConcurrentDispatches": 1000}}


def scenario(**queue_fields):
    q = {"queue": QUEUE, "arrivals": [{"count": 2000}], "worker": {"latency": {"fixed": "0s"}}}
    q.update(queue_fields)
    return {"name": "burst", "seed": 1, "queues": [q]}


class ExperimentCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def run_cli(self, *args):
        return subprocess.run([CLI, "experiment", *args], capture_output=True, text=True,
                              timeout=300)

    def test_bad_files_are_one_line_exit_2_and_write_nothing(self):
        q = scenario()["queues"][0]
        cases = {
            "unknown field": ({**scenario(), "colour": 1}, "colour"),
            "negative rate": (scenario(arrivals=[{"rate": -5, "for": "10s"}]),
                              "queues[0].arrivals[0].rate"),
            "probability over 1": (scenario(worker={"failures": [
                {"status": 500, "probability": 1.5}]}), "probability"),
            "overlapping outages": (scenario(worker={"outages": [
                {"from": "0s", "to": "10s", "status": 503},
                {"from": "5s", "to": "20s", "status": 503}]}), "outages[1]"),
            "missing CSV file": (scenario(arrivals=[{"csv": "nowhere.csv"}]), "nowhere.csv"),
            "a queue CreateQueue refuses": (scenario(queue={**QUEUE, "rateLimits": {
                "maxDispatchesPerSecond": 501}}), "must be less than or equal to 500"),
            "not JSON": ("{", "burst"),
        }
        del q
        for what, (content, named) in cases.items():
            with self.subTest(what):
                path = self.write("bad.json", content)
                out = os.path.join(self.dir, "out-" + what.replace(" ", "-"))
                r = self.run_cli("run", path, "--out", out)
                self.assertEqual(r.returncode, 2, r.stderr)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                if what != "not JSON":
                    self.assertIn(named, lines[0])
                self.assertFalse(os.path.exists(out), "a bad scenario wrote its folder")

    def test_a_burst_drains_in_n_minus_b_over_r_and_the_same_seed_gives_the_same_bytes(self):
        # 2,000 tasks at once on a 100/s queue (burst 100, spec 4.3), a worker answering at once:
        # the last is sent (and done) (2000 - 100) / 100 = 19 s after the first.
        path = self.write("burst.json", scenario())
        runs = [os.path.join(self.dir, f"run{i}") for i in range(2)]
        for out in runs:
            r = self.run_cli("run", path, "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"report: {out}/report.html", r.stdout)
        with open(os.path.join(runs[0], "summary.json")) as f:
            summary = json.load(f)
        total = summary["total"]
        self.assertEqual(total["tasks"], 2000)
        self.assertEqual(total["succeeded"], 2000)
        self.assertEqual(total["drainTime"], "19s")
        self.assertEqual(total["peakInFlight"], 100)  # The burst, all answered at once.
        self.assertEqual(summary["queues"][0]["maxBurstSize"], 100)
        summaries = []
        for out in runs:
            with open(os.path.join(out, "summary.json")) as f:
                summaries.append(json.load(f))
            summaries[-1].pop("wallTime")  # The one figure that is not the run's.
        self.assertEqual(summaries[0], summaries[1])
        for name in ("series.csv", "attempts.csv", "tasks.csv", "scenario.json",
                     "plots/latency_cdf.svg", "plots/in_flight.svg"):
            with open(os.path.join(runs[0], name), "rb") as a, \
                    open(os.path.join(runs[1], name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        compare = os.path.join(self.dir, "compare")
        r = self.run_cli("compare", *runs, "--out", compare)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(compare, "report.html")))

    def test_the_fixtures_read_and_image_burst_runs(self):
        fixtures = os.path.join(ROOT, "fixtures", "experiments")
        for name in sorted(os.listdir(fixtures)):
            with self.subTest(name):
                out = os.path.join(self.dir, name)
                args = ["run", os.path.join(fixtures, name), "--out", out]
                if name != "image-burst.json":
                    args.append("--no-report")
                    # The long ones are read by the unit tests and run by hand; a sanitizer
                    # build (several times slower) runs image-burst alone.
                    if name != "retry-storm.json" or os.environ.get("CTE_SANITIZED"):
                        continue
                r = self.run_cli(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(out, "summary.json")) as f:
                    total = json.load(f)["total"]
                self.assertEqual(total["unfinished"], 0)
                self.assertEqual(total["succeeded"] + total["givenUp"], total["tasks"])


if __name__ == "__main__":
    unittest.main()
