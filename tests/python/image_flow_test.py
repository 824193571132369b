"""The image-generation flow offline: emulator + the fixture service, end to end.

Run: python3 -m unittest discover -s tests/python -v   (CTE_EMULATOR_BIN names the emulator)
"""

import os
import sys
import tempfile
import unittest

from support import EMULATOR, ROOT, call, start, stop

QUEUE = "projects/api-ai-blog-writer/locations/europe-west1/queues/image-generation-queue"


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
