"""Exceptions shaped like ``google.api_core.exceptions``.

The emulator answers errors in Google's JSON shape::

    {"error": {"code": 404, "message": "...", "status": "NOT_FOUND"}}

:func:`from_http_response` turns such a body into the most specific class: the
gRPC status name picks the class (``ALREADY_EXISTS`` -> :class:`AlreadyExists`),
and every class is a subclass of the one for its HTTP status (``Conflict`` for
409), so both ``except AlreadyExists`` and ``except Conflict`` work.

Note: the official client in REST mode picks the class from the HTTP status
only, so against the real library a reused task name raises ``Conflict`` and a
bad URL raises ``BadRequest``. Catching the HTTP-level class (or
``GoogleAPICallError`` and checking ``.grpc_status_code``) works with both.
"""

from __future__ import annotations

import enum
import json
from typing import Any, Dict, Optional, Type

__all__ = [
    "StatusCode",
    "GoogleAPIError",
    "GoogleAPICallError",
    "RetryError",
    "Redirection",
    "MovedPermanently",
    "NotModified",
    "TemporaryRedirect",
    "ResumeIncomplete",
    "ClientError",
    "BadRequest",
    "InvalidArgument",
    "FailedPrecondition",
    "OutOfRange",
    "Unauthorized",
    "Unauthenticated",
    "Forbidden",
    "PermissionDenied",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "AlreadyExists",
    "Aborted",
    "LengthRequired",
    "PreconditionFailed",
    "RequestRangeNotSatisfiable",
    "TooManyRequests",
    "ResourceExhausted",
    "ClientClosedRequest",
    "Cancelled",
    "ServerError",
    "InternalServerError",
    "Unknown",
    "DataLoss",
    "MethodNotImplemented",
    "Unimplemented",
    "BadGateway",
    "ServiceUnavailable",
    "GatewayTimeout",
    "DeadlineExceeded",
    "from_http_status",
    "from_grpc_status",
    "from_http_response",
]


