"""A pytest plugin: the emulator for a test session, reset before each test.

Turn it on with ``pytest -p cloud_tasks_emulator.pytest_plugin``, or in ``conftest.py``::

    pytest_plugins = ["cloud_tasks_emulator.pytest_plugin"]

Fixtures:

``cloud_tasks_emulator_host`` (session)
    ``HOST:PORT`` of the emulator. With ``$CLOUD_TASKS_EMULATOR_HOST`` set, that emulator is used;
    otherwise the binary (``--cloud-tasks-emulator PATH``, else ``$CLOUD_TASKS_EMULATOR_BIN``, else
    ``cloud-tasks-emulator`` on the PATH) is started on a free port of 127.0.0.1 with an in-memory
    database and the flags of ``--cloud-tasks-emulator-args`` (e.g. ``"--clock manual"``), and
    stopped at the end. ``$CLOUD_TASKS_EMULATOR_HOST`` is set for the session, so that the shim's
    ``CloudTasksClient()`` and ``Emulator()`` made anywhere in the code under test find it.

``cloud_tasks`` (each test)
    An :class:`~cloud_tasks_emulator.Emulator` on that emulator, reset first (no queue, no task,
    no attempt, the manual clock where it was started): ``wait_idle()``, ``advance()``,
    ``attempts()``, ``stats()``.
"""

from __future__ import annotations

import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from typing import Iterator, List

import pytest

from .emulator import Emulator

_READY = " listening on "


def pytest_addoption(parser):
    group = parser.getgroup("cloud-tasks-emulator")
    group.addoption("--cloud-tasks-emulator", default=None,
                    help="the cloud-tasks-emulator binary to start (default: "
                         "$CLOUD_TASKS_EMULATOR_BIN, else the one on the PATH)")
    group.addoption("--cloud-tasks-emulator-args", default="",
                    help="more flags for the emulator, e.g. '--clock manual'")


def _binary(config) -> str:
    binary = (config.getoption("cloud_tasks_emulator")
              or os.environ.get("CLOUD_TASKS_EMULATOR_BIN")
              or shutil.which("cloud-tasks-emulator"))
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("no cloud-tasks-emulator to start: pass --cloud-tasks-emulator PATH, set "
                    "CLOUD_TASKS_EMULATOR_BIN, or set CLOUD_TASKS_EMULATOR_HOST to a running one",
                    pytrace=False)
    return binary


def _start(argv: List[str], timeout: float = 15.0) -> "tuple[subprocess.Popen, str]":
    """Starts the emulator and reads its ready line; returns the process and HOST:PORT."""
    # Its log goes to a file: a pipe nobody reads would fill and stop the emulator.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:  # Read from the descriptor itself: no buffer hides what came.
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            break
        data += chunk
    line = data.split(b"\n", 1)[0].decode(errors="replace")
    if _READY not in line:
        proc.kill()
        proc.wait()
        log.seek(0)
        err = log.read().decode(errors="replace")[-2000:]
        pytest.fail("{} did not start: {!r} {}".format(argv[0], line, err), pytrace=False)
    return proc, line.strip().split(_READY, 1)[1].split("://", 1)[-1]


@pytest.fixture(scope="session")
def cloud_tasks_emulator_host(request) -> Iterator[str]:
    given = os.environ.get("CLOUD_TASKS_EMULATOR_HOST")
    if given:
        yield given
        return
    argv = [_binary(request.config), "--host", "127.0.0.1", "--port", "0", "--db", ":memory:",
            *shlex.split(request.config.getoption("cloud_tasks_emulator_args"))]
    proc, host = _start(argv)
    os.environ["CLOUD_TASKS_EMULATOR_HOST"] = host
    try:
        yield host
    finally:
        os.environ.pop("CLOUD_TASKS_EMULATOR_HOST", None)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def cloud_tasks(cloud_tasks_emulator_host: str) -> Emulator:
    emulator = Emulator(cloud_tasks_emulator_host)
    emulator.reset()
    return emulator
