"""A stdlib-only Python shim for the Cloud Tasks emulator.

``CloudTasksClient`` mirrors ``google.cloud.tasks_v2.CloudTasksClient`` (same
methods, keyword arguments and dict-shaped requests) over the emulator's REST
API; ``Emulator`` drives the test harness (clock, attempt log, waitIdle,
reset, stats). The emulator's address comes from ``$CLOUD_TASKS_EMULATOR_HOST``
(``HOST:PORT`` or ``http://HOST:PORT``), default ``127.0.0.1:8123``.

Typical swap::

    # from google.cloud import tasks_v2
    import cloud_tasks_emulator as tasks_v2
    client = tasks_v2.CloudTasksClient()
"""

from . import exceptions, types
from ._transport import DEFAULT_HOST, ENV_HOST, resolve_endpoint
from .client import CloudTasksClient, ListQueuesPager, ListTasksPager, update_mask_to_rest
from .emulator import AttemptRecord, Emulator, QueueStats, Stats, official_client
from .exceptions import (
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    GoogleAPICallError,
    GoogleAPIError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unimplemented,
)
from .types import (
    AppEngineHttpRequest,
    AppEngineRouting,
    Attempt,
    Binding,
    HttpMethod,
    HttpRequest,
    ListQueuesResponse,
    ListTasksResponse,
    Location,
    OAuthToken,
    OidcToken,
    Policy,
    Queue,
    RateLimits,
    RetryConfig,
    StackdriverLoggingConfig,
    Task,
    TestIamPermissionsResponse,
)

__version__ = "0.1.0"

__all__ = [
    "CloudTasksClient",
    "ListQueuesPager",
    "ListTasksPager",
    "Emulator",
    "AttemptRecord",
    "QueueStats",
    "Stats",
    "official_client",
    "resolve_endpoint",
    "update_mask_to_rest",
    "DEFAULT_HOST",
    "ENV_HOST",
    "exceptions",
    "types",
    "GoogleAPIError",
    "GoogleAPICallError",
    "NotFound",
    "AlreadyExists",
    "InvalidArgument",
    "FailedPrecondition",
    "PermissionDenied",
    "Unimplemented",
    "DeadlineExceeded",
    "HttpMethod",
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
    "Policy",
    "Binding",
    "TestIamPermissionsResponse",
    "ListQueuesResponse",
    "ListTasksResponse",
    "Location",
]
