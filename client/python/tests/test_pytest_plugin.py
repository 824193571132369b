"""The pytest plugin (cloud_tasks_emulator.pytest_plugin), run by pytest itself on the sample
suite in pytest_sample/: it starts the emulator binary, resets it before each test, and fails
with a clear message when there is no emulator to start."""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EMULATOR_BIN = os.environ.get("CTE_EMULATOR_BIN", os.path.join(REPO, "build", "bin", "cloud-tasks-emulator"))


def python_with_pytest():
    for python in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode == 0:
            return python
    return None


class PytestPluginTest(unittest.TestCase):
    def run_pytest(self, *args, env_extra=None):
        python = python_with_pytest()
        if python is None:
            self.skipTest("pytest is not installed (Debian's python3-pytest; make test installs it)")
        env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
        env.pop("CLOUD_TASKS_EMULATOR_HOST", None)
        env.update(env_extra or {})
        return subprocess.run(
            [python, "-m", "pytest", "-p", "cloud_tasks_emulator.pytest_plugin", "-q",
             "-p", "no:cacheprovider", os.path.join(HERE, "pytest_sample"), *args],
            capture_output=True, text=True, env=env, timeout=120)

    def test_the_sample_suite_passes_with_the_emulator_started_and_reset(self):
        run = self.run_pytest("--cloud-tasks-emulator", EMULATOR_BIN,
                              "--cloud-tasks-emulator-args", "--clock manual")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("3 passed", run.stdout)

    def test_no_emulator_to_start_fails_with_what_to_do(self):
        run = self.run_pytest("--cloud-tasks-emulator", "/nonexistent/cloud-tasks-emulator")
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("no cloud-tasks-emulator to start", run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
