"""``CloudTasksClient``: the methods of ``google.cloud.tasks_v2.CloudTasksClient`` over REST.

Same method names, keyword arguments and ``request=`` dicts as the official
client; answers are :mod:`cloud_tasks_emulator.types` messages and errors are
:mod:`cloud_tasks_emulator.exceptions`. ``retry`` and ``metadata`` are accepted
and ignored; ``timeout`` (seconds) bounds each HTTP request.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterator, Optional

from . import types
from ._transport import Transport
from .types import (
    ListLocationsResponse,
    ListQueuesResponse,
    ListTasksResponse,
    Location,
    Message,
    Policy,
    Queue,
    Task,
    TestIamPermissionsResponse,
    to_camel,
    to_snake,
)

__all__ = ["CloudTasksClient", "ListQueuesPager", "ListTasksPager"]

_DEFAULT = object()  # stands for gapic_v1.method.DEFAULT


# ---------------------------------------------------------------------------
# Request helpers
# ---------------------------------------------------------------------------


def _request_dict(request: Any, flattened: Dict[str, Any], extras: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ``request=`` with keyword fields, as the generated clients do.

    ``flattened`` are the official client's flattened keyword arguments: giving
    one together with ``request`` is a ``ValueError``, as in the official client.
    ``extras`` are keywords only the shim offers (e.g. ``page_size``); they
    override the request's value when given.
    """
    has_flattened = any(v is not None for v in flattened.values())
    if request is not None and has_flattened:
        raise ValueError(
            "If the `request` argument is set, then none of the individual field arguments should be set."
        )
    if request is None:
        out: Dict[str, Any] = {}
    elif isinstance(request, Message):
        out = dict(request._data)
    elif isinstance(request, dict):
        out = {to_snake(k): v for k, v in request.items()}
    else:
        out = {to_snake(k): v for k, v in types._object_to_dict(request).items()}
    for key, value in list(flattened.items()) + list(extras.items()):
        if value is not None:
            out[key] = value
    return out


def _required(req: Dict[str, Any], field: str, method: str) -> str:
    value = req.get(field)
    if not value:
        raise ValueError("{}: the request needs `{}`".format(method, field))
    return str(value)


def _message_json(cls: Any, value: Any) -> Dict[str, Any]:
    """A dict / message in snake_case or camelCase -> the REST JSON of ``cls``."""
    if value is None:
        return {}
    return types._coerce(cls, value, from_json=False)._to_json()


def _view_name(value: Any) -> Optional[str]:
    if value is None:
        return None
    view = types._enum_value(Task.View, value)
    return view.name if hasattr(view, "name") else str(view)


def update_mask_to_rest(mask: Any) -> Optional[str]:
    """A FieldMask (dict ``{"paths": [...]}``, list of paths, ``"a,b"`` string or
    an object with ``.paths``) -> the REST form: lowerCamel paths joined by commas."""
    if mask is None:
        return None
    if isinstance(mask, str):
        paths = mask.split(",")
    elif isinstance(mask, dict):
        paths = list(mask.get("paths") or [])
    elif hasattr(mask, "paths"):
        paths = list(mask.paths)
    else:
        paths = list(mask)
    converted = [".".join(to_camel(seg) for seg in p.strip().split(".")) for p in paths if p and p.strip()]
    return ",".join(converted)


def _timeout(timeout: Any) -> Optional[float]:
    return None if timeout is None or timeout is _DEFAULT else float(timeout)


# ---------------------------------------------------------------------------
# Pagers
# ---------------------------------------------------------------------------


class _Pager:
    """Iterates over every item of a List method, following ``nextPageToken``.

    The first page is fetched when the method is called (so errors raise
    there, as with the official pagers). ``pages`` iterates over the raw
    responses; attribute access falls through to the latest response.
    """

    _response_cls: Any = Message
    _items: str = ""

    def __init__(self, fetch: Callable[[Optional[str]], Dict[str, Any]], page_token: Optional[str] = None):
        self._fetch = fetch
        self._response = self._response_cls.from_json(fetch(page_token))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)

    @property
    def pages(self) -> Iterator[Any]:
        yield self._response
        while self._response.next_page_token:
            self._response = self._response_cls.from_json(self._fetch(self._response.next_page_token))
            yield self._response

    def __iter__(self) -> Iterator[Any]:
        for page in self.pages:
            yield from getattr(page, self._items)

    def __repr__(self) -> str:
        return "{}<{!r}>".format(type(self).__name__, self._response)


class ListQueuesPager(_Pager):
    _response_cls = ListQueuesResponse
    _items = "queues"


