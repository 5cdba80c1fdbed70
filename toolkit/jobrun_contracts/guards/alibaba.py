"""The Alibaba guard: the official SDK's job-run methods wrapped, since that SDK has no event system.

In ``alibabacloud_emr_serverless_spark20230808`` each operation has four methods: ``start_job_run``
and ``start_job_run_async`` call ``start_job_run_with_options`` and its ``_async`` twin, which
build the request from the path arguments (``workspace_id``, ``job_run_id``) and the request
model, and send it. Only those two are wrapped (the plain ones reach them through ``self``), so a
call is checked once, whichever method it came through. The operation input is the request
model's ``to_map()`` (the members the SDK sends, under their wire names) with the path arguments
added, checked as the service would judge it (``wire`` on: the SDK converts nothing), unknown
members tolerated (the models carry only members the SDK knows: one our schemas lack is our lag,
not the caller's mistake). A request model that cannot give its map is left to the SDK.

A client instance is guarded by setting the wrapped methods on it; the ``Client`` class itself,
for every instance old and new (what ``--jobrun-guard`` does), by setting them on the class.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..core import registry
from . import checking


def _sdk_error(module: str) -> type[Exception]:
    """The SDK's own ``ValidateException`` from ``module``, or a stand-in when that runtime is not
    installed (the 1.x SDK has Tea's and no darabonba): a refusal must not fail on an import."""
    try:
        found: type[Exception] = importlib.import_module(module).ValidateException
    except (ImportError, AttributeError):
        return type("ValidateException", (Exception,), {"__module__": __name__})
    return found


ValidateException = _sdk_error("darabonba.exceptions")
TeaValidateException = _sdk_error("Tea.exceptions")

API = "alibaba-emr-serverless-spark"
CLIENT_MODULE = "alibabacloud_emr_serverless_spark20230808.client"
_MARK = "__jobrun_guard__"


class AlibabaGuardError(checking.GuardError, ValidateException, TeaValidateException):  # type: ignore[misc, valid-type]
    """A guarded Alibaba SDK call was refused: the SDK's ``ValidateException``, with our ``violations``.

    The 2.x SDK's models (darabonba's) raise darabonba's ``ValidateException`` from their own
    checks; code written for the 1.x SDK catches Tea's. Both are plain ``Exception`` subclasses.
    """


def client_class() -> type[Any]:
    found: type[Any] = importlib.import_module(CLIENT_MODULE).Client
    return found


def guard(target: Any) -> None:
    """Wrap the job-run methods of a client instance, or of a client class (every instance)."""
    for name, operation in _methods():
        current = getattr(target, name, None)
        if current is None or getattr(current, _MARK, None):
            continue
        setattr(target, name, _wrapped(current, operation))  # a class's function, or an instance's bound method


def unguard(target: Any) -> None:
    for name, _ in _methods():
        own = vars(target).get(name)
        if own is None or not getattr(own, _MARK, None):
            continue
        if isinstance(target, type):
            setattr(target, name, own.__wrapped__)
        else:
            delattr(target, name)


def _methods() -> Iterator[tuple[str, str]]:
    """Each ``*_with_options`` method and its async twin, with the operation it calls."""
    for operation in registry.operations(API):
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", operation.name).lower() + "_with_options"
        yield name, operation.name
        yield f"{name}_async", operation.name


def _wrapped(method: Callable[..., Any], operation: str) -> Callable[..., Any]:
    """``method`` (bound or not) with the check first; an async method stays async."""
    signature = inspect.signature(method)
    paths = _path_arguments(operation)

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        __tracebackhide__ = True
        instance = _instance(signature, paths, args, kwargs)
        if instance is not None:
            checking.check(API, operation, instance, wire=True, strict=False, error=AlibabaGuardError)

    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            check(args, kwargs)
            return await method(*args, **kwargs)

    else:

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            check(args, kwargs)
            return method(*args, **kwargs)

    setattr(wrapper, _MARK, operation)
    return wrapper


def _path_arguments(operation: str) -> dict[str, str]:
    """The SDK's argument name of each path member: ``workspace_id`` for ``workspaceId``."""
    fields = registry.operation(API, operation).fields
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", f.name).lower(): f.name for f in fields if f.location == "path"}


def _instance(
    signature: inspect.Signature, paths: Mapping[str, str], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """The operation input of one call, or None when the call is not one the SDK could send."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:  # the SDK's own call fails with its own error
        return None
    instance: dict[str, Any] = {}
    request = next(
        (v for k, v in bound.arguments.items() if k not in paths and k != "self" and hasattr(v, "to_map")), None
    )
    if request is None:
        return None
    try:
        mapped = request.to_map()
    except Exception:  # e.g. a plain dict where the model wants a model: the SDK judges it
        return None
    if not isinstance(mapped, Mapping):
        return None
    instance.update(mapped)
    for argument, member in paths.items():
        value = bound.arguments.get(argument)
        if value is not None:
            instance[member] = value
    return instance
