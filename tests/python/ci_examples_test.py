"""The CI examples (examples/ci/) and the compose file (fixtures/docker-compose.yml) are valid YAML
of the shape their tools read, and every emulator flag and variable they use exists.

Run: /usr/bin/python3 -m unittest discover -s tests/python -p ci_examples_test.py -v (Debian's
python3-yaml). CTE_EMULATOR_BIN: the emulator, whose --help lists the flags."""

import glob
import os
import re
import subprocess
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def emulator_help():
    return subprocess.run([os.environ["CTE_EMULATOR_BIN"], "--help"], capture_output=True,
                          text=True, check=True).stdout


class CiExamplesTest(unittest.TestCase):
    def test_github_actions(self):
        doc = load(os.path.join(ROOT, "examples/ci/github-actions.yml"))
        self.assertTrue("on" in doc or True in doc)  # PyYAML reads the bare key `on` as True.
        for name, job in doc["jobs"].items():
            self.assertIn("runs-on", job, name)
            self.assertTrue(all("uses" in s or "run" in s for s in job["steps"]), name)
            self.assertEqual(job["env"]["CLOUD_TASKS_EMULATOR_HOST"], "localhost:8123", name)
        service = doc["jobs"]["with-service"]["services"]["cloud-tasks-emulator"]
        self.assertEqual(service["ports"], ["8123:8123"])

    def test_gitlab_ci(self):
        doc = load(os.path.join(ROOT, "examples/ci/gitlab-ci.yml"))
        stages = doc["stages"]
        jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
        self.assertEqual(set(jobs), {"emulator-image", "test"})
        for name, job in jobs.items():
            self.assertIn(job["stage"], stages, name)
            self.assertIsInstance(job["script"], list, name)
        service = jobs["test"]["services"][0]
        self.assertEqual(service["alias"] + ":8123",
                         jobs["test"]["variables"]["CLOUD_TASKS_EMULATOR_HOST"])

    def test_compose(self):
        doc = load(os.path.join(ROOT, "fixtures/docker-compose.yml"))
        services = doc["services"]
        self.assertEqual(set(services), {"cloud-tasks-emulator", "image-service"})
        for service in services.values():
            build = service["build"]
            context = build if isinstance(build, str) else build["context"]
            dockerfile = "Dockerfile" if isinstance(build, str) else build["dockerfile"]
            self.assertTrue(os.path.isfile(os.path.join(ROOT, "fixtures", context, dockerfile)))
        host = services["image-service"]["environment"]["CLOUD_TASKS_EMULATOR_HOST"]
        self.assertEqual(host, "cloud-tasks-emulator:8123")

    def test_flags_and_variables_exist(self):
        help_text = emulator_help()
        flags = help_text.replace("=", " ")
        files = glob.glob(os.path.join(ROOT, "examples/ci/*.yml"))
        files += [os.path.join(ROOT, "fixtures/docker-compose.yml"), os.path.join(ROOT, "Dockerfile")]
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for var in set(re.findall(r"CLOUD_TASKS_EMULATOR_[A-Z_]+", text)) - {
                    "CLOUD_TASKS_EMULATOR_HOST"}:  # The shims' variable, not the emulator's.
                self.assertTrue(var in help_text, (path, var))
            # The emulator's flags: after the image name, or in a service's command.
            for line in re.findall(r"cloud-tasks-emulator\b[^\n]*--[a-z][^\n]*|command: \[[^\]]*\]",
                                   text):
                for flag in re.findall(r'(--[a-z][a-z-]+)', line):
                    self.assertTrue(flag + " " in flags, (path, flag))


if __name__ == "__main__":
    unittest.main()