class ListTasksPager(_Pager):
    _response_cls = ListTasksResponse
    _items = "tasks"


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------

_QUEUE_RE = re.compile(r"^projects/(?P<project>.+?)/locations/(?P<location>.+?)/queues/(?P<queue>.+?)$")
_TASK_RE = re.compile(
    r"^projects/(?P<project>.+?)/locations/(?P<location>.+?)/queues/(?P<queue>.+?)/tasks/(?P<task>.+?)$"
)
_LOCATION_RE = re.compile(r"^projects/(?P<project>.+?)/locations/(?P<location>.+?)$")
_PROJECT_RE = re.compile(r"^projects/(?P<project>.+?)$")


def _parse(regex: "re.Pattern[str]", path: str) -> Dict[str, str]:
    m = regex.match(path)
    return m.groupdict() if m else {}


class CloudTasksClient:
    """Drop-in for ``google.cloud.tasks_v2.CloudTasksClient`` against the emulator.

    Args:
        host: ``HOST:PORT`` or ``http://HOST:PORT``; default
            ``$CLOUD_TASKS_EMULATOR_HOST``, else ``127.0.0.1:8123``.
        client_options: like the official client's; its ``api_endpoint`` (dict
            key or attribute) is used as ``host`` when ``host`` is not given.
        credentials, transport, client_info: accepted and ignored.
        timeout: default per-request timeout in seconds (30).
    """

    def __init__(
        self,
        *,
        host: Optional[str] = None,
        credentials: Any = None,
        transport: Any = None,
        client_options: Any = None,
        client_info: Any = None,
        timeout: float = 30.0,
    ):
        if host is None and client_options is not None:
            if isinstance(client_options, dict):
                host = client_options.get("api_endpoint")
            else:
                host = getattr(client_options, "api_endpoint", None)
        self._transport = Transport(host, timeout=timeout)

    @classmethod
    def from_service_account_file(cls, filename: str, *args: Any, **kwargs: Any) -> "CloudTasksClient":
        """The emulator checks no credentials: the file is ignored."""
        return cls(*args, **kwargs)

    from_service_account_json = from_service_account_file

    @classmethod
    def from_service_account_info(cls, info: Any, *args: Any, **kwargs: Any) -> "CloudTasksClient":
        return cls(*args, **kwargs)

    @property
    def api_endpoint(self) -> str:
        """The emulator's base URL, e.g. ``http://127.0.0.1:8123``."""
        return self._transport.endpoint

    @property
    def transport(self) -> Transport:
        return self._transport

    def __enter__(self) -> "CloudTasksClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    # -- resource names ------------------------------------------------------

    @staticmethod
    def queue_path(project: str, location: str, queue: str) -> str:
        return "projects/{}/locations/{}/queues/{}".format(project, location, queue)

    @staticmethod
    def parse_queue_path(path: str) -> Dict[str, str]:
        return _parse(_QUEUE_RE, path)

    @staticmethod
    def task_path(project: str, location: str, queue: str, task: str) -> str:
        return "projects/{}/locations/{}/queues/{}/tasks/{}".format(project, location, queue, task)

    @staticmethod
    def parse_task_path(path: str) -> Dict[str, str]:
        return _parse(_TASK_RE, path)

    @staticmethod
    def common_location_path(project: str, location: str) -> str:
        return "projects/{}/locations/{}".format(project, location)

    location_path = common_location_path  # the name older google-cloud-tasks releases used

    @staticmethod
    def parse_common_location_path(path: str) -> Dict[str, str]:
        return _parse(_LOCATION_RE, path)

    @staticmethod
    def common_project_path(project: str) -> str:
        return "projects/{}".format(project)

    @staticmethod
    def parse_common_project_path(path: str) -> Dict[str, str]:
        return _parse(_PROJECT_RE, path)

    def _call(self, method: str, path: str, body: Any = None, query: Any = None, timeout: Any = None) -> Dict[str, Any]:
        return self._transport.request(method, "/v2/" + path.lstrip("/"), body=body, query=query, timeout=_timeout(timeout))

    # -- queues --------------------------------------------------------------

    def list_queues(
        self,
        request: Any = None,
        *,
        parent: Optional[str] = None,
        filter: Optional[str] = None,
        page_size: Optional[int] = None,
        page_token: Optional[str] = None,
        retry: Any = _DEFAULT,
        timeout: Any = _DEFAULT,
        metadata: Any = (),
    ) -> ListQueuesPager:
        """Every queue of ``parent`` (``projects/P/locations/L``), page after page."""
        req = _request_dict(request, {"parent": parent}, {"filter": filter, "page_size": page_size, "page_token": page_token})
        path = _required(req, "parent", "list_queues") + "/queues"

        def fetch(token: Optional[str]) -> Dict[str, Any]:
            query = {"filter": req.get("filter"), "pageSize": req.get("page_size"), "pageToken": token}
            return self._call("GET", path, query=query, timeout=timeout)

        return ListQueuesPager(fetch, req.get("page_token"))

    def get_queue(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                  timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        req = _request_dict(request, {"name": name}, {})
        return Queue.from_json(self._call("GET", _required(req, "name", "get_queue"), timeout=timeout))

    def create_queue(self, request: Any = None, *, parent: Optional[str] = None, queue: Any = None,
                     retry: Any = _DEFAULT, timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        """Create ``queue`` (its ``name`` must be a full name under ``parent``)."""
        req = _request_dict(request, {"parent": parent, "queue": queue}, {})
        path = _required(req, "parent", "create_queue") + "/queues"
        body = _message_json(Queue, req.get("queue"))
        return Queue.from_json(self._call("POST", path, body=body, timeout=timeout))

    def update_queue(self, request: Any = None, *, queue: Any = None, update_mask: Any = None,
                     retry: Any = _DEFAULT, timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        """Update (or create) ``queue``; ``update_mask`` lists snake_case paths
        (``{"paths": [...]}``, a list, or a FieldMask) and is sent in lowerCamel."""
        req = _request_dict(request, {"queue": queue, "update_mask": update_mask}, {})
        body = _message_json(Queue, req.get("queue"))
        name = body.get("name")
        if not name:
            raise ValueError("update_queue: the queue needs its full `name`")
        query = {"updateMask": update_mask_to_rest(req.get("update_mask"))}
        return Queue.from_json(self._call("PATCH", name, body=body, query=query, timeout=timeout))

    def delete_queue(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                     timeout: Any = _DEFAULT, metadata: Any = ()) -> None:
        req = _request_dict(request, {"name": name}, {})
        self._call("DELETE", _required(req, "name", "delete_queue"), timeout=timeout)

    def _queue_verb(self, verb: str, request: Any, name: Optional[str], timeout: Any) -> Queue:
        req = _request_dict(request, {"name": name}, {})
        path = _required(req, "name", verb + "_queue") + ":" + verb
        return Queue.from_json(self._call("POST", path, body={}, timeout=timeout))

    def purge_queue(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                    timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        return self._queue_verb("purge", request, name, timeout)

    def pause_queue(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                    timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        return self._queue_verb("pause", request, name, timeout)

    def resume_queue(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                     timeout: Any = _DEFAULT, metadata: Any = ()) -> Queue:
        return self._queue_verb("resume", request, name, timeout)

    # -- IAM -----------------------------------------------------------------

    def get_iam_policy(self, request: Any = None, *, resource: Optional[str] = None, options: Any = None,
                       retry: Any = _DEFAULT, timeout: Any = _DEFAULT, metadata: Any = ()) -> Policy:
        """``options`` may be ``{"requested_policy_version": 3}``."""
        req = _request_dict(request, {"resource": resource}, {"options": options})
        body: Dict[str, Any] = {}
        if req.get("options"):
            body["options"] = types._generic_to_json(dict(req["options"]))
        path = _required(req, "resource", "get_iam_policy") + ":getIamPolicy"
        return Policy.from_json(self._call("POST", path, body=body, timeout=timeout))

    def set_iam_policy(self, request: Any = None, *, resource: Optional[str] = None, policy: Any = None,
                       update_mask: Any = None, retry: Any = _DEFAULT, timeout: Any = _DEFAULT,
                       metadata: Any = ()) -> Policy:
        """``policy``: ``{"bindings": [{"role": ..., "members": [...]}], "etag": b"..."}``."""
        req = _request_dict(request, {"resource": resource, "policy": policy}, {"update_mask": update_mask})
        body: Dict[str, Any] = {"policy": _message_json(Policy, req.get("policy"))}
        if req.get("update_mask") is not None:
            body["updateMask"] = update_mask_to_rest(req["update_mask"])
        path = _required(req, "resource", "set_iam_policy") + ":setIamPolicy"
        return Policy.from_json(self._call("POST", path, body=body, timeout=timeout))

    def test_iam_permissions(self, request: Any = None, *, resource: Optional[str] = None, permissions: Any = None,
                             retry: Any = _DEFAULT, timeout: Any = _DEFAULT,
                             metadata: Any = ()) -> TestIamPermissionsResponse:
        req = _request_dict(request, {"resource": resource, "permissions": permissions}, {})
        body = {"permissions": list(req.get("permissions") or [])}
        path = _required(req, "resource", "test_iam_permissions") + ":testIamPermissions"
        return TestIamPermissionsResponse.from_json(self._call("POST", path, body=body, timeout=timeout))

    # -- tasks ---------------------------------------------------------------

    def list_tasks(self, request: Any = None, *, parent: Optional[str] = None, response_view: Any = None,
                   page_size: Optional[int] = None, page_token: Optional[str] = None, retry: Any = _DEFAULT,
                   timeout: Any = _DEFAULT, metadata: Any = ()) -> ListTasksPager:
        """Every task of the queue ``parent``, page after page."""
        req = _request_dict(request, {"parent": parent},
                            {"response_view": response_view, "page_size": page_size, "page_token": page_token})
        path = _required(req, "parent", "list_tasks") + "/tasks"

        def fetch(token: Optional[str]) -> Dict[str, Any]:
            query = {"responseView": _view_name(req.get("response_view")), "pageSize": req.get("page_size"),
                     "pageToken": token}
            return self._call("GET", path, query=query, timeout=timeout)

        return ListTasksPager(fetch, req.get("page_token"))

    def get_task(self, request: Any = None, *, name: Optional[str] = None, response_view: Any = None,
                 retry: Any = _DEFAULT, timeout: Any = _DEFAULT, metadata: Any = ()) -> Task:
        req = _request_dict(request, {"name": name}, {"response_view": response_view})
        query = {"responseView": _view_name(req.get("response_view"))}
        return Task.from_json(self._call("GET", _required(req, "name", "get_task"), query=query, timeout=timeout))

    def create_task(self, request: Any = None, *, parent: Optional[str] = None, task: Any = None,
                    response_view: Any = None, retry: Any = _DEFAULT, timeout: Any = _DEFAULT,
                    metadata: Any = ()) -> Task:
        """Add ``task`` (a dict in the official client's snake_case form, or a
        :class:`~cloud_tasks_emulator.types.Task`) to the queue ``parent``."""
        req = _request_dict(request, {"parent": parent, "task": task}, {"response_view": response_view})
        path = _required(req, "parent", "create_task") + "/tasks"
        body: Dict[str, Any] = {"task": _message_json(Task, req.get("task"))}
        view = _view_name(req.get("response_view"))
        if view:
            body["responseView"] = view
        return Task.from_json(self._call("POST", path, body=body, timeout=timeout))

    def delete_task(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                    timeout: Any = _DEFAULT, metadata: Any = ()) -> None:
        req = _request_dict(request, {"name": name}, {})
        self._call("DELETE", _required(req, "name", "delete_task"), timeout=timeout)

    def run_task(self, request: Any = None, *, name: Optional[str] = None, response_view: Any = None,
                 retry: Any = _DEFAULT, timeout: Any = _DEFAULT, metadata: Any = ()) -> Task:
        """Dispatch the task now; the answer comes before the worker's."""
        req = _request_dict(request, {"name": name}, {"response_view": response_view})
        body: Dict[str, Any] = {}
        view = _view_name(req.get("response_view"))
        if view:
            body["responseView"] = view
        path = _required(req, "name", "run_task") + ":run"
        return Task.from_json(self._call("POST", path, body=body, timeout=timeout))

    # -- locations mixin -------------------------------------------------------

    def list_locations(self, request: Any = None, *, name: Optional[str] = None, page_size: Optional[int] = None,
                       page_token: Optional[str] = None, retry: Any = _DEFAULT, timeout: Any = _DEFAULT,
                       metadata: Any = ()) -> ListLocationsResponse:
        """One page of locations of ``name`` (``projects/P``), like the official mixin."""
        req = _request_dict(request, {}, {"name": name, "page_size": page_size, "page_token": page_token})
        query = {"filter": req.get("filter"), "pageSize": req.get("page_size"), "pageToken": req.get("page_token")}
        path = _required(req, "name", "list_locations") + "/locations"
        return ListLocationsResponse.from_json(self._call("GET", path, query=query, timeout=timeout))

    def get_location(self, request: Any = None, *, name: Optional[str] = None, retry: Any = _DEFAULT,
                     timeout: Any = _DEFAULT, metadata: Any = ()) -> Location:
        req = _request_dict(request, {}, {"name": name})
        return Location.from_json(self._call("GET", _required(req, "name", "get_location"), timeout=timeout))
