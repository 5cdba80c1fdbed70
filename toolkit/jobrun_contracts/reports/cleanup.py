"""How ``conform``'s reports show the cleanup: what was removed, and each thing left with its id and why.

A thing left is one line (the target's answer in it is already scrubbed); things kept with
``--keep`` are listed by container, so that a person can remove them. In JUnit the cleanup is one
case, ``jobrun-contracts.cleanup``: failed when something could not be removed (a CI dashboard
shows it), skipped when kept. The exit status does not depend on it: that says whether the
implementation conforms.
"""

from __future__ import annotations

from dataclasses import replace

from ..conformance import Cleanup, Created
from . import _junit
from ._escape import one_line

_PLURAL = {"application": "applications", "virtual cluster": "virtual clusters", "job run": "job runs"}


def cleanup_lines(cleanup: Cleanup | None) -> list[str]:
    """The text report's cleanup lines (none when the target needed no cleanup)."""
    if cleanup is None:
        return []
    if cleanup.kept:
        if not cleanup.left:
            return ["kept (--keep): the run created nothing on the target"]
        lines = [f"kept (--keep): {_count(len(cleanup.left))} the run created, still on the target:"]
        return lines + [f"  {line}" for line in _listed([entry.item for entry in cleanup.left])]
    done = f"{cleanup.requests} requests in {cleanup.seconds:.1f} s"
    lines = []
    if cleanup.removed:
        shown: dict[str, dict[str, int]] = {}
        for removed in cleanup.removed:
            hows = shown.setdefault(removed.item.kind, {})
            hows[removed.how] = hows.get(removed.how, 0) + 1
        parts = []
        for kind, hows in shown.items():
            count = sum(hows.values())
            parts.append(f"{count} {_noun(kind, count)} ({', '.join(f'{n} {how}' for how, n in hows.items())})")
        lines.append(f"cleanup: {'; '.join(parts)}; {done}")
    elif not cleanup.left:
        lines.append("cleanup: the run created nothing on the target")
    if cleanup.left:
        total = len(cleanup.left) + len(cleanup.removed)
        cut = ", interrupted" if cleanup.interrupted else ""
        lines.append(
            f"cleanup: {len(cleanup.left)} of {total} things the run created are still on the target{cut} "
            f"(the exit status does not change; {done}):"
        )
        lines += [f"  left  {one_line(str(entry.item))}: {one_line(entry.reason)}" for entry in cleanup.left]
    return lines


def cleanup_case(cleanup: Cleanup | None) -> _junit.Case | None:
    """The JUnit case for the cleanup, or None when the target needed none."""
    if cleanup is None:
        return None
    if cleanup.kept:
        message = f"kept (--keep): {_count(len(cleanup.left))} the run created"
        details = "\n".join(_listed([entry.item for entry in cleanup.left])) or None
        return _junit.Case("jobrun-contracts", "cleanup", "skipped", message=message, details=details)
    if cleanup.left:
        message = f"{len(cleanup.left)} things the run created are still on the target"
        details = "\n".join(f"{entry.item}: {entry.reason}" for entry in cleanup.left)
        case = _junit.Case("jobrun-contracts", "cleanup", "failure", message=message, type="cleanup", details=details)
        return replace(case, seconds=cleanup.seconds)
    return _junit.Case("jobrun-contracts", "cleanup", seconds=cleanup.seconds)


def _listed(items: list[Created]) -> list[str]:
    """One line per container and kind: ``aws-emr-serverless job runs in 00f...: id, id``; the others each."""
    grouped: dict[tuple[str, str, str | None], list[str]] = {}
    for item in items:
        grouped.setdefault((item.api, item.kind, item.container), []).append(item.id)
    lines = []
    for (api, kind, container), ids in grouped.items():
        where = f" in {container}" if container else ""
        lines.append(one_line(f"{api} {_noun(kind, len(ids))}{where}: {', '.join(ids)}"))
    return lines


def _noun(kind: str, count: int) -> str:
    return kind if count == 1 else _PLURAL.get(kind, kind + "s")


def _count(count: int) -> str:
    return f"{count} thing" if count == 1 else f"{count} things"
