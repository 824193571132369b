"""Bad input on the API: a corpus of over 200 malformed requests against the real binary.

Each must get Google's JSON error with the right HTTP status and code name, the emulator must keep
serving, and what it stores must not change. Standard library only.

Run: CTE_EMULATOR_BIN=build/bin/cloud-tasks-emulator python3 -m unittest tests/python/bad_input_test.py
"""

import http.client
import json
import os
import socket
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMULATOR = os.environ.get("CTE_EMULATOR_BIN", os.path.join(ROOT, "build", "bin", "cloud-tasks-emulator"))
LOC = "projects/p/locations/l"
QUEUE = f"{LOC}/queues/q"
TASK = f"{QUEUE}/tasks/t"

BAD = (400, "INVALID_ARGUMENT")
NOT_FOUND = (404, "NOT_FOUND")


def wrong_values(kind):
    """JSON values of every type but `kind` ("string", "number", "object", "bool", "array")."""
    values = {"string": ['"x"', '""'], "number": ["1", "-2.5"], "object": ["{}", '{"a":1}'],
              "bool": ["true"], "array": ["[]", "[1]"]}
    out = []
    for k, vs in values.items():
        if k != kind and not (kind == "number" and k == "string"):  # Numbers may come as strings.
            out += vs
    return out


