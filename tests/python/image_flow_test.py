"""The image-generation flow offline: emulator + the fixture service, end to end.

Run: python3 -m unittest discover -s tests/python -v   (CTE_EMULATOR_BIN names the emulator)
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMULATOR = os.environ.get("CTE_EMULATOR_BIN", os.path.join(ROOT, "build", "bin", "cloud-tasks-emulator"))
QUEUE = "projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue"


def start(args, env=None):
    """Starts a process that prints '... listening on URL' first; returns (process, url)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = proc.stdout.readline().strip()
    if " listening on " not in line:
        proc.kill()
        raise RuntimeError(f"{args[0]} did not start: {line!r}")
    return proc, line.split(" listening on ", 1)[1]


def stop(proc):
    proc.kill()
    proc.wait()
    proc.stdout.close()


def call(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


class ImageFlowTest(unittest.TestCase):
    def run_flow(self, fail_first):
        emulator, emulator_url = start([EMULATOR, "--port", "0", "--db", ":memory:", "--log-level", "warn",
                                        "--config", os.path.join(ROOT, "fixtures", "queues.json")])
        self.addCleanup(stop, emulator)
        output = tempfile.mkdtemp()
        env = dict(os.environ, CLOUD_TASKS_EMULATOR_HOST=emulator_url, GOOGLE_CLOUD_PROJECT="api-ai-blog-writer",
                   CLOUD_TASKS_QUEUE_LOCATION="europe-west1", CLOUD_TASKS_IMAGE_QUEUE_NAME="image-generation-queue",
                   IMAGE_WORKER_FAIL_FIRST=str(fail_first))
        service, service_url = start([sys.executable, os.path.join(ROOT, "fixtures", "image_service", "service.py"),
                                      "--port", "0", "--output", output], env=env)
        self.addCleanup(stop, service)
        queued = call("POST", service_url + "/api/v1/images/generate-async",
                      {"prompt": "A beautiful sunset", "quality": "draft", "aspect_ratio": "16:9"})
        self.assertEqual(queued["status"], "queued")
        self.assertEqual(queued["message"], "Image generation job queued successfully")
        self.assertTrue(queued["is_draft"])
        call("POST", emulator_url + "/emulator/v1:waitIdle",
             {"queues": [QUEUE], "includeScheduled": True, "timeout": "20s"})
        job = call("GET", service_url + "/api/v1/images/jobs/" + queued["job_id"])
        self.assertEqual(job["status"], "completed")
        with open(job["image_path"], "rb") as f:
            self.assertTrue(f.read().startswith(b"\x89PNG\r\n\x1a\n"))
        attempts = call("GET", emulator_url + "/emulator/v1/attempts?queue=" + QUEUE)["attempts"]
        return job, attempts

    def test_image_flow_completes(self):
        job, attempts = self.run_flow(fail_first=0)
        self.assertEqual(job["attempts"], [0])
        self.assertEqual(len(attempts), 1)
        self.assertEqual(attempts[0]["httpStatus"], 200)
        self.assertTrue(attempts[0]["url"].endswith("/api/v1/images/worker"))

    def test_worker_failing_twice_still_completes_on_the_retry_schedule(self):
        job, attempts = self.run_flow(fail_first=2)
        self.assertEqual(job["attempts"], [0, 1, 2])
        self.assertEqual([a.get("httpStatus") for a in attempts], [500, 500, 200])
        from datetime import datetime

        def t(value):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()

        # The image queue keeps Cloud Tasks' default backoff: 0.1 s, then 0.2 s.
        for i, delay in ((1, 0.1), (2, 0.2)):
            gap = t(attempts[i]["scheduleTime"]) - t(attempts[i - 1]["responseTime"])
            self.assertAlmostEqual(gap, delay, delta=0.001)


if __name__ == "__main__":
    unittest.main()
