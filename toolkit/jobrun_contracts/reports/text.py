"""Plain text: ``path:line: pointer: message [keyword]``, the shape editors and grep understand."""

from __future__ import annotations

from collections.abc import Sequence

from .base import DocumentResult, summary


def render(results: Sequence[DocumentResult]) -> str:
    out: list[str] = []
    for result in results:
        if result.error is not None:
            where = f"{result.path}:{result.error_line}" if result.error_line else result.path
            out.append(f"{where}: error: {result.error}")
            continue
        if result.valid:
            continue
        what = f"{result.api} {result.operation} {result.direction}"
        out.append(f"{result.label}: {what}: {len(result.violations)} violation(s)")
        for violation in result.violations:
            line = result.line_of(violation.pointer)
            where = f"{result.path}:{line}" if line else result.path
            out.append(f"  {where}: {violation.pointer or '/'}: {violation.message} [{violation.keyword}]")
            if violation.source:
                out.append(f"      source: {violation.source}")
    out.append(summary(results))
    return "\n".join(out) + "\n"
