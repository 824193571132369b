"""Tests of the Python shim against the real emulator binary (stdlib only).

Run from the repository root:  python3 -m unittest discover -s client/python/tests -v

The emulator comes from $CTE_EMULATOR_BIN (default build/bin/cloud-tasks-emulator)
and the test worker from $CTE_WORKER_BIN (default build/bin/cloud-tasks-worker);
both are started on port 0 and talk only to 127.0.0.1.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # client/python: the package, uninstalled

import cloud_tasks_emulator as cte  # noqa: E402
from cloud_tasks_emulator import exceptions  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EMULATOR_BIN = os.environ.get("CTE_EMULATOR_BIN", os.path.join(REPO, "build", "bin", "cloud-tasks-emulator"))
WORKER_BIN = os.environ.get("CTE_WORKER_BIN", os.path.join(REPO, "build", "bin", "cloud-tasks-worker"))
UTC = dt.timezone.utc
PROJECT = "shim-test"
LOCATION = "europe-west1"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return "{}-{}-{}".format(prefix, os.getpid(), next(_counter))


class Process:
    """A child process whose first stdout line is ``... listening on http://HOST:PORT``."""

    def __init__(self, argv, ready_prefix: str, timeout: float = 15.0):
        if not os.access(argv[0], os.X_OK):
            raise unittest.SkipTest("{} not found or not executable (build it, or set the env variable)".format(argv[0]))
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL)
        line = self._first_line(timeout)
        if not line.startswith(ready_prefix):
            self.stop()
            self.stderr.seek(0)
            raise RuntimeError("{} did not start: {!r} {}".format(argv[0], line, self.stderr.read()[-2000:]))
        self.url = line.rsplit(" ", 1)[1].strip()
        self.host = self.url.split("://", 1)[1]

    def _first_line(self, timeout: float) -> str:
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode("utf-8", "replace").split("\n", 1)[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


def start_emulator(*extra: str) -> Process:
    return Process([EMULATOR_BIN, "--port", "0", "--db", ":memory:", "--log-level", "warn", *extra],
                   "cloud-tasks-emulator listening on ")


def start_worker(respond: str) -> Process:
    return Process([WORKER_BIN, "--port", "0", "--respond", respond], "cloud-tasks-worker listening on ")


def http_json(url: str, method: str = "GET"):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with opener.open(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else {}


def worker_requests(worker: Process):
    return http_json(worker.url + "/_worker/requests").get("requests", [])


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Unit tests: no emulator needed
# ---------------------------------------------------------------------------


class TypesTest(unittest.TestCase):
    def test_names_and_paths(self):
        C = cte.CloudTasksClient
        self.assertEqual(C.queue_path("p", "l", "q"), "projects/p/locations/l/queues/q")
        self.assertEqual(C.task_path("p", "l", "q", "t"), "projects/p/locations/l/queues/q/tasks/t")
        self.assertEqual(C.location_path("p", "l"), "projects/p/locations/l")
        self.assertEqual(C.common_location_path("p", "l"), "projects/p/locations/l")
        self.assertEqual(C.common_project_path("p"), "projects/p")
        self.assertEqual(C.parse_task_path("projects/p/locations/l/queues/q/tasks/t"),
                         {"project": "p", "location": "l", "queue": "q", "task": "t"})
        self.assertEqual(C.parse_queue_path("projects/p/locations/l/queues/q")["queue"], "q")
        self.assertEqual(C.parse_queue_path("nonsense"), {})
        client = C(host="127.0.0.1:1")
        self.assertEqual(client.queue_path("p", "l", "q"), "projects/p/locations/l/queues/q")

    def test_host_resolution(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("CLOUD_TASKS_EMULATOR_HOST", None)
            self.assertEqual(cte.CloudTasksClient().api_endpoint, "http://127.0.0.1:8123")
            os.environ["CLOUD_TASKS_EMULATOR_HOST"] = "127.0.0.1:9999"
            self.assertEqual(cte.CloudTasksClient().api_endpoint, "http://127.0.0.1:9999")
            self.assertEqual(cte.Emulator().endpoint, "http://127.0.0.1:9999")
            os.environ["CLOUD_TASKS_EMULATOR_HOST"] = "http://127.0.0.1:7777/"
            self.assertEqual(cte.CloudTasksClient().api_endpoint, "http://127.0.0.1:7777")
            self.assertEqual(cte.CloudTasksClient(host="127.0.0.1:1").api_endpoint, "http://127.0.0.1:1")
            self.assertEqual(
                cte.CloudTasksClient(client_options={"api_endpoint": "http://127.0.0.1:2"}).api_endpoint,
                "http://127.0.0.1:2")

    def test_task_to_rest_json(self):
        when = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
        task = cte.Task({
            "name": "projects/p/locations/l/queues/q/tasks/t",
            "http_request": {
                "http_method": cte.HttpMethod.PUT,
                "url": "http://127.0.0.1:1/x",
                "headers": {"Content-Type": "application/json", "X-Mixed_Case": "v"},
                "body": b'{"a":1}',
                "oidc_token": {"service_account_email": "sa@p.iam.gserviceaccount.com", "audience": "aud"},
            },
            "schedule_time": when,
            "dispatch_deadline": dt.timedelta(seconds=90, milliseconds=500),
        })
        self.assertEqual(task.to_json_dict(), {
            "name": "projects/p/locations/l/queues/q/tasks/t",
            "httpRequest": {
                "httpMethod": "PUT",
                "url": "http://127.0.0.1:1/x",
                "headers": {"Content-Type": "application/json", "X-Mixed_Case": "v"},
                "body": base64.b64encode(b'{"a":1}').decode(),
                "oidcToken": {"serviceAccountEmail": "sa@p.iam.gserviceaccount.com", "audience": "aud"},
            },
            "scheduleTime": "2026-03-01T12:00:00.250Z",
            "dispatchDeadline": "90.500s",
        })
        # Other accepted spellings: strings, seconds, Timestamp-like objects, camelCase keys.
        ts = type("Timestamp", (), {"seconds": 1700000000, "nanos": 5000})()
        other = cte.Task({"httpRequest": {"httpMethod": "post", "url": "u"}, "schedule_time": ts, "dispatch_deadline": 30})
        self.assertEqual(other.to_json_dict()["scheduleTime"], "2023-11-14T22:13:20.000005Z")
        self.assertEqual(other.to_json_dict()["dispatchDeadline"], "30s")
        self.assertIs(other.http_request.http_method, cte.HttpMethod.POST)
        self.assertEqual(cte.types.format_timestamp({"seconds": 0, "nanos": 0}), "1970-01-01T00:00:00Z")
        self.assertEqual(cte.types.format_duration(0.1), "0.100s")

    def test_message_defaults_and_json(self):
        q = cte.Queue.from_json({"name": "n", "rateLimits": {"maxDispatchesPerSecond": 500},
                                 "retryConfig": {"minBackoff": "0.100s", "maxBackoff": "3600s"},
                                 "state": 2, "purgeTime": "2026-01-02T03:04:05.123456789+01:00",
                                 "someNewField": {"innerKey": 1}})
        self.assertEqual(q.rate_limits.max_dispatches_per_second, 500.0)
        self.assertIsInstance(q.rate_limits.max_dispatches_per_second, float)
        self.assertEqual(q.rate_limits.max_burst_size, 0)
        self.assertEqual(q.retry_config.min_backoff, dt.timedelta(milliseconds=100))
        self.assertIsNone(q.retry_config.max_retry_duration)
        self.assertIs(q.state, cte.Queue.State.PAUSED)
        self.assertEqual(q.purge_time, dt.datetime(2026, 1, 2, 2, 4, 5, 123456, tzinfo=UTC))
        self.assertEqual(q.some_new_field.inner_key, 1)
        self.assertFalse(q.stackdriver_logging_config)
        self.assertTrue(q.rate_limits)
        self.assertIn("rate_limits", q)
        self.assertNotIn("stackdriver_logging_config", q)
        with self.assertRaises(AttributeError):
            q.no_such_field
        t = cte.Task.from_json({"name": "x", "view": "FULL"})
        self.assertEqual((t.dispatch_count, t.response_count, t.http_request.body, t.http_request.headers),
                         (0, 0, b"", {}))
        self.assertIs(t.view, cte.Task.View.FULL)
        self.assertEqual(cte.Task.to_dict(t), {"name": "x", "view": 2})

    def test_update_mask_forms(self):
        f = cte.update_mask_to_rest
        self.assertEqual(f({"paths": ["rate_limits.max_dispatches_per_second", "retry_config.min_backoff"]}),
                         "rateLimits.maxDispatchesPerSecond,retryConfig.minBackoff")
        self.assertEqual(f(["state", "stackdriver_logging_config.sampling_ratio"]),
                         "state,stackdriverLoggingConfig.samplingRatio")
        self.assertEqual(f("retry_config.max_attempts"), "retryConfig.maxAttempts")
        self.assertEqual(f(cte.types.FieldMask(paths=["rate_limits"])), "rateLimits")

    def test_exceptions_from_bodies(self):
        def err(code, status, msg="m"):
            return exceptions.from_http_response(
                code, json.dumps({"error": {"code": code, "message": msg, "status": status}}).encode())

        cases = [
            (404, "NOT_FOUND", exceptions.NotFound, exceptions.NotFound),
            (409, "ALREADY_EXISTS", exceptions.AlreadyExists, exceptions.Conflict),
            (400, "INVALID_ARGUMENT", exceptions.InvalidArgument, exceptions.BadRequest),
            (400, "FAILED_PRECONDITION", exceptions.FailedPrecondition, exceptions.BadRequest),
            (403, "PERMISSION_DENIED", exceptions.PermissionDenied, exceptions.Forbidden),
            (501, "UNIMPLEMENTED", exceptions.Unimplemented, exceptions.MethodNotImplemented),
            (504, "DEADLINE_EXCEEDED", exceptions.DeadlineExceeded, exceptions.GatewayTimeout),
            (429, "RESOURCE_EXHAUSTED", exceptions.ResourceExhausted, exceptions.TooManyRequests),
            (503, "UNAVAILABLE", exceptions.ServiceUnavailable, exceptions.ServerError),
            (500, "INTERNAL", exceptions.InternalServerError, exceptions.ServerError),
        ]
        for code, status, cls, parent in cases:
            with self.subTest(status=status):
                e = err(code, status, "boom " + status)
                self.assertIs(type(e), cls)
                self.assertIsInstance(e, parent)
                self.assertIsInstance(e, exceptions.GoogleAPICallError)
                self.assertEqual(e.code, code)
                self.assertEqual(e.grpc_status_code.name, status)
                self.assertEqual(e.message, "boom " + status)
                self.assertEqual(str(e), "{} boom {}".format(code, status))
        plain = exceptions.from_http_response(502, b"bad gateway")
        self.assertIs(type(plain), exceptions.BadGateway)
        self.assertEqual(plain.message, "bad gateway")
        self.assertEqual(exceptions.NotFound("x").grpc_status_code, 5)

    def test_unreachable_emulator(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = cte.CloudTasksClient(host="127.0.0.1:{}".format(port))
        with self.assertRaises(exceptions.ServiceUnavailable):
            client.get_queue(name="projects/p/locations/l/queues/q")

    def test_official_client_helper(self):
        try:
            import google.cloud.tasks_v2  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError) as ctx:
                cte.official_client("127.0.0.1:1")
            self.assertIn("google-cloud-tasks", str(ctx.exception))
        else:
            client = cte.official_client("127.0.0.1:1")
            self.assertEqual(type(client).__name__, "CloudTasksClient")


# ---------------------------------------------------------------------------
# Against the emulator (system clock) and the worker
# ---------------------------------------------------------------------------


class ClientTest(unittest.TestCase):
    emulator: Process
    worker: Process

    @classmethod
    def setUpClass(cls):
        cls.emulator = start_emulator()
        try:
            cls.worker = start_worker("503,200")
        except BaseException:
            cls.emulator.stop()
            raise
        cls.client = cte.CloudTasksClient(host=cls.emulator.host)
        cls.parent = cls.client.common_location_path(PROJECT, LOCATION)

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.emulator.stop()

    def new_queue(self, **fields):
        name = self.client.queue_path(PROJECT, LOCATION, unique("q"))
        return self.client.create_queue(parent=self.parent, queue=dict(name=name, **fields))

    def future(self, minutes=30):
        return dt.datetime.now(UTC).replace(microsecond=123456) + dt.timedelta(minutes=minutes)

    def test_env_variable_is_honoured(self):
        with mock.patch.dict(os.environ, {"CLOUD_TASKS_EMULATOR_HOST": self.emulator.url}):
            client = cte.CloudTasksClient()
            self.assertEqual(client.api_endpoint, self.emulator.url)
            self.assertEqual(client.get_location(name="projects/p/locations/us-central1").location_id, "us-central1")
            self.assertEqual(cte.Emulator().healthz(), "SERVING")

    def test_queue_lifecycle_and_types(self):
        q = self.new_queue(rate_limits={"max_dispatches_per_second": 200, "max_concurrent_dispatches": 1000},
                           retry_config={"max_retry_duration": dt.timedelta(minutes=30), "max_attempts": 5})
        self.assertIsInstance(q, cte.Queue)
        self.assertEqual(q.rate_limits.max_dispatches_per_second, 200.0)
        self.assertEqual(q.rate_limits.max_concurrent_dispatches, 1000)
        self.assertEqual(q.rate_limits.max_burst_size, 100)
        self.assertEqual(q.retry_config.max_attempts, 5)
        self.assertEqual(q.retry_config.max_retry_duration, dt.timedelta(seconds=1800))
        self.assertEqual(q.retry_config.min_backoff, dt.timedelta(seconds=0.1))
        self.assertIsInstance(q.retry_config.max_backoff, dt.timedelta)
        self.assertEqual(q.retry_config.max_doublings, 16)
        self.assertIs(q.state, cte.Queue.State.RUNNING)
        self.assertIsNone(q.purge_time)

        got = self.client.get_queue(name=q.name)
        self.assertEqual(got, q)
        self.assertIs(self.client.pause_queue(name=q.name).state, cte.Queue.State.PAUSED)
        self.assertIs(self.client.get_queue(request={"name": q.name}).state, cte.Queue.State.PAUSED)
        self.assertIs(self.client.resume_queue(request={"name": q.name}).state, cte.Queue.State.RUNNING)
        purged = self.client.purge_queue(name=q.name)
        self.assertIsInstance(purged.purge_time, dt.datetime)
        self.assertEqual(purged.purge_time.tzinfo, UTC)

        self.assertIsNone(self.client.delete_queue(name=q.name))
        with self.assertRaises(exceptions.NotFound) as ctx:
            self.client.get_queue(name=q.name)
        e = ctx.exception
        self.assertEqual(e.code, 404)
        self.assertEqual(e.grpc_status_code, exceptions.StatusCode.NOT_FOUND)
        self.assertEqual(e.grpc_status_code.name, "NOT_FOUND")
        self.assertTrue(e.message)

    def test_create_queue_errors(self):
        q = self.new_queue()
        with self.assertRaises(exceptions.AlreadyExists) as ctx:
            self.client.create_queue(parent=self.parent, queue={"name": q.name})
        self.assertEqual(ctx.exception.code, 409)
        with self.assertRaises(ValueError):  # like proto-plus, "30m" is refused before sending
            self.client.create_queue(parent=self.parent, queue={"name": q.name + "-bad",
                                                                "retry_config": {"max_retry_duration": "30m"}})
        with self.assertRaises(exceptions.InvalidArgument):
            self.client.create_queue(parent=self.parent, queue={"name": q.name + "-bad",
                                                                "rate_limits": {"max_dispatches_per_second": -1}})
        with self.assertRaises(exceptions.NotFound):
            self.client.pause_queue(name=q.name + "-missing")

    def test_request_argument_rules(self):
        q = self.new_queue()
        self.assertEqual(self.client.get_queue(request={"name": q.name}).name, q.name)
        self.assertEqual(self.client.get_queue(cte.types.Message(name=q.name)).name, q.name)
        with self.assertRaises(ValueError):
            self.client.get_queue(request={"name": q.name}, name=q.name)
        with self.assertRaises(ValueError):
            self.client.get_queue()

    def test_list_queues_paging_and_filter(self):
        location = unique("loc")
        parent = self.client.common_location_path(PROJECT, location)
        names = [self.client.queue_path(PROJECT, location, "q{}".format(i)) for i in range(5)]
        for name in names:
            self.client.create_queue(parent=parent, queue={"name": name})
        self.client.pause_queue(name=names[3])

        pager = self.client.list_queues(parent=parent, page_size=2)
        pages = list(pager.pages)
        self.assertEqual(len(pages), 3)
        self.assertEqual([len(p.queues) for p in pages], [2, 2, 1])
        self.assertEqual(sorted(q.name for q in self.client.list_queues(parent=parent, page_size=2)), names)
        self.assertEqual(sorted(q.name for q in self.client.list_queues(request={"parent": parent})), names)
        paused = list(self.client.list_queues(parent=parent, filter="state: PAUSED"))
        self.assertEqual([q.name for q in paused], [names[3]])
        self.assertTrue(all(isinstance(q, cte.Queue) for q in paused))
        with self.assertRaises(exceptions.NotFound):
            self.client.list_tasks(parent=names[0] + "-missing")

    def test_update_queue_with_masks(self):
        q = self.new_queue()
        updated = self.client.update_queue(
            queue={"name": q.name, "rate_limits": {"max_dispatches_per_second": 7, "max_concurrent_dispatches": 3}},
            update_mask={"paths": ["rate_limits.max_dispatches_per_second"]})
        self.assertEqual(updated.rate_limits.max_dispatches_per_second, 7.0)
        self.assertEqual(updated.rate_limits.max_concurrent_dispatches, 1000)  # not in the mask
        updated = self.client.update_queue(
            queue=cte.Queue(name=q.name, retry_config=cte.RetryConfig(min_backoff=dt.timedelta(seconds=2),
                                                                      max_attempts=9)),
            update_mask=["retry_config.min_backoff", "retry_config.max_attempts"])
        self.assertEqual(updated.retry_config.min_backoff, dt.timedelta(seconds=2))
        self.assertEqual(updated.retry_config.max_attempts, 9)
        self.assertEqual(updated.rate_limits.max_dispatches_per_second, 7.0)
        self.assertEqual(self.client.get_queue(name=q.name), updated)
        # Upsert: a missing queue is created.
        name = self.client.queue_path(PROJECT, LOCATION, unique("upsert"))
        created = self.client.update_queue(request={"queue": {"name": name, "retry_config": {"max_attempts": 3}}})
        self.assertEqual(created.retry_config.max_attempts, 3)
        with self.assertRaises(exceptions.InvalidArgument):
            self.client.update_queue(queue={"name": q.name}, update_mask=["no_such_field"])

    def test_iam_methods(self):
        q = self.new_queue()
        empty = self.client.get_iam_policy(resource=q.name)
        self.assertIsInstance(empty, cte.Policy)
        self.assertEqual(empty.bindings, [])
        self.assertIsInstance(empty.etag, bytes)
        policy = self.client.set_iam_policy(resource=q.name, policy={
            "bindings": [{"role": "roles/cloudtasks.viewer", "members": ["user:ada@example.com"]}]})
        self.assertEqual(policy.bindings[0].role, "roles/cloudtasks.viewer")
        self.assertEqual(policy.bindings[0].members, ["user:ada@example.com"])
        self.assertTrue(policy.etag)
        again = self.client.get_iam_policy(request={"resource": q.name, "options": {"requested_policy_version": 3}})
        self.assertEqual(again.bindings, policy.bindings)
        self.assertEqual(again.etag, policy.etag)
        perms = ["cloudtasks.tasks.fullView", "cloudtasks.queues.getIamPolicy"]
        answer = self.client.test_iam_permissions(resource=q.name, permissions=perms)
        self.assertIsInstance(answer, cte.TestIamPermissionsResponse)
        self.assertEqual(sorted(answer.permissions), sorted(perms))

    def test_task_crud_and_types(self):
        q = self.new_queue()
        self.client.pause_queue(name=q.name)  # keep tasks in place
        when = self.future()
        name = self.client.task_path(PROJECT, LOCATION, q.name.rsplit("/", 1)[1], "img-1")
        task = self.client.create_task(parent=q.name, response_view=cte.Task.View.FULL, task={
            "name": name,
            "http_request": {
                "http_method": cte.HttpMethod.PUT,
                "url": self.worker.url + "/api/v1/images/worker",
                "headers": {"Content-Type": "application/json"},
                "body": b'{"prompt":"sunset"}',
                "oidc_token": {"service_account_email": "sa@{}.iam.gserviceaccount.com".format(PROJECT),
                               "audience": "https://example.com"},
            },
            "schedule_time": when,
            "dispatch_deadline": 120,
        })
        self.assertIsInstance(task, cte.Task)
        self.assertEqual(task.name, name)
        self.assertEqual(task.http_request.url, self.worker.url + "/api/v1/images/worker")
        self.assertIs(task.http_request.http_method, cte.HttpMethod.PUT)
        self.assertEqual(task.http_request.headers["Content-Type"], "application/json")
        self.assertEqual(task.http_request.headers["User-Agent"], "Google-Cloud-Tasks")
        self.assertEqual(task.http_request.body, b'{"prompt":"sunset"}')
        self.assertEqual(task.http_request.oidc_token.audience, "https://example.com")
        self.assertEqual(task.schedule_time, when)
        self.assertEqual(task.schedule_time.tzinfo, UTC)
        self.assertIsInstance(task.create_time, dt.datetime)
        self.assertEqual(task.create_time.tzinfo, UTC)
        self.assertEqual(task.dispatch_deadline, dt.timedelta(seconds=120))
        self.assertEqual((task.dispatch_count, task.response_count), (0, 0))
        self.assertFalse(task.first_attempt)
        self.assertIs(task.view, cte.Task.View.FULL)

        basic = self.client.get_task(name=name)
        self.assertIs(basic.view, cte.Task.View.BASIC)
        self.assertEqual(basic.http_request.body, b"")
        full = self.client.get_task(request={"name": name, "response_view": "FULL"})
        self.assertEqual(full.http_request.body, b'{"prompt":"sunset"}')

        # Generated names, schedule times as strings, default method.
        for i in range(4):
            t = self.client.create_task(parent=q.name, task={
                "http_request": {"url": self.worker.url + "/n{}".format(i)},
                "schedule_time": when.isoformat().replace("+00:00", "Z")})
            self.assertIs(t.http_request.http_method, cte.HttpMethod.POST)
            self.assertEqual(t.schedule_time, when)
        listed = self.client.list_tasks(parent=q.name, page_size=2)
        self.assertEqual(len(list(listed.pages)), 3)
        tasks = list(self.client.list_tasks(parent=q.name, page_size=2, response_view=cte.Task.View.FULL))
        self.assertEqual(len(tasks), 5)
        self.assertEqual(tasks[0].http_request.body, b'{"prompt":"sunset"}')
        self.assertTrue(all(t.view is cte.Task.View.FULL for t in tasks))

        with self.assertRaises(exceptions.AlreadyExists) as ctx:
            self.client.create_task(parent=q.name, task={"name": name, "http_request": {"url": self.worker.url}})
        self.assertEqual(ctx.exception.code, 409)
        self.assertEqual(ctx.exception.grpc_status_code, 6)

        self.assertIsNone(self.client.delete_task(name=name))
        with self.assertRaises(exceptions.NotFound):
            self.client.get_task(name=name)
        with self.assertRaises(exceptions.AlreadyExists):  # the name stays blocked
            self.client.create_task(parent=q.name, task={"name": name, "http_request": {"url": self.worker.url}})
        with self.assertRaises(exceptions.NotFound):
            self.client.delete_task(name=name)
        self.assertEqual(len(list(self.client.list_tasks(parent=q.name))), 4)

    def test_create_task_errors(self):
        q = self.new_queue()
        with self.assertRaises(exceptions.InvalidArgument) as ctx:
            self.client.create_task(parent=q.name, task={"http_request": {"url": "ftp://example.com/x"}})
        self.assertEqual(ctx.exception.code, 400)
        self.assertIn("http://", ctx.exception.message)
        self.assertIsInstance(ctx.exception, exceptions.BadRequest)
        with self.assertRaises(exceptions.InvalidArgument):
            self.client.create_task(parent=q.name, task={"http_request": {"url": self.worker.url},
                                                         "dispatch_deadline": dt.timedelta(seconds=5)})
        with self.assertRaises(exceptions.NotFound):
            self.client.create_task(parent=q.name + "-missing", task={"http_request": {"url": self.worker.url}})

    def test_run_task_delivers_to_worker(self):
        q = self.new_queue()
        self.client.pause_queue(name=q.name)  # only RunTask may dispatch
        task = self.client.create_task(parent=q.name, task={
            "http_request": {"http_method": "POST", "url": self.worker.url + "/run-me",
                             "headers": {"Content-Type": "text/plain", "X-Custom": "yes"}, "body": b"hello"},
            "schedule_time": self.future(60)})
        ran = self.client.run_task(name=task.name)
        self.assertEqual(ran.name, task.name)
        self.assertEqual(ran.dispatch_count, 1)
        self.assertIsInstance(ran.last_attempt.dispatch_time, dt.datetime)
        task_id = task.name.rsplit("/", 1)[1]

        def delivered():
            return [r for r in worker_requests(self.worker) if r["path"] == "/run-me"
                    and dict(r["headers"]).get("X-CloudTasks-TaskName") == task_id]

        got = wait_for(delivered)
        self.assertTrue(got, "the worker never received the task")
        req = got[0]
        headers = dict(req["headers"])
        self.assertEqual(req["method"], "POST")
        self.assertEqual(base64.b64decode(req["body"]), b"hello")
        self.assertEqual(headers["X-Custom"], "yes")
        self.assertEqual(headers["Content-Type"], "text/plain")
        self.assertEqual(headers["X-CloudTasks-QueueName"], q.name.rsplit("/", 1)[1])

        # The worker answered 503 first: the task stays, with a response recorded.
        after = wait_for(lambda: (lambda t: t if t.response_count >= 1 else None)(self.client.get_task(name=task.name)))
        self.assertIsNotNone(after)
        self.assertEqual(after.last_attempt.response_status.code, 14)  # UNAVAILABLE for HTTP 503
        # The second run gets 200 and the task is gone.
        self.client.run_task(request={"name": task.name, "response_view": cte.Task.View.FULL})

        def gone():
            try:
                self.client.get_task(name=task.name)
                return False
            except exceptions.NotFound:
                return True

        self.assertTrue(wait_for(gone))

    def test_locations(self):
        loc = self.client.get_location(request={"name": "projects/{}/locations/{}".format(PROJECT, LOCATION)})
        self.assertIsInstance(loc, cte.Location)
        self.assertEqual(loc.location_id, LOCATION)
        listed = self.client.list_locations(request={"name": "projects/" + PROJECT})
        self.assertIn(LOCATION, [l.location_id for l in listed.locations])


# ---------------------------------------------------------------------------
# The harness under the manual clock
# ---------------------------------------------------------------------------


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = start_emulator("--clock", "manual")
        try:
            cls.worker = start_worker("500")
        except BaseException:
            cls.emulator.stop()
            raise
        cls.client = cte.CloudTasksClient(host=cls.emulator.host)
        cls.em = cte.Emulator(host=cls.emulator.url)
        cls.parent = cls.client.common_location_path(PROJECT, LOCATION)

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        cls.emulator.stop()

    def setUp(self):
        self.em.reset()

    def test_health_and_clock(self):
        self.assertEqual(self.em.healthz(), "SERVING")
        self.assertEqual(self.em.clock_mode(), "manual")
        now = self.em.clock()
        self.assertEqual(now.tzinfo, UTC)
        self.assertEqual(self.em.advance(90), now + dt.timedelta(seconds=90))
        self.assertEqual(self.em.advance(dt.timedelta(minutes=30)), now + dt.timedelta(seconds=1890))
        self.assertEqual(self.em.clock(), now + dt.timedelta(seconds=1890))
        # The flags' forms too (issue 18): "1h", "30m", "1h30m".
        self.assertEqual(self.em.advance("1h"), now + dt.timedelta(seconds=5490))
        self.assertEqual(self.em.advance("1h30m"), now + dt.timedelta(seconds=10890))
        with self.assertRaises(exceptions.InvalidArgument):
            self.em.advance("1 hour")
        now = self.em.clock()
        target = (now + dt.timedelta(days=1)).replace(microsecond=0)
        self.assertEqual(self.em.set_time(target), target)
        with self.assertRaises(exceptions.InvalidArgument):
            self.em.set_time(now)

    def test_retry_window_settles_with_twelve_attempts(self):
        q = self.client.create_queue(parent=self.parent, queue={
            "name": self.client.queue_path(PROJECT, LOCATION, unique("retry")),
            "retry_config": {"max_attempts": -1, "max_retry_duration": dt.timedelta(seconds=1800),
                             "min_backoff": dt.timedelta(seconds=10), "max_backoff": "300s", "max_doublings": 3},
        })
        self.assertEqual(q.retry_config.max_attempts, -1)
        task = self.client.create_task(parent=q.name, task={"http_request": {"url": self.worker.url + "/always-500"}})
        start = time.monotonic()
        self.em.wait_idle(queues=[q.name], timeout=30, include_scheduled=True)
        self.assertLess(time.monotonic() - start, 20)

        attempts = self.em.attempts(queue=q.name, page_size=5)  # several pages
        self.assertEqual(len(attempts), 12)
        self.assertEqual([a.attempt for a in attempts], list(range(1, 13)))
        self.assertTrue(all(a.outcome == "RESPONSE" and a.http_status == 500 for a in attempts))
        self.assertTrue(all(a.task == task.name for a in attempts))
        offsets = [(a.schedule_time - attempts[0].schedule_time).total_seconds() for a in attempts]
        self.assertEqual(offsets, [0, 10, 30, 70, 150, 310, 550, 850, 1150, 1450, 1750, 2050])
        self.assertIsInstance(attempts[0].latency, dt.timedelta)
        self.assertEqual(attempts[3].header("x-cloudtasks-taskretrycount"), "3")
        self.assertEqual(len(self.em.attempts(task=task.name)), 12)
        self.assertEqual(len(self.em.attempts()), 12)

        with self.assertRaises(exceptions.NotFound):  # given up, hence deleted
            self.client.get_task(name=task.name)
        stats = self.em.stats().queue(q.name)
        self.assertEqual((stats.dispatched, stats.given_up, stats.succeeded, stats.tasks_waiting), (12, 1, 0, 0))
        # A short name or a missing queue is an error, never a silent None or an idle answer.
        short = q.name.rsplit("/", 1)[1]
        with self.assertRaises(exceptions.InvalidArgument):
            self.em.stats().queue(short)
        with self.assertRaises(exceptions.NotFound):
            self.em.stats().queue(q.name + "-missing")
        with self.assertRaises(exceptions.InvalidArgument):
            self.em.wait_idle(queues=[short], timeout="1s")
        with self.assertRaises(exceptions.NotFound):
            self.em.wait_idle(queues=[q.name + "-missing"], timeout="1m")

        self.em.reset(queue=q.name)
        self.assertEqual(self.em.attempts(queue=q.name), [])
        self.assertEqual(self.client.get_queue(name=q.name).name, q.name)  # one-queue reset keeps the queue

    def test_wait_idle_timeout_and_full_reset(self):
        # A worker that accepts the connection and never answers keeps the task in flight.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            url = "http://127.0.0.1:{}/hang".format(silent.getsockname()[1])
            q = self.client.create_queue(parent=self.parent, queue={
                "name": self.client.queue_path(PROJECT, LOCATION, unique("hang"))})
            task = self.client.create_task(parent=q.name, task={"http_request": {"url": url}})
            wait_for(lambda: self.em.attempts(task=task.name))
            with self.assertRaises(exceptions.DeadlineExceeded) as ctx:
                self.em.wait_idle(timeout=0.5)
            self.assertEqual(ctx.exception.code, 504)
            self.assertEqual(self.em.attempts(task=task.name)[0].outcome, "IN_FLIGHT")
            self.client.delete_task(name=task.name)
        self.em.reset()
        with self.assertRaises(exceptions.NotFound):
            self.client.get_queue(name=q.name)
        self.assertEqual(self.em.attempts(), [])
        self.assertEqual(self.em.stats().queues, [])

    def test_advance_needs_manual_clock_message(self):
        # The system-clock emulator refuses to move its clock.
        other = start_emulator()
        try:
            with self.assertRaises(exceptions.FailedPrecondition):
                cte.Emulator(other.host).advance(1)
        finally:
            other.stop()


if __name__ == "__main__":
    unittest.main()