def corpus():
    """(label, method, path, body, expected (status, name)) for requests that parse as HTTP."""
    cases = []
    # Wrong JSON types, field by field (the proto3 JSON mapping is strict about types).
    queue_fields = {
        "name": "string", "rateLimits": "object", "retryConfig": "object",
        "stackdriverLoggingConfig": "object", "appEngineRoutingOverride": "object",
    }
    for field, kind in queue_fields.items():
        for v in wrong_values(kind):
            cases.append((f"queue.{field}={v}", "POST", f"/v2/{LOC}/queues",
                          f'{{"name":"{LOC}/queues/n","{field}":{v}}}', BAD))
    nested = {
        "rateLimits": {"maxDispatchesPerSecond": "number", "maxConcurrentDispatches": "number"},
        "retryConfig": {"maxAttempts": "number", "maxDoublings": "number", "minBackoff": "string",
                        "maxBackoff": "string", "maxRetryDuration": "string"},
    }
    for parent, fields in nested.items():
        for field, kind in fields.items():
            for v in wrong_values(kind) + (['"abc"'] if kind == "number" else ['"10"', '"x1s"']):
                cases.append((f"queue.{parent}.{field}={v}", "POST", f"/v2/{LOC}/queues",
                              f'{{"name":"{LOC}/queues/n","{parent}":{{"{field}":{v}}}}}', BAD))
    task_fields = {"name": "string", "httpRequest": "object", "scheduleTime": "string",
                   "dispatchDeadline": "string", "appEngineHttpRequest": "object"}
    for field, kind in task_fields.items():
        for v in wrong_values(kind):
            cases.append((f"task.{field}={v}", "POST", f"/v2/{QUEUE}/tasks",
                          f'{{"task":{{"{field}":{v}}}}}', BAD))
    http_fields = {"url": "string", "httpMethod": "string", "headers": "object", "body": "string",
                   "oidcToken": "object", "oauthToken": "object"}
    for field, kind in http_fields.items():
        for v in wrong_values(kind):
            if field == "httpMethod" and v in ("1", "-2.5"):
                continue  # Enums may be numbers; -2.5 is covered below.
            cases.append((f"task.httpRequest.{field}={v}", "POST", f"/v2/{QUEUE}/tasks",
                          f'{{"task":{{"httpRequest":{{"url":"http://w/","{field}":{v}}}}}}}', BAD))
    # Unknown fields and enum values, out-of-range numbers, bad times, durations and bytes.
    task = '{"task":{"httpRequest":{"url":"http://w/"%s}%s}%s}'
    for extra_http, extra_task, extra_top in [
        (',"nope":1', "", ""), ("", ',"nope":1', ""), ("", "", ',"nope":1'),
        (',"httpMethod":"FETCH"', "", ""), (',"httpMethod":99', "", ""),
        (',"httpMethod":-2.5', "", ""), ("", "", ',"responseView":"HUGE"'),
        ("", "", ',"responseView":7'), (',"body":"***"', "", ""), (',"body":"a"', "", ""),
        (',"headers":{"A":1}', "", ""), (',"headers":{"A":null,"B":[]}', "", ""),
        ("", ',"scheduleTime":"yesterday"', ""), ("", ',"scheduleTime":"2026-13-01T00:00:00Z"', ""),
        ("", ',"scheduleTime":"2026-01-01T25:00:00Z"', ""), ("", ',"scheduleTime":"10000-01-01T00:00:00Z"', ""),
        ("", ',"dispatchDeadline":"15"', ""), ("", ',"dispatchDeadline":"1.0000000001s"', ""),
        ("", ',"dispatchDeadline":"5s"', ""), ("", ',"dispatchDeadline":"3601s"', ""),
        (',"url":"ftp://w/"', "", ""), (',"url":""', "", ""),
        (',"oidcToken":{},"oauthToken":{}', "", ""), (',"oidcToken":{"x":1}', "", ""),
        ("", ',"appEngineHttpRequest":{}', ""), ("", ',"name":"bad name"', ""),
        ("", f',"name":"{QUEUE}/tasks/has space"', ""), ("", f',"name":"{LOC}/queues/other/tasks/x"', ""),
        ("", f',"name":"{QUEUE}/tasks/{"x" * 501}"', ""),
    ]:
        cases.append((f"task extras {extra_http}{extra_task}{extra_top}"[:80], "POST",
                      f"/v2/{QUEUE}/tasks", task % (extra_http, extra_task, extra_top), BAD))
    for v in ["1e40", "-1e40", "2147483648", "-2147483649", "1.5", '"12abc"', "true"]:
        cases.append((f"maxAttempts={v}", "POST", f"/v2/{LOC}/queues",
                      f'{{"name":"{LOC}/queues/n","retryConfig":{{"maxAttempts":{v}}}}}', BAD))
    for v in ["501", "-1", "1e308", '"NaN"', '"Infinity"']:
        cases.append((f"maxDispatchesPerSecond={v}", "POST", f"/v2/{LOC}/queues",
                      f'{{"name":"{LOC}/queues/n","rateLimits":{{"maxDispatchesPerSecond":{v}}}}}', BAD))
    for v in ["99999999999", "-5", "abc", "1.5", ""]:
        if v not in ("-5", ""):
            cases.append((f"pageSize={v}", "GET", f"/v2/{LOC}/queues?pageSize={v}", None, BAD))
    for q in ["pageToken=garbage", "nope=1", "updateMask=x", "responseView=HUGE", "filter=state:%20NOPE"]:
        cases.append((f"query {q}", "GET", f"/v2/{QUEUE}/tasks?{q}", None, BAD))
    # JSON that does not parse, invalid UTF-8, deep nesting, and bodies of the wrong shape.
    for body in ['{', '{"task":', '{"task":{}}}', "[]", '"x"', "1", "null", "{'a':1}", '{"a":1,}',
                 '{"task":{"name":"\\ud800"}}', b'{"task":{"name":"\xff\xfe"}}',
                 b'{"task":{"name":"\xc3\x28"}}', '{"task":' * 100 + "{}" + "}" * 100,
                 '[' * 10000, '{"a":' * 70 + '1' + '}' * 70, "\x00\x01\x02", "NaN"]:
        cases.append((f"body {body[:30]!r}", "POST", f"/v2/{QUEUE}/tasks", body, BAD))
    for path in [f"/v2/{QUEUE}:pause", f"/v2/{QUEUE}:resume", f"/v2/{QUEUE}:purge"]:
        for body in ['{"x":1}', "[1]", '{"name":"other"}']:
            cases.append((f"{path[-7:]} {body}", "POST", path, body, BAD))
    # Names, percent-escapes and path tricks.
    for path in [f"/v2/{LOC}/queues/%ZZ", f"/v2/{LOC}/queues/%", f"/v2/{LOC}/queues/%4",
                 "/v2/projects/%G0/locations/l/queues",
                 # A decoded "/" inside one segment makes a malformed queue name, not a new route.
                 f"/v2/{LOC}/queues/q%2Ftasks"]:
        cases.append((f"escape {path}", "GET", path, None, BAD))
    for path in ["/", "/v2", "/v2/", "/v3/projects/p/locations/l/queues", "/v2/projects",
                 "/v2/projects/p/locations/l/queues/q/tasks/t/x", "/v2/projects/p/locs/l/queues",
                 "/v2/projects//locations/l/queues", "/v2/projects/p/locations/l/queues//tasks",
                 "/v2/../v2/projects/p/locations/l/queues", "/v2/projects/p/locations/l/queues/q:nope",
                 "/v2/projects/p/locations/l/queues/q/tasks/t:nope", "/emulator/v1/nope",
                 "/v2/projects/p/locations/l/queues/", "/.well-known/nope",
                 "/v2/projects/p/locations/l/queues/q/tasks/t/../../../../../etc/passwd"]:
        cases.append((f"route {path}", "GET", path, None, NOT_FOUND))
    for method, path in [("PUT", f"/v2/{QUEUE}"), ("DELETE", f"/v2/{LOC}/queues"), ("PATCH", f"/v2/{TASK}"),
                         ("POST", f"/v2/{TASK}"), ("GET", f"/v2/{TASK}:run"), ("BREW", f"/v2/{QUEUE}")]:
        cases.append((f"verb {method} {path}", method, path, None if method in ("GET", "DELETE") else "{}",
                      NOT_FOUND))
    for name in ["bad name!", "a" * 101, "q_q", "q.q", ""]:
        cases.append((f"queue name {name[:20]}", "POST", f"/v2/{LOC}/queues", json.dumps({"name": f"{LOC}/queues/{name}"}), BAD))
    for name in ["projects/p/locations/l/queues", "projects/p/queues/q", "q", f"{LOC}/queues/q/tasks/t"]:
        cases.append((f"queue full name {name}", "POST", f"/v2/{LOC}/queues", json.dumps({"name": name}), BAD))
    return cases


