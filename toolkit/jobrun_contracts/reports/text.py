"""Plain text: ``path:line: pointer: message [keyword]``, the shape editors and grep understand.

Paths and everything a document says pass through ``one_line``: a crafted key or file name cannot
forge a line (or a CI workflow command) nor send the terminal an escape sequence.
"""

from __future__ import annotations

from . import base
from ._escape import one_line
from .base import DocumentResult

#: How sure a constraint is, shown beside its source when it is not the API reference's.
_LEVELS = {
    "reference": "",
    "guide": " (the service's guide, not the API reference)",
    "observed": " (observed behaviour)",
    "choice": " (jobrun-contracts' choice: the pages are silent)",
    "client": " (the client's own rule, not the service's)",
}


class Writer(base.Writer):
    def entry(self, result: DocumentResult) -> str:
        out: list[str] = []
        path = one_line(result.path)
        if result.error is not None:
            where = f"{path}:{result.error_line}" if result.error_line else path
            out.append(f"{where}: error: {one_line(result.error)}")
        elif not result.valid:
            what = one_line(f"{result.api} {result.operation} {result.direction}")
            count = len(result.violations) + result.omitted
            out.append(f"{one_line(result.label)}: {what}: {count} violation(s)")
            out.extend(_reading(result))
            for violation in result.violations:
                line = result.line_of(violation.pointer)
                where = f"{path}:{line}" if line else path
                pointer, message, keyword = (
                    one_line(v) for v in (violation.pointer or "/", violation.message, violation.keyword)
                )
                out.append(f"  {where}: {pointer}: {message} [{keyword}]")
                if violation.source:
                    level = _LEVELS.get(violation.provenance, violation.provenance)
                    out.append(f"      source{level}: {one_line(violation.reference)}")
            if result.omitted:
                out.append(f"  ... and {result.omitted} more violation(s), not shown (--max-violations)")
        elif result.notes or result.decided or result.unchecked:  # valid, with something worth saying
            out.append(f"{one_line(result.label)}: valid")
            out.extend(_reading(result))
        return "".join(line + "\n" for line in out)

    def finish(self) -> str:
        return self.totals.line() + "\n"


def _reading(result: DocumentResult) -> list[str]:
    """How the document was read, its notes, and what in it was not checked (one line per reason)."""
    out = [f"  {one_line(result.decided)}"] if result.decided else []
    out += [f"  note: {one_line(note)}" for note in result.notes]
    by_reason: dict[str, list[str]] = {}
    for pointer, reason in result.unchecked:
        by_reason.setdefault(reason, []).append(pointer)
    path = one_line(result.path)
    for reason, where in by_reason.items():
        line = result.line_of(where[0])
        shown = ", ".join(one_line(p or "/") for p in where[:_UNCHECKED_SHOWN])
        more = f" and {len(where) - _UNCHECKED_SHOWN} more" if len(where) > _UNCHECKED_SHOWN else ""
        at = f"{path}:{line}: " if line else ""
        out.append(f"  not checked: {at}{shown}{more}: {one_line(reason)}")
    return out


_UNCHECKED_SHOWN = 5

render = Writer.render
