"""The boto3 guard: a handler on botocore's documented ``before-parameter-build`` event.

A client method emits ``provide-client-params.<service>.<Operation>`` (whose handlers may return
new parameters) and then ``before-parameter-build.<service>.<Operation>`` with the parameters it
will use, before botocore's own validation and serialization (``BaseClient._emit_api_params``).
The second is the one to check: it sees what every ``provide-client-params`` handler left, so the
guard judges the parameters that would be sent, and a handler's return value is ignored there, so
a check cannot change them. boto3's parameters are the operation's input shape (path members
included), which is what our request schemas describe; they are checked as a job spec (``wire``
off): ``clientToken`` may be missing (botocore's own ``before-parameter-build`` handler fills it
in) and timestamps may be ``datetime`` values or whatever botocore's parser reads. Unknown members
are violations, as botocore refuses them too.

A session's handlers are copied into each client it creates (botocore copies the session's event
emitter into the client), so guarding a session guards the clients it makes afterwards, not
those it made before. Each registration has a ``unique_id``: guarding twice registers once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import botocore.client
import botocore.session
from botocore.exceptions import ParamValidationError

from ..core import registry
from ..errors import UsageError
from . import checking

#: The botocore service id of each AWS API (``service_id.hyphenize()``, the middle of an event name).
API_OF_SERVICE = {service: api for api, service in registry.SIGNING_NAME.items()}
_EVENT = "before-parameter-build"
_ID = "jobrun-contracts-guard"
_MARK = "__jobrun_guard__"


class BotoGuardError(checking.GuardError, ParamValidationError):  # type: ignore[misc]  # botocore has no types
    """A guarded boto3 call was refused: botocore's ``ParamValidationError``, with our ``violations``."""

    def __init__(self, api: str, operation: str, violations: Any, total: int | None = None) -> None:
        super().__init__(api, operation, violations, total)
        self.kwargs = {"report": self.report}  # what botocore's errors keep: ParamValidationError(report=...)


def guard(target: Any) -> None:
    """Register the checks on a client (its service's operations) or a session (both services')."""
    events, services = _events(target)
    for event, unique_id, handler in _registrations(services):
        events.register(event, handler, unique_id=unique_id)


def unguard(target: Any) -> None:
    events, services = _events(target)
    for event, unique_id, _ in _registrations(services):
        events.unregister(event, unique_id=unique_id)


def guard_every_client() -> Callable[[], None]:
    """Guard every client botocore creates from now on; returns what undoes it.

    botocore has no process-wide event: handlers live on a session, and a client copies its
    session's when it is made. Every boto3 and botocore client is made by
    ``botocore.session.Session.create_client`` (boto3's ``Session.client`` calls it), so that one
    method is wrapped, and each emr-serverless or emr-containers client it returns is guarded
    with the documented per-client event above. Clients made before the call are not guarded.
    """
    session_class = botocore.session.Session
    original = session_class.__dict__["create_client"]
    if getattr(original, _MARK, False):  # already on: the first caller's undo turns it off
        return lambda: None

    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        if _service(client) in API_OF_SERVICE:
            guard(client)
        return client

    setattr(create_client, _MARK, True)
    session_class.create_client = create_client

    def undo() -> None:
        if session_class.__dict__.get("create_client") is create_client:
            session_class.create_client = original

    return undo


def _service(client: Any) -> str:
    return str(client.meta.service_model.service_id.hyphenize())


def _events(target: Any) -> tuple[Any, tuple[str, ...]]:
    """The event system to register on, and the services whose operations are checked there."""
    if isinstance(target, botocore.client.BaseClient):
        service = _service(target)
        if service not in API_OF_SERVICE:
            raise UsageError(f"guard() checks emr-serverless and emr-containers clients, not a '{service}' client")
        return target.meta.events, (service,)
    if isinstance(target, botocore.session.Session):
        return target, tuple(API_OF_SERVICE)
    return target.events, tuple(API_OF_SERVICE)  # a boto3 Session: its botocore session's emitter


def _registrations(services: tuple[str, ...]) -> Iterator[tuple[str, str, Callable[..., None]]]:
    for service in services:
        api = API_OF_SERVICE[service]
        for operation in registry.operations(api):
            event = f"{_EVENT}.{service}.{operation.name}"
            yield event, f"{_ID}:{event}", _handler(api, operation.name)


@functools.cache
def _handler(api: str, operation: str) -> Callable[..., None]:
    def check_parameters(params: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        checking.check(api, operation, params, wire=False, strict=True, error=BotoGuardError)

    return check_parameters
