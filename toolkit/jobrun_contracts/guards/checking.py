"""One check for every SDK: an operation input against our validator, refused with :class:`GuardError`.

The SDK-specific modules turn a call into an operation input and choose the mode; what is
refused, and how it is worded (one violation a line, sensitive values hidden), is decided here,
so that a boto3 refusal and an Alibaba one read the same.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import sensitive
from ..core.validation import ValidationFailed, Violation, validator_for
from ..errors import InputError

#: Violations a refusal lists; past these they are counted (``total``), not worded.
LIMIT = 100

#: How sure a constraint is, said beside a violation that is not the API reference's (as ``validate`` says it).
_LEVELS = {
    "guide": " (the service's guide, not the API reference)",
    "observed": " (observed behaviour)",
    "choice": " (jobrun-contracts' choice: the pages are silent)",
}


class GuardError(ValidationFailed):
    """A guarded SDK call was refused before it was sent; ``violations`` says why.

    The boto3 guard raises a subclass that is also botocore's ``ParamValidationError``, the
    Alibaba guard one that is also the SDK's ``ValidateException``, so ``except`` clauses written
    for the SDK's own checks still catch it. ``api`` and ``operation`` name the call; ``total``
    counts the violations when there were more than the :data:`LIMIT` listed. No sensitive value
    (``x-sensitive`` in the schemas) is in the message or in a violation.
    """

    def __init__(self, api: str, operation: str, violations: Sequence[Violation], total: int | None = None) -> None:
        self.api, self.operation = api, operation
        self.violations = tuple(violations)
        self.total = max(total or 0, len(self.violations))
        self.report = _report(api, operation, self.violations, self.total)
        Exception.__init__(self, f"Parameter validation failed:\n{self.report}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by module and name, looked up again when loaded: the class an error was raised with
        may come from a module object that has since been imported anew (pytest's in-process runs drop
        the modules they imported), and pickle refuses a class that is not the module's current one."""
        kind = type(self)
        return _rebuild, (kind.__module__, kind.__qualname__, (self.api, self.operation, self.violations, self.total))


def _rebuild(module: str, name: str, args: tuple[Any, ...]) -> GuardError:
    kind: type[GuardError] = getattr(importlib.import_module(module), name)
    return kind(*args)


def check(
    api: str, operation: str, instance: Mapping[str, Any], *, wire: bool, strict: bool, error: type[GuardError]
) -> None:
    """Raise ``error`` when ``instance`` breaks a constraint of the operation's request.

    A valid instance costs one ``is_valid`` call on a validator compiled once per process. A value
    JSON cannot hold that the SDK might still take (a set, bytes) is left to the SDK's own check:
    the guard never refuses what it cannot judge.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this frame's arguments (the whole input)
    validator = validator_for(api, operation, "request", wire=wire, strict=strict)
    try:
        if validator.is_valid(instance):
            return
        violations, total = validator.first_violations(instance, LIMIT)
    except InputError:
        return
    shown = [sensitive.safe_violation(v, api, operation, "request") for v in violations]
    raise error(api, operation, shown, total)


def _report(api: str, operation: str, violations: Sequence[Violation], total: int) -> str:
    count = f"{total} violation{'s' if total != 1 else ''}"
    lines = [f"{api} {operation} request: {count} (checked by jobrun-contracts before sending)"]
    for violation in violations:
        note = _LEVELS.get(violation.provenance, "")
        lines.append(
            f"{_one_line(violation.pointer or '/')}: {_one_line(violation.message)} [{violation.keyword}]{note}"
        )
    if total > len(violations):
        lines.append(f"... and {total - len(violations)} more violation(s), not listed")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """A key with a line break in it (an unknown field) must not start a line of its own."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
