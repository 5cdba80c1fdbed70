"""``guard``/``unguard``: tell which SDK an object is from without importing any SDK.

An SDK's objects cannot exist before its modules are imported, so the classes are looked up in
``sys.modules``: guarding costs no import of boto3 or the Alibaba SDK that the caller has not made.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ..errors import UsageError

T = TypeVar("T")

_ALIBABA_CLIENT = "alibabacloud_emr_serverless_spark20230808.client"
_ACCEPTED = (
    "a boto3 emr-serverless or emr-containers client, a boto3 or botocore session, or an Alibaba "
    "EMR Serverless Spark client (alibabacloud_emr_serverless_spark20230808.client.Client, or that class)"
)


def guard(target: T) -> T:
    """Check the parameters of every job-run call ``target`` makes before it sends them; returns ``target``.

    ``target`` is a boto3 ``emr-serverless`` or ``emr-containers`` client, a boto3 or botocore
    session (every such client it creates from now on), or an Alibaba EMR Serverless Spark client
    (or its ``Client`` class: every instance). A call whose parameters break a documented constraint
    raises :class:`~jobrun_contracts.GuardError` (for boto3 also botocore's ``ParamValidationError``,
    for Alibaba also the SDK's ``ValidateException``) and sends nothing. Guarding twice is guarding once.
    """
    kind = _kind(target)
    if kind == "boto":
        from . import boto

        boto.guard(target)
    else:
        from . import alibaba

        alibaba.guard(target)
    return target


def unguard(target: T) -> T:
    """Undo :func:`guard` on the same object (a client made from a guarded session stays guarded)."""
    kind = _kind(target)
    if kind == "boto":
        from . import boto

        boto.unguard(target)
    else:
        from . import alibaba

        alibaba.unguard(target)
    return target


def guard_everywhere() -> Callable[[], None]:
    """Guard every boto3/botocore client created from now on and every Alibaba SDK client; returns
    what undoes it. What ``pytest --jobrun-guard`` does; SDKs that are not installed are skipped.

    Raises :class:`~jobrun_contracts.UsageError` when neither SDK is installed: nothing would be guarded.
    """
    undo: list[Callable[[], None]] = []
    if importlib.util.find_spec("botocore") is not None:
        from . import boto

        undo.append(boto.guard_every_client())
    if _installed(_ALIBABA_CLIENT):
        from . import alibaba

        cls = alibaba.client_class()
        alibaba.guard(cls)
        undo.append(lambda: alibaba.unguard(cls))
    if not undo:
        raise UsageError(
            "nothing to guard: neither botocore (boto3) nor alibabacloud_emr_serverless_spark20230808 is installed"
        )

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package is missing
        return False


def _kind(target: Any) -> Literal["boto", "alibaba"]:
    if any(
        _is(target, module, name)
        for module, name in (
            ("botocore.client", "BaseClient"),
            ("botocore.session", "Session"),
            ("boto3.session", "Session"),
        )
    ):
        return "boto"
    alibaba = getattr(sys.modules.get(_ALIBABA_CLIENT), "Client", None)
    if isinstance(alibaba, type) and (
        isinstance(target, alibaba) or (isinstance(target, type) and issubclass(target, alibaba))
    ):
        return "alibaba"
    raise UsageError(f"guard() takes {_ACCEPTED}, not {_described(target)}")


def _is(target: Any, module: str, name: str) -> bool:
    cls = getattr(sys.modules.get(module), name, None)
    return isinstance(cls, type) and isinstance(target, cls)


def _described(target: Any) -> str:
    if isinstance(target, type):
        return f"the class {target.__module__}.{target.__qualname__}"
    return f"a {type(target).__module__}.{type(target).__qualname__}"
