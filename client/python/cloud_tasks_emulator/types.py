"""Messages and enums of Cloud Tasks v2, shaped like the official proto-plus types.

Every message is a :class:`Message`: snake_case attributes, typed values for
well-known fields and proto3 defaults for fields the server left out:

==============  ==============================  ===========================
field kind      Python value                    when unset
==============  ==============================  ===========================
string          ``str``                         ``""``
int32/int64     ``int``                         ``0``
double          ``float``                       ``0.0``
bool            ``bool``                        ``False``
bytes           ``bytes``                       ``b""``
enum            the ``IntEnum`` member          the enum's 0 member
Timestamp       ``datetime`` (tzinfo=UTC)       ``None``
Duration        ``datetime.timedelta``          ``None``
message         the message class               an empty (falsy) instance
map / repeated  ``dict`` / ``list``             ``{}`` / ``[]``
==============  ==============================  ===========================

Fields this module does not know (e.g. emulator extras) are still readable:
their camelCase keys become snake_case attributes and nested objects become
schema-less :class:`Message` instances.

Messages can also be built by hand, like proto-plus ones, and passed to the
client: ``Task(http_request=HttpRequest(url="http://..."))``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import enum
import re
from typing import Any, Dict, Iterable, Optional

__all__ = [
    "HttpMethod",
    "Message",
    "Queue",
    "RateLimits",
    "RetryConfig",
    "StackdriverLoggingConfig",
    "AppEngineRouting",
    "Task",
    "HttpRequest",
    "AppEngineHttpRequest",
    "OAuthToken",
    "OidcToken",
    "Attempt",
    "Status",
    "Policy",
    "Binding",
    "Expr",
    "TestIamPermissionsResponse",
    "ListQueuesResponse",
    "ListTasksResponse",
    "Location",
    "ListLocationsResponse",
    "FieldMask",
    "to_snake",
    "to_camel",
    "format_timestamp",
    "parse_timestamp",
    "format_duration",
    "parse_duration",
]

UTC = _dt.timezone.utc

# ---------------------------------------------------------------------------
# Name and value conversions
# ---------------------------------------------------------------------------

_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def to_snake(name: str) -> str:
    """``maxDispatchesPerSecond`` -> ``max_dispatches_per_second`` (snake stays snake)."""
    return _CAMEL_RE.sub("_", name).lower() if not name.islower() else name


def to_camel(name: str) -> str:
    """``max_dispatches_per_second`` -> ``maxDispatchesPerSecond`` (camel stays camel)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_timestamp(text: str) -> _dt.datetime:
    """RFC 3339 -> aware ``datetime`` in UTC (sub-microsecond digits are dropped)."""
    m = _TS_RE.match(text.strip())
    if not m:
        raise ValueError("not an RFC 3339 timestamp: {!r}".format(text))
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    off = m.group(8)
    if off in ("Z", "z"):
        tz = UTC
    else:
        sign = 1 if off[0] == "+" else -1
        tz = _dt.timezone(sign * _dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    value = _dt.datetime(year, month, day, hour, minute, second, int(frac), tzinfo=tz)
    return value.astimezone(UTC)


def _frac(nanos: int) -> str:
    """0, 3, 6 or 9 fractional digits, as the proto3 JSON mapping writes them."""
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return ".%03d" % (nanos // 1_000_000)
    if nanos % 1_000 == 0:
        return ".%06d" % (nanos // 1_000)
    return ".%09d" % nanos


def _seconds_nanos_from(value: Any) -> Optional[tuple]:
    """(seconds, nanos) from a protobuf Timestamp/Duration-like object or dict."""
    if isinstance(value, dict) and ("seconds" in value or "nanos" in value):
        return int(value.get("seconds", 0) or 0), int(value.get("nanos", 0) or 0)
    if hasattr(value, "seconds") and hasattr(value, "nanos") and not isinstance(value, _dt.timedelta):
        return int(value.seconds), int(value.nanos)
    return None


def format_timestamp(value: Any) -> str:
    """A datetime, Timestamp-like object, epoch seconds or RFC 3339 string -> RFC 3339 UTC.

    Naive datetimes are taken as local time, as proto-plus does
    (``datetime.timestamp()``); pass aware datetimes to be unambiguous.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = _dt.datetime.fromtimestamp(value.timestamp(), UTC).replace(microsecond=value.microsecond)
        value = value.astimezone(UTC)
        nanos = getattr(value, "nanosecond", None)  # api_core's DatetimeWithNanoseconds
        nanos = nanos if isinstance(nanos, int) and nanos else value.microsecond * 1000
        return value.strftime("%Y-%m-%dT%H:%M:%S") + _frac(nanos) + "Z"
    if hasattr(value, "ToJsonString"):
        return value.ToJsonString()
    pair = _seconds_nanos_from(value)
    if pair is None and isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = int(value // 1)
        pair = (secs, int(round((value - secs) * 1e9)))
    if pair is None:
        raise TypeError("cannot use {!r} as a Timestamp".format(value))
    secs, nanos = pair
    base = _dt.datetime(1970, 1, 1, tzinfo=UTC) + _dt.timedelta(seconds=secs)
    return base.strftime("%Y-%m-%dT%H:%M:%S") + _frac(nanos) + "Z"


_DUR_RE = re.compile(r"^(-)?(\d+)(?:\.(\d{1,9}))?s$")


def parse_duration(text: str) -> _dt.timedelta:
    """``"1.500s"`` -> ``timedelta(seconds=1.5)``."""
    m = _DUR_RE.match(text.strip())
    if not m:
        raise ValueError("not a Duration: {!r}".format(text))
    micros = int(m.group(2)) * 1_000_000 + int((m.group(3) or "").ljust(6, "0")[:6])
    return _dt.timedelta(microseconds=-micros if m.group(1) else micros)


_GO_PART_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h|d)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_go_duration(text: str) -> float:
    """Seconds in ``text`` written as the emulator's flags and harness take it: ``"90s"``,
    ``"1.5s"``, ``"30m"``, ``"1h30m"``, ``"250ms"``, ``"0"``. ValueError otherwise."""
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        m = _GO_PART_RE.match(text, pos)
        if not m:
            raise ValueError("not a duration (e.g. 30s, 1m, 1h30m): {!r}".format(text))
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    if not text:
        raise ValueError("not a duration (e.g. 30s, 1m, 1h30m): ''")
    return total


def format_duration(value: Any) -> str:
    """timedelta, seconds (int/float), Duration-like object or ``"Ns"`` string -> ``"Ns"``."""
    if isinstance(value, str):
        return value
    if hasattr(value, "ToJsonString"):
        return value.ToJsonString()
    if isinstance(value, _dt.timedelta):
        nanos_total = (value.days * 86400 + value.seconds) * 10**9 + value.microseconds * 1000
    else:
        pair = _seconds_nanos_from(value)
        if pair is not None:
            nanos_total = pair[0] * 10**9 + pair[1]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            nanos_total = int(round(value * 1e9))
        else:
            raise TypeError("cannot use {!r} as a Duration".format(value))
    sign = "-" if nanos_total < 0 else ""
    secs, nanos = divmod(abs(nanos_total), 10**9)
    return "{}{}{}s".format(sign, secs, _frac(nanos))


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


# ---------------------------------------------------------------------------
# Field kinds
# ---------------------------------------------------------------------------

STRING, INT, DOUBLE, BOOL, BYTES, TIMESTAMP, DURATION, ANY = (
    "string", "int", "double", "bool", "bytes", "timestamp", "duration", "any",
)


class Map:
    """A ``map<string, V>`` field; keys are kept exactly as given (no case change)."""

    def __init__(self, value: Any):
        self.value = value


class Repeated:
    """A repeated field of ``value``."""

    def __init__(self, value: Any):
        self.value = value


_SCALAR_DEFAULTS = {STRING: "", INT: 0, DOUBLE: 0.0, BOOL: False, BYTES: b""}


def _is_message_type(spec: Any) -> bool:
    return isinstance(spec, type) and issubclass(spec, Message)


def _is_enum_type(spec: Any) -> bool:
    return isinstance(spec, type) and issubclass(spec, enum.Enum)


def _enum_value(cls: Any, value: Any) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, enum.Enum):
        value = value.name
    if isinstance(value, str):
        try:
            return cls[value.upper()]
        except KeyError:
            if value.lstrip("-").isdigit():
                value = int(value)
            else:
                raise ValueError("{} has no member {!r}".format(cls.__name__, value)) from None
    try:
        return cls(int(value))
    except ValueError:
        return int(value)  # a newer server value: keep the number, as proto-plus does


def _coerce(spec: Any, value: Any, from_json: bool) -> Any:
    """Normalise ``value`` for a field of kind ``spec``.

    ``from_json``: the value comes from the REST JSON (bytes are base64, keys
    camelCase) rather than from Python code (bytes are raw).
    """
    if value is None:
        return None
    if isinstance(spec, Map):
        return {str(k): _coerce(spec.value, v, from_json) for k, v in dict(value).items()}
    if isinstance(spec, Repeated):
        return [_coerce(spec.value, v, from_json) for v in value]
    if _is_message_type(spec):
        if isinstance(value, spec):
            return value
        if isinstance(value, Message):
            value = value._data
        if not isinstance(value, dict):
            value = _object_to_dict(value)
        return spec._build(value, from_json)
    if _is_enum_type(spec):
        return _enum_value(spec, value)
    if spec == STRING:
        return value if isinstance(value, str) else str(value)
    if spec == INT:
        return int(value)
    if spec == DOUBLE:
        return float(value)
    if spec == BOOL:
        return bool(value)
    if spec == BYTES:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, str):
            return _b64decode(value) if from_json else value.encode("utf-8")
        raise TypeError("cannot use {!r} as bytes".format(value))
    if spec == TIMESTAMP:
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return parse_timestamp(format_timestamp(value))
    if spec == DURATION:
        if isinstance(value, _dt.timedelta):
            return value
        return parse_duration(format_duration(value))
    return _generic_from(value, from_json)


def _generic_from(value: Any, from_json: bool) -> Any:
    """A value of a field without a schema."""
    if isinstance(value, dict):
        return Message._build(value, from_json) if from_json else dict(value)
    if isinstance(value, list):
        return [_generic_from(v, from_json) for v in value]
    return value


def _object_to_dict(value: Any) -> Dict[str, Any]:
    to_dict = getattr(type(value), "to_dict", None)
    if callable(to_dict):
        return to_dict(value)
    raise TypeError("expected a dict or message, got {!r}".format(value))


def _to_json(spec: Any, value: Any) -> Any:
    """A normalised value -> its REST JSON form (None when proto3 JSON omits it)."""
    if isinstance(spec, Map):
        return {k: _to_json(spec.value, v) for k, v in value.items()} or None
    if isinstance(spec, Repeated):
        return [_to_json(spec.value, v) for v in value] or None
    if _is_message_type(spec):
        return value._to_json()
    if _is_enum_type(spec):
        if int(value) == 0:
            return None
        return value.name if isinstance(value, enum.Enum) else int(value)
    if spec == BYTES:
        return base64.b64encode(value).decode("ascii") if value else None
    if spec == TIMESTAMP:
        return format_timestamp(value)
    if spec == DURATION:
        return format_duration(value)
    if spec in _SCALAR_DEFAULTS:
        return None if value == _SCALAR_DEFAULTS[spec] else value
    return _generic_to_json(value)


def _generic_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return value._to_json()
    if isinstance(value, dict):
        return {to_camel(k): _generic_to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_generic_to_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, _dt.datetime):
        return format_timestamp(value)
    if isinstance(value, _dt.timedelta):
        return format_duration(value)
    if isinstance(value, enum.Enum):
        return value.name
    return value


# ---------------------------------------------------------------------------
# Message
# ---------------------------------------------------------------------------


class Message:
    """A proto-plus-like message: snake_case attributes over a field schema.

    ``Message`` itself (no schema) wraps any JSON object; subclasses list their
    fields in ``_fields`` (snake_case name -> kind).
    """

    _fields: Dict[str, Any] = {}

    def __init__(self, mapping: Any = None, **kwargs: Any):
        data: Dict[str, Any] = {}
        if mapping is not None:
            if isinstance(mapping, Message):
                mapping = mapping._data
            elif not isinstance(mapping, dict):
                mapping = _object_to_dict(mapping)
            data.update(mapping)
        data.update(kwargs)
        object.__setattr__(self, "_data", {})
        self._load(data, from_json=False)

    @classmethod
    def _build(cls, data: Dict[str, Any], from_json: bool) -> "Message":
        msg = cls.__new__(cls)
        object.__setattr__(msg, "_data", {})
        msg._load(data, from_json)
        return msg

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Message":
        """Build from the REST JSON form (camelCase keys, base64 bytes)."""
        return cls._build(data or {}, from_json=True)

    def _load(self, data: Dict[str, Any], from_json: bool) -> None:
        for key, value in data.items():
            name = to_snake(key)
            if value is None:
                continue
            spec = self._fields.get(name, ANY)
            self._data[name] = _coerce(spec, value, from_json)

    # -- attribute access -------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        data = object.__getattribute__(self, "_data")
        if name in data:
            return data[name]
        fields = type(self)._fields
        if name not in fields:
            raise AttributeError("{} has no field {!r}".format(type(self).__name__, name))
        spec = fields[name]
        if isinstance(spec, Map):
            return {}
        if isinstance(spec, Repeated):
            return []
        if _is_message_type(spec):
            return spec()
        if _is_enum_type(spec):
            return spec(0)
        return _SCALAR_DEFAULTS.get(spec)  # None for Timestamp/Duration/unknown

    def __setattr__(self, name: str, value: Any) -> None:
        if value is None:
            self._data.pop(name, None)
        else:
            self._data[name] = _coerce(type(self)._fields.get(name, ANY), value, from_json=False)

    def __delattr__(self, name: str) -> None:
        self._data.pop(name, None)

    def __contains__(self, name: str) -> bool:
        """``"field" in msg``: whether the field is set (proto-plus semantics)."""
        return name in self._data

    def __bool__(self) -> bool:
        return any(self._to_json().values()) if self._data else False

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Message):
            return type(self) is type(other) and self._to_json() == other._to_json()
        if isinstance(other, dict):
            return self == type(self)(other)
        return NotImplemented

    __hash__ = None  # mutable, like proto-plus messages

    def __dir__(self) -> Iterable[str]:
        return sorted(set(super().__dir__()) | set(self._fields) | set(self._data))

    def __repr__(self) -> str:
        inner = ", ".join("{}={!r}".format(k, v) for k, v in self._data.items())
        return "{}({})".format(type(self).__name__, inner)

    # -- conversions ------------------------------------------------------

    def _to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for name, value in self._data.items():
            encoded = _to_json(type(self)._fields.get(name, ANY), value)
            if encoded is not None:
                out[to_camel(name)] = encoded
        return out

    def to_json_dict(self) -> Dict[str, Any]:
        """The REST JSON form (lowerCamel keys), as the emulator speaks it."""
        return self._to_json()

    def to_dict(self, use_integers_for_enums: bool = True, preserving_proto_field_name: bool = True) -> Dict[str, Any]:
        """Like proto-plus' ``Type.to_dict(msg)``: JSON-style values, snake_case keys.

        Works both as ``msg.to_dict()`` and ``Task.to_dict(msg)``. Fields at
        their default value are left out.
        """

        def walk(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return value

        def convert(msg: "Message") -> Dict[str, Any]:
            out: Dict[str, Any] = {}
            for name, value in msg._data.items():
                spec = type(msg)._fields.get(name, ANY)
                key = name if preserving_proto_field_name else to_camel(name)
                if _is_message_type(spec) or isinstance(value, Message):
                    out[key] = convert(value)
                elif isinstance(spec, Repeated) and _is_message_type(spec.value):
                    out[key] = [convert(v) for v in value]
                elif _is_enum_type(spec):
                    if int(value):
                        out[key] = int(value) if use_integers_for_enums else getattr(value, "name", int(value))
                else:
                    encoded = _to_json(spec, value)
                    if encoded is not None:
                        out[key] = walk(encoded)
            return out

        return convert(self)


# ---------------------------------------------------------------------------
# Cloud Tasks v2 types
# ---------------------------------------------------------------------------


class HttpMethod(enum.IntEnum):
    """google.cloud.tasks.v2.HttpMethod."""

    HTTP_METHOD_UNSPECIFIED = 0
    POST = 1
    GET = 2
    HEAD = 3
    PUT = 4
    DELETE = 5
    PATCH = 6
    OPTIONS = 7


class FieldMask(Message):
    _fields = {"paths": Repeated(STRING)}


class Status(Message):
    """google.rpc.Status."""

    _fields = {"code": INT, "message": STRING, "details": Repeated(ANY)}


class AppEngineRouting(Message):
    _fields = {"service": STRING, "version": STRING, "instance": STRING, "host": STRING}


class RateLimits(Message):
    _fields = {"max_dispatches_per_second": DOUBLE, "max_burst_size": INT, "max_concurrent_dispatches": INT}


class RetryConfig(Message):
    _fields = {
        "max_attempts": INT,
        "max_retry_duration": DURATION,
        "min_backoff": DURATION,
        "max_backoff": DURATION,
        "max_doublings": INT,
    }


class StackdriverLoggingConfig(Message):
    _fields = {"sampling_ratio": DOUBLE}


class Queue(Message):
    """google.cloud.tasks.v2.Queue (``http_target`` stays schema-less)."""

    class State(enum.IntEnum):
        STATE_UNSPECIFIED = 0
        RUNNING = 1
        PAUSED = 2
        DISABLED = 3

    _fields = {
        "name": STRING,
        "app_engine_routing_override": AppEngineRouting,
        "rate_limits": RateLimits,
        "retry_config": RetryConfig,
        "state": State,
        "purge_time": TIMESTAMP,
        "stackdriver_logging_config": StackdriverLoggingConfig,
        "http_target": ANY,
    }


class OAuthToken(Message):
    _fields = {"service_account_email": STRING, "scope": STRING}


class OidcToken(Message):
    _fields = {"service_account_email": STRING, "audience": STRING}


class HttpRequest(Message):
    _fields = {
        "url": STRING,
        "http_method": HttpMethod,
        "headers": Map(STRING),
        "body": BYTES,
        "oauth_token": OAuthToken,
        "oidc_token": OidcToken,
    }


class AppEngineHttpRequest(Message):
    _fields = {
        "http_method": HttpMethod,
        "app_engine_routing": AppEngineRouting,
        "relative_uri": STRING,
        "headers": Map(STRING),
        "body": BYTES,
    }


class Attempt(Message):
    _fields = {
        "schedule_time": TIMESTAMP,
        "dispatch_time": TIMESTAMP,
        "response_time": TIMESTAMP,
        "response_status": Status,
    }


class Task(Message):
    """google.cloud.tasks.v2.Task."""

    class View(enum.IntEnum):
        VIEW_UNSPECIFIED = 0
        BASIC = 1
        FULL = 2

    _fields = {
        "name": STRING,
        "app_engine_http_request": AppEngineHttpRequest,
        "http_request": HttpRequest,
        "schedule_time": TIMESTAMP,
        "create_time": TIMESTAMP,
        "dispatch_deadline": DURATION,
        "dispatch_count": INT,
        "response_count": INT,
        "first_attempt": Attempt,
        "last_attempt": Attempt,
        "view": View,
    }


class Expr(Message):
    """google.type.Expr (an IAM condition)."""

    _fields = {"expression": STRING, "title": STRING, "description": STRING, "location": STRING}


class Binding(Message):
    _fields = {"role": STRING, "members": Repeated(STRING), "condition": Expr}


class Policy(Message):
    """google.iam.v1.Policy."""

    _fields = {"version": INT, "bindings": Repeated(Binding), "audit_configs": Repeated(ANY), "etag": BYTES}


class TestIamPermissionsResponse(Message):
    __test__ = False  # not a unittest/pytest test class
    _fields = {"permissions": Repeated(STRING)}


class ListQueuesResponse(Message):
    _fields = {"queues": Repeated(Queue), "next_page_token": STRING}


class ListTasksResponse(Message):
    _fields = {"tasks": Repeated(Task), "next_page_token": STRING}


class Location(Message):
    """google.cloud.location.Location."""

    _fields = {
        "name": STRING,
        "location_id": STRING,
        "display_name": STRING,
        "labels": Map(STRING),
        "metadata": ANY,
    }


class ListLocationsResponse(Message):
    _fields = {"locations": Repeated(Location), "next_page_token": STRING}
