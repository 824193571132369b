"""Test-harness helpers (``/emulator/v1``) and the official-client factory."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, Iterable, List, Optional, Union

from . import exceptions, types
from ._transport import Transport, resolve_endpoint
from .types import DURATION, INT, STRING, TIMESTAMP, DOUBLE, Message, Repeated

__all__ = ["Emulator", "AttemptRecord", "QueueStats", "Stats", "official_client"]


class AttemptRecord(Message):
    """One entry of the attempt log (``GET /emulator/v1/attempts``).

    ``outcome`` is ``RESPONSE`` (see ``http_status``), ``DEADLINE_EXCEEDED``,
    ``CONNECTION_ERROR`` (see ``error``), ``DISCARDED`` or ``IN_FLIGHT``;
    ``headers`` is a list of messages with ``name`` and ``value``.
    """

    _fields = {
        "queue": STRING,
        "task": STRING,
        "attempt": INT,
        "schedule_time": TIMESTAMP,
        "dispatch_time": TIMESTAMP,
        "response_time": TIMESTAMP,
        "method": STRING,
        "url": STRING,
        "headers": Repeated(types.ANY),
        "outcome": STRING,
        "http_status": INT,
        "error": STRING,
        "latency": DURATION,
    }

    def header(self, name: str) -> Optional[str]:
        """The value of the header ``name`` (case-insensitive) sent in this attempt."""
        for h in self.headers:
            if str(getattr(h, "name", "")).lower() == name.lower():
                return getattr(h, "value", None)
        return None


class QueueStats(Message):
    """Counters of one queue from ``GET /emulator/v1/stats``."""

    _fields = {
        "name": STRING,
        "tasks_waiting": INT,
        "in_flight": INT,
        "dispatched": INT,
        "succeeded": INT,
        "retried": INT,
        "given_up": INT,
        "token_bucket_level": DOUBLE,
        "dispatch_rate10s": DOUBLE,
    }


_QUEUE_NAME_RE = re.compile(r"^projects/[^/]+/locations/[^/]+/queues/[^/]+$")


class Stats(Message):
    _fields = {"time": TIMESTAMP, "queues": Repeated(QueueStats)}

    def queue(self, name: str) -> QueueStats:
        """The stats of the queue with full name ``name``.

        Raises ``InvalidArgument`` for a name that is not a full queue name (such as the
        queue ID alone) and ``NotFound`` when there is no such queue, as ``wait_idle`` does.
        """
        if not _QUEUE_NAME_RE.match(name):
            raise exceptions.InvalidArgument(
                "{!r} is not a full queue name (projects/P/locations/L/queues/Q)".format(name))
        for q in self.queues:
            if q.name == name:
                return q
        raise exceptions.NotFound("The queue {} does not exist.".format(name))


def _duration(value: Union[int, float, _dt.timedelta, str]) -> str:
    return types.format_duration(value)


class Emulator:
    """Client of the emulator-only harness endpoints under ``/emulator/v1``.

    ``host`` as for :class:`~cloud_tasks_emulator.CloudTasksClient`
    (default ``$CLOUD_TASKS_EMULATOR_HOST``, else ``127.0.0.1:8123``).
    """

    def __init__(self, host: Optional[str] = None, timeout: float = 30.0):
        self._transport = Transport(host, timeout=timeout)

    @property
    def endpoint(self) -> str:
        return self._transport.endpoint

    def _get(self, path: str, query: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
        return self._transport.request("GET", "/emulator/v1" + path, query=query, timeout=timeout)

    def _post(self, path: str, body: Dict[str, Any], timeout: Optional[float] = None) -> Dict[str, Any]:
        return self._transport.request("POST", "/emulator/v1" + path, body=body, timeout=timeout)

    # -- clock -------------------------------------------------------------

    def clock(self) -> _dt.datetime:
        """The emulator's current time (aware, UTC)."""
        return types.parse_timestamp(self._get("/clock")["time"])

    def clock_mode(self) -> str:
        """``"system"``, ``"manual"`` or ``"scaled"``."""
        return str(self._get("/clock").get("mode", ""))

    def advance(self, duration: Union[int, float, _dt.timedelta, str]) -> _dt.datetime:
        """Move the manual clock forward (seconds, timedelta, or text such as ``"90s"``, ``"30m"``,
        ``"1h30m"``); returns the new time.

        Raises ``FailedPrecondition`` unless the emulator runs with ``--clock manual``.
        """
        answer = self._post("/clock:advance", {"duration": _duration(duration)})
        return types.parse_timestamp(answer["time"])

    def set_time(self, when: Any) -> _dt.datetime:
        """Set the manual clock (forward only: ``InvalidArgument`` otherwise); returns the new time."""
        answer = self._post("/clock:set", {"time": types.format_timestamp(when)})
        return types.parse_timestamp(answer["time"])

    # -- attempts ------------------------------------------------------------

    def attempts(self, queue: Optional[str] = None, task: Optional[str] = None,
                 page_size: Optional[int] = None) -> List[AttemptRecord]:
        """Every logged attempt (oldest first), optionally of one queue or task
        (full resource names), following ``nextPageToken`` to the end."""
        out: List[AttemptRecord] = []
        token: Optional[str] = None
        while True:
            answer = self._get("/attempts", {"queue": queue, "task": task, "pageSize": page_size, "pageToken": token})
            out.extend(AttemptRecord.from_json(a) for a in answer.get("attempts") or [])
            token = answer.get("nextPageToken")
            if not token:
                return out

    # -- waiting, resetting, stats --------------------------------------------

    def wait_idle(self, queues: Optional[Iterable[str]] = None,
                  timeout: Union[int, float, _dt.timedelta, str] = 30,
                  include_scheduled: bool = False) -> None:
        """Block until no task of ``queues`` (full names; all by default) is due or in flight.

        ``timeout``: seconds, a timedelta, or text such as ``"30s"`` or ``"1m"``. A queue that
        does not exist raises ``NotFound``; a name that is not a full queue name,
        ``InvalidArgument``.

        With ``include_scheduled``, also wait for future tasks and retries (under
        the manual clock the emulator fast-forwards). Raises ``DeadlineExceeded``
        when ``timeout`` runs out first.
        """
        if isinstance(timeout, str):
            seconds = types.parse_go_duration(timeout)
        elif isinstance(timeout, _dt.timedelta):
            seconds = timeout.total_seconds()
        else:
            seconds = float(timeout)
        body: Dict[str, Any] = {"timeout": _duration(seconds), "includeScheduled": bool(include_scheduled)}
        if queues:
            body["queues"] = [queues] if isinstance(queues, str) else list(queues)
        self._post(":waitIdle", body, timeout=seconds + 30.0)

    def reset(self, queue: Optional[str] = None) -> None:
        """Forget everything (queues, tasks, tombstones, attempts), or only one queue's tasks and attempts."""
        self._post(":reset", {"queue": queue} if queue else {})

    def stats(self) -> Stats:
        """Per-queue counters (``.queues``, ``.queue(name)``)."""
        return Stats.from_json(self._get("/stats"))

    def healthz(self) -> str:
        """``"SERVING"`` when the emulator is up."""
        return str(self._get("/healthz").get("status", ""))


def official_client(host: Optional[str] = None, **kwargs: Any) -> Any:
    """The official ``google.cloud.tasks_v2.CloudTasksClient`` pointed at the emulator.

    REST transport, ``api_endpoint="http://HOST"``, anonymous credentials;
    extra keyword arguments go to the client. Needs ``google-cloud-tasks``.
    """
    try:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import tasks_v2
    except ImportError as err:
        raise ImportError(
            "official_client() needs the google-cloud-tasks package (pip install google-cloud-tasks); "
            "use cloud_tasks_emulator.CloudTasksClient for a stdlib-only client. ({})".format(err)
        ) from err
    return tasks_v2.CloudTasksClient(
        transport="rest",
        client_options=ClientOptions(api_endpoint=resolve_endpoint(host)),
        credentials=AnonymousCredentials(),
        **kwargs,
    )