class StatusCode(enum.IntEnum):
    """google.rpc.Code; member names match ``grpc.StatusCode``."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


# First class registered for a code wins, as in google.api_core.
_HTTP_CODE_TO_EXCEPTION: Dict[int, Type["GoogleAPICallError"]] = {}
_GRPC_CODE_TO_EXCEPTION: Dict[StatusCode, Type["GoogleAPICallError"]] = {}


class GoogleAPIError(Exception):
    """Base class for all exceptions raised by the shim."""


class RetryError(GoogleAPIError):
    """Raised when a retry deadline is exceeded (kept for import compatibility)."""

    def __init__(self, message: str, cause: Optional[BaseException] = None):
        super().__init__(message)
        self.message = message
        self._cause = cause

    @property
    def cause(self) -> Optional[BaseException]:
        return self._cause


class GoogleAPICallError(GoogleAPIError):
    """An error answered by the API.

    Attributes:
        code: the HTTP status (class attribute, e.g. 404).
        grpc_status_code: a :class:`StatusCode` (an ``IntEnum``: compare with
            ``StatusCode.NOT_FOUND``, ``5`` or read ``.name``).
        message: the error message the server sent.
        status: the status name from the body (``"NOT_FOUND"``), when there was one.
        details / errors: the ``details`` / ``errors`` lists of the body.
        response: the parsed JSON error body (dict), or None.
    """

    code: Optional[int] = None
    grpc_status_code: Optional[StatusCode] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__ and cls.code is not None:
            _HTTP_CODE_TO_EXCEPTION.setdefault(cls.code, cls)
        if "grpc_status_code" in cls.__dict__ and cls.grpc_status_code is not None:
            _GRPC_CODE_TO_EXCEPTION.setdefault(cls.grpc_status_code, cls)

    def __init__(
        self,
        message: str,
        errors: tuple = (),
        details: tuple = (),
        response: Any = None,
        status: Optional[str] = None,
        http_status: Optional[int] = None,
    ):
        super().__init__(message)
        self.message = message
        self._errors = list(errors or ())
        self._details = list(details or ())
        self._response = response
        self.status = status
        if http_status is not None and http_status != type(self).code:
            self.code = http_status  # instance override, e.g. an unmapped status
        if status and self.grpc_status_code is None and status in StatusCode.__members__:
            self.grpc_status_code = StatusCode[status]

    def __str__(self) -> str:
        return "{} {}".format(self.code, self.message)

    @property
    def errors(self) -> list:
        return list(self._errors)

    @property
    def details(self) -> list:
        return list(self._details)

    @property
    def response(self) -> Any:
        return self._response

    @property
    def reason(self) -> Optional[str]:
        for d in self._details:
            if isinstance(d, dict) and d.get("reason"):
                return d["reason"]
        return None


class Redirection(GoogleAPICallError):
    pass


class MovedPermanently(Redirection):
    code = 301


class NotModified(Redirection):
    code = 304


class TemporaryRedirect(Redirection):
    code = 307


class ResumeIncomplete(Redirection):
    code = 308


class ClientError(GoogleAPICallError):
    pass


class BadRequest(ClientError):
    code = 400


class InvalidArgument(BadRequest):
    grpc_status_code = StatusCode.INVALID_ARGUMENT


class FailedPrecondition(BadRequest):
    grpc_status_code = StatusCode.FAILED_PRECONDITION


class OutOfRange(BadRequest):
    grpc_status_code = StatusCode.OUT_OF_RANGE


class Unauthorized(ClientError):
    code = 401


class Unauthenticated(Unauthorized):
    grpc_status_code = StatusCode.UNAUTHENTICATED


class Forbidden(ClientError):
    code = 403


class PermissionDenied(Forbidden):
    grpc_status_code = StatusCode.PERMISSION_DENIED


class NotFound(ClientError):
    code = 404
    grpc_status_code = StatusCode.NOT_FOUND


class MethodNotAllowed(ClientError):
    code = 405


class Conflict(ClientError):
    code = 409


class AlreadyExists(Conflict):
    grpc_status_code = StatusCode.ALREADY_EXISTS


class Aborted(Conflict):
    grpc_status_code = StatusCode.ABORTED


class LengthRequired(ClientError):
    code = 411


class PreconditionFailed(ClientError):
    code = 412


class RequestRangeNotSatisfiable(ClientError):
    code = 416


class TooManyRequests(ClientError):
    code = 429


class ResourceExhausted(TooManyRequests):
    grpc_status_code = StatusCode.RESOURCE_EXHAUSTED


class ClientClosedRequest(ClientError):
    code = 499


class Cancelled(ClientClosedRequest):
    grpc_status_code = StatusCode.CANCELLED


class ServerError(GoogleAPICallError):
    pass


class InternalServerError(ServerError):
    code = 500
    grpc_status_code = StatusCode.INTERNAL


class Unknown(ServerError):
    grpc_status_code = StatusCode.UNKNOWN


class DataLoss(ServerError):
    grpc_status_code = StatusCode.DATA_LOSS


class MethodNotImplemented(ServerError):
    code = 501


class Unimplemented(MethodNotImplemented):
    grpc_status_code = StatusCode.UNIMPLEMENTED


class BadGateway(ServerError):
    code = 502


class ServiceUnavailable(ServerError):
    code = 503
    grpc_status_code = StatusCode.UNAVAILABLE


class GatewayTimeout(ServerError):
    code = 504


class DeadlineExceeded(GatewayTimeout):
    grpc_status_code = StatusCode.DEADLINE_EXCEEDED


# Unknown/DataLoss have no HTTP code of their own; they answer 500.
Unknown.code = 500
DataLoss.code = 500


def from_http_status(status_code: int, message: str, **kwargs: Any) -> GoogleAPICallError:
    """The exception class registered for an HTTP status (like api_core)."""
    cls = _HTTP_CODE_TO_EXCEPTION.get(status_code)
    if cls is None:
        cls = ClientError if 400 <= status_code < 500 else ServerError if status_code >= 500 else GoogleAPICallError
    return cls(message, http_status=status_code, **kwargs)


def from_grpc_status(status_code: Any, message: str, **kwargs: Any) -> GoogleAPICallError:
    """The exception class for a gRPC status (a name, a number or a StatusCode)."""
    try:
        code = StatusCode[status_code] if isinstance(status_code, str) else StatusCode(int(status_code))
    except (KeyError, ValueError):
        return GoogleAPICallError(message, **kwargs)
    cls = _GRPC_CODE_TO_EXCEPTION.get(code, GoogleAPICallError)
    return cls(message, status=code.name, **kwargs)


def from_http_response(status_code: int, body: bytes) -> GoogleAPICallError:
    """Build the exception for an HTTP error answer.

    ``body`` is the raw response body; Google's JSON error shape is decoded when
    present (the status name decides the class, the HTTP status is the
    fallback), anything else becomes the message as text.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body or "")
    payload: Any = None
    try:
        payload = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return from_http_status(status_code, text.strip() or "HTTP status {}".format(status_code), response=payload)

    message = str(error.get("message", "unknown error"))
    status = error.get("status")
    kwargs = dict(
        errors=tuple(error.get("errors") or ()),
        details=tuple(error.get("details") or ()),
        response=payload,
    )
    if isinstance(status, str) and status in StatusCode.__members__:
        cls = _GRPC_CODE_TO_EXCEPTION.get(StatusCode[status])
        if cls is not None:
            return cls(message, status=status, http_status=status_code, **kwargs)
    exc = from_http_status(status_code, message, status=status if isinstance(status, str) else None, **kwargs)
    return exc
