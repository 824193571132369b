"""/metrics against the real binary: the counters' differences over a known sequence of
dispatches, worked out by hand from Cloud Tasks' rules; promtool's check; any Accept header gets
the text format. Parsed with Debian's python3-prometheus-client; promtool is Debian's prometheus.

Run: /usr/bin/python3 -m unittest discover -s tests/python -p metrics_test.py -v
(CTE_EMULATOR_BIN and CTE_WORKER_BIN name the binaries)."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from support import EMULATOR, ROOT, WORKER, ProcessTestCase, ApiError, call, start

LOCATION = "projects/p/locations/l"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def scrape(base, accept=None):
    """Returns (status, content type, text) of GET /metrics."""
    headers = {"Accept": accept} if accept is not None else {}
    request = urllib.request.Request(base + "/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def samples(text):
    """Every sample of the page, by (sample name, sorted label items)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def queue_retry(max_attempts):
    return {"maxAttempts": max_attempts, "minBackoff": "0.05s", "maxBackoff": "0.05s",
            "maxDoublings": 0}


class MetricsTest(ProcessTestCase):
    def setUp(self):
        super().setUp()
        worker, self.worker_url = start([WORKER, "--port", "0", "--respond", "503,404,200"])
        self.procs.append(worker)
        emulator, self.url = start([EMULATOR, "--port", "0", "--db", ":memory:",
                                    "--log-level", "warn"])
        self.procs.append(emulator)

    def create_queue(self, queue_id, max_attempts):
        call("POST", f"{self.url}/v2/{LOCATION}/queues",
             {"name": f"{LOCATION}/queues/{queue_id}", "retryConfig": queue_retry(max_attempts)})
        return f"{LOCATION}/queues/{queue_id}"

    def create_task(self, queue, task_id):
        call("POST", f"{self.url}/v2/{queue}/tasks",
             {"task": {"name": f"{queue}/tasks/{task_id}",
                       "httpRequest": {"url": self.worker_url + "/work", "body": "e30="}}})

    def wait_idle(self, queues):
        call("POST", f"{self.url}/emulator/v1:waitIdle",
             {"queues": queues, "timeout": "30s", "includeScheduled": True}, timeout=60)

    def test_counters_follow_503_404_200(self):
        # Two queues and the same script per task (503, then 404, then 200). In "until-ok" every
        # failure is retried (max_attempts unlimited): three attempts, two retries, a success. In
        # "two-tries" (max_attempts 2) the 404 of the second attempt is the last: one retry, then
        # the task is given up. Each queue first runs a task before the "before" scrape, so that
        # the figures compared are differences, not totals.
        until_ok = self.create_queue("until-ok", -1)
        two_tries = self.create_queue("two-tries", 2)
        # The worker's script goes by task ID: each task has an ID of its own.
        for queue in (until_ok, two_tries):
            self.create_task(queue, "warm-up-" + queue.rsplit("/", 1)[1])
        self.wait_idle([until_ok, two_tries])
        _, _, text = scrape(self.url)
        before = samples(text)
        for queue in (until_ok, two_tries):
            self.create_task(queue, "t-" + queue.rsplit("/", 1)[1])
        self.wait_idle([until_ok, two_tries])
        _, _, text = scrape(self.url)
        after = samples(text)

        def diff(name, queue, **labels):
            key = (name, tuple(sorted(dict(labels, queue=queue).items())))
            self.assertIn(key, after)
            return after[key] - before.get(key, 0)

        def attempts(queue, outcome, status_class=None):
            labels = {"outcome": outcome}
            if status_class:
                labels["status_class"] = status_class
            return diff("cloud_tasks_emulator_dispatch_attempts_total", queue, **labels)

        expected = {until_ok: {"created": 1, "sent": 3, "2xx": 1, "4xx": 1, "5xx": 1,
                               "succeeded": 1, "retried": 2, "given_up": 0},
                    two_tries: {"created": 1, "sent": 2, "2xx": 0, "4xx": 1, "5xx": 1,
                                "succeeded": 0, "retried": 1, "given_up": 1}}
        for queue, e in expected.items():
            with self.subTest(queue=queue):
                self.assertEqual(diff("cloud_tasks_emulator_tasks_created_total", queue), e["created"])
                self.assertEqual(diff("cloud_tasks_emulator_dispatch_attempts_sent_total", queue),
                                 e["sent"])
                for status_class in ("2xx", "4xx", "5xx"):
                    self.assertEqual(attempts(queue, "response", status_class), e[status_class])
                self.assertEqual(attempts(queue, "response", "3xx"), 0)
                for outcome in ("deadline_exceeded", "connection_error", "discarded"):
                    self.assertEqual(attempts(queue, outcome), 0)
                self.assertEqual(diff("cloud_tasks_emulator_tasks_succeeded_total", queue),
                                 e["succeeded"])
                self.assertEqual(diff("cloud_tasks_emulator_tasks_retried_total", queue), e["retried"])
                self.assertEqual(diff("cloud_tasks_emulator_tasks_given_up_total", queue),
                                 e["given_up"])
                # Every attempt that ended has a latency; every one sent, a schedule lag.
                self.assertEqual(diff("cloud_tasks_emulator_dispatch_latency_seconds_count", queue),
                                 e["sent"])
                self.assertEqual(diff("cloud_tasks_emulator_schedule_lag_seconds_count", queue),
                                 e["sent"])
                self.assertEqual(diff("cloud_tasks_emulator_dispatch_latency_seconds_bucket", queue,
                                      le="+Inf"), e["sent"])
                # Idle again: nothing waits, nothing is in flight; the defaults are configured.
                self.assertEqual(after[("cloud_tasks_emulator_tasks_waiting", (("queue", queue),))], 0)
                self.assertEqual(after[("cloud_tasks_emulator_tasks_in_flight", (("queue", queue),))],
                                 0)
                self.assertEqual(after[("cloud_tasks_emulator_queue_max_dispatches_per_second",
                                        (("queue", queue),))], 500)
                self.assertEqual(after[("cloud_tasks_emulator_queue_max_concurrent_dispatches",
                                        (("queue", queue),))], 1000)
        # The store committed the calls, in batches; the process's own figures are there.
        self.assertGreater(after[("cloud_tasks_emulator_store_commit_duration_seconds_count", ())],
                           before[("cloud_tasks_emulator_store_commit_duration_seconds_count", ())])
        self.assertGreater(after[("cloud_tasks_emulator_store_batch_jobs_count", ())],
                           before[("cloud_tasks_emulator_store_batch_jobs_count", ())])
        started = after[("process_start_time_seconds", ())]
        self.assertLess(abs(time.time() - started), 600)
        self.assertGreater(after[("process_resident_memory_bytes", ())], 1 << 20)
        self.assertGreater(after[("process_open_fds", ())], 2)
        self.assertGreater(after[("process_max_fds", ())], after[("process_open_fds", ())])
        self.assertGreater(after[("process_cpu_seconds_total", ())], 0)

    def test_waiting_tasks_are_counted_as_created(self):
        queue = f"{LOCATION}/queues/paused"
        call("POST", f"{self.url}/v2/{LOCATION}/queues", {"name": queue})
        call("POST", f"{self.url}/v2/{queue}:pause", {})
        for i in range(5):
            self.create_task(queue, f"t{i}")
        call("DELETE", f"{self.url}/v2/{queue}/tasks/t0")
        after = samples(scrape(self.url)[2])
        labels = (("queue", queue),)
        self.assertEqual(after[("cloud_tasks_emulator_tasks_created_total", labels)], 5)
        self.assertEqual(after[("cloud_tasks_emulator_tasks_waiting", labels)], 4)
        self.assertEqual(after[("cloud_tasks_emulator_dispatch_attempts_sent_total", labels)], 0)

    def test_promtool_accepts_the_page(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool is not installed (Debian package prometheus; make test-deps)")
        queue = self.create_queue("checked", -1)
        self.create_task(queue, "t")
        self.wait_idle([queue])
        _, _, text = scrape(self.url)
        done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(done.stdout.strip(), "", "promtool's lint found problems")

    def test_any_accept_header_gets_the_text_format(self):
        for accept in (None, "*/*", "application/json", "application/openmetrics-text; version=1.0.0",
                       "text/html, image/*;q=0.8", "nonsense"):
            with self.subTest(accept=accept):
                status, content_type, text = scrape(self.url, accept)
                self.assertEqual(status, 200)
                self.assertEqual(content_type, CONTENT_TYPE)
                names = {f.name for f in text_string_to_metric_families(text)}
                self.assertIn("process_start_time_seconds", names)

    def test_the_fixtures_name_only_metrics_the_page_has(self):
        queue = self.create_queue("shown", -1)
        self.create_task(queue, "shown")
        self.wait_idle([queue])
        names = {name for name, _ in samples(scrape(self.url)[2])}
        with open(os.path.join(ROOT, "fixtures", "grafana-dashboard.json")) as f:
            dashboard = json.load(f)
        used = set()
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                used |= set(re.findall(r"\b(?:cloud_tasks_emulator|process)_\w+", target["expr"]))
        self.assertGreater(len(used), 10)
        self.assertEqual(used - names, set())

    def test_metrics_live_apart_from_the_api(self):
        for path in ("/v2/metrics", "/emulator/v1/metrics", "/metrics/x"):
            with self.subTest(path=path):
                with self.assertRaises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(self.url + path, timeout=30)
                self.assertEqual(caught.exception.code, 404)
        with self.assertRaises(ApiError) as caught:
            call("POST", self.url + "/metrics", {})
        self.assertEqual(caught.exception.status, 404)