def raw_corpus():
    """Byte strings that are not valid HTTP/1.1 requests, or that break the server's limits."""
    big_header = "X-Big: " + "a" * 70000
    body_limit = 10 * 1024 * 1024
    return [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\nHost x\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\n: empty-name\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"POST /v2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /v2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n0\r\n\r\n",
        b"GET /v2\x00 HTTP/1.1\r\n\r\n",
        b"GET /v2 HTTP/1.1\r\nX-A: \x01\x02\r\n\r\n",
        ("GET /v2 HTTP/1.1\r\n" + big_header + "\r\n\r\n").encode(),
        (f"POST /v2/{QUEUE}/tasks HTTP/1.1\r\nContent-Length: {body_limit + 1}\r\n\r\n").encode() + b"x" * (body_limit + 1),
        ("GET /" + "a" * 100000 + " HTTP/1.1\r\n\r\n").encode(),
    ]


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen([EMULATOR, "--port", "0", "--db", ":memory:", "--log-level", "off"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.proc.stdout.readline()
        cls.port = int(line.rsplit(":", 1)[1])
        status, _ = cls.request("POST", f"/v2/{LOC}/queues", json.dumps({"name": QUEUE}))
        assert status == 200
        cls.request("POST", f"/v2/{QUEUE}:pause", "{}")
        status, _ = cls.request("POST", f"/v2/{QUEUE}/tasks",
                                json.dumps({"task": {"name": TASK, "httpRequest": {"url": "http://w/"}}}))
        assert status == 200

    @classmethod
    def tearDownClass(cls):
        cls.proc.kill()
        cls.proc.wait()
        cls.proc.stdout.close()

    @classmethod
    def request(cls, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=30)
        try:
            data = body.encode() if isinstance(body, str) else body
            conn.putrequest(method, path, skip_accept_encoding=True)
            conn.putheader("Content-Type", "application/json")
            if data is not None:
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def snapshot(self):
        queues = self.request("GET", f"/v2/{LOC}/queues")
        tasks = self.request("GET", f"/v2/{QUEUE}/tasks?responseView=FULL")
        return queues, tasks

    def assert_google_error(self, raw, status, name, label):
        try:
            error = json.loads(raw)["error"]
        except (ValueError, KeyError, TypeError):
            self.fail(f"{label}: not Google's error shape: {raw[:200]!r}")
        self.assertEqual(error["code"], status, label)
        self.assertEqual(error["status"], name, label)
        self.assertTrue(error["message"], label)

    def test_corpus(self):
        before = self.snapshot()
        cases = corpus()
        self.assertGreaterEqual(len(cases) + len(raw_corpus()), 200)
        for label, method, path, body, (status, name) in cases:
            with self.subTest(label):
                got, raw = self.request(method, path, body)
                self.assertEqual(got, status, f"{label}: {raw[:200]!r}")
                self.assert_google_error(raw, status, name, label)
        for i, data in enumerate(raw_corpus()):
            with self.subTest(f"raw {i}: {data[:40]!r}"):
                with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                    try:
                        s.sendall(data)
                    except OSError:
                        pass  # The server may close early on an oversized request.
                    reply = b""
                    try:
                        while chunk := s.recv(65536):
                            reply += chunk
                    except OSError:
                        pass
                head, _, body = reply.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 400"), f"{data[:60]!r} -> {reply[:200]!r}")
                self.assert_google_error(body, 400, "INVALID_ARGUMENT", repr(data[:60]))
        self.assertIsNone(self.proc.poll(), "the emulator is still running")
        self.assertEqual(self.snapshot(), before, "nothing stored changed")


if __name__ == "__main__":
    unittest.main()
