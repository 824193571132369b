"""A small JSON-over-HTTP transport (urllib, no proxies) to the emulator."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional

from . import exceptions

ENV_HOST = "CLOUD_TASKS_EMULATOR_HOST"
DEFAULT_HOST = "127.0.0.1:8123"
DEFAULT_TIMEOUT = 30.0


def resolve_endpoint(host: Optional[str] = None) -> str:
    """The emulator's base URL, e.g. ``http://127.0.0.1:8123``.

    ``host`` wins; else ``$CLOUD_TASKS_EMULATOR_HOST``; else ``127.0.0.1:8123``.
    Accepts ``HOST:PORT`` or a URL (``http://HOST:PORT``, trailing ``/`` allowed).
    """
    value = (host or os.environ.get(ENV_HOST) or DEFAULT_HOST).strip()
    if "://" not in value:
        value = "http://" + value
    return value.rstrip("/")


class Transport:
    """Sends JSON requests to ``endpoint`` and decodes the JSON answers.

    Errors come back as :mod:`cloud_tasks_emulator.exceptions` instances; a
    server that cannot be reached raises ``ServiceUnavailable``.
    """

    def __init__(self, host: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT):
        self.endpoint = resolve_endpoint(host)
        self.timeout = timeout
        # No ProxyHandler entries: never route emulator traffic through $http_proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def url(self, path: str, query: Optional[Dict[str, Any]] = None) -> str:
        url = self.endpoint + urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")
        params = [(k, _query_value(v)) for k, v in (query or {}).items() if v is not None and v != ""]
        if params:
            url += "?" + urllib.parse.urlencode(params)
        return url

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Optional[Dict[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Send one request; return the decoded JSON object (``{}`` for an empty body)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url(path, query), data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=timeout if timeout is not None else self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raw = err.read() if err.fp is not None else b""
            raise exceptions.from_http_response(err.code, raw) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise exceptions.DeadlineExceeded(
                    "no answer from the emulator at {} within the timeout".format(self.endpoint)
                ) from err
            raise exceptions.ServiceUnavailable(
                "cannot reach the Cloud Tasks emulator at {}: {}".format(self.endpoint, reason)
            ) from err
        if not raw.strip():
            return {}
        return json.loads(raw.decode("utf-8"))


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "name") and isinstance(value, int):  # IntEnum
        return value.name
    return str(value)
