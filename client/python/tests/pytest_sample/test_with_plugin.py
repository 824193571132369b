"""A user's test suite with the pytest plugin (run by test_pytest_plugin.py, not collected by
unittest): the emulator comes from the session fixture and is reset before each test."""

import os

import cloud_tasks_emulator as cte

PARENT = "projects/plugin-test/locations/europe-west1"


def test_a_task_reaches_its_attempt(cloud_tasks):
    client = cte.CloudTasksClient()  # Finds the emulator through $CLOUD_TASKS_EMULATOR_HOST.
    assert os.environ["CLOUD_TASKS_EMULATOR_HOST"] == cloud_tasks.endpoint.split("://")[-1]
    queue = client.create_queue(parent=PARENT, queue={"name": PARENT + "/queues/q"})
    client.create_task(parent=queue.name, task={"http_request": {"url": "http://127.0.0.1:9/x"}})
    cloud_tasks.wait_idle(timeout="10s")
    attempts = cloud_tasks.attempts(queue=queue.name)
    assert len(attempts) >= 1


def test_the_emulator_was_reset_before_this_test(cloud_tasks):
    client = cte.CloudTasksClient()
    assert list(client.list_queues(parent=PARENT)) == []
    assert cloud_tasks.attempts() == []


def test_the_manual_clock_moves_when_told(cloud_tasks):
    before = cloud_tasks.clock()
    after = cloud_tasks.advance("1h")
    assert (after - before).total_seconds() == 3600
    assert cloud_tasks.clock_mode() == "manual"
