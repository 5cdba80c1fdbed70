"""JUnit XML: one test case per document, one failure per invalid document, one line per violation.

The XML itself is written by ``_junit``, the writer ``conform`` uses too.
"""

from __future__ import annotations

from . import _junit, base
from ._escape import one_line
from .base import DocumentResult


class Writer(base.Writer):
    """JUnit names its counts before its cases: the cases (small) are kept and written at the end."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: list[_junit.Case] = []

    def entry(self, result: DocumentResult) -> str:
        self.cases.append(_case(result))
        return ""

    def finish(self) -> str:
        return _junit.render("jobrun-contracts validate", self.cases)


render = Writer.render


def _case(result: DocumentResult) -> _junit.Case:
    classname = result.path
    part = f" ({result.part})" if result.part else ""  # a state machine's tasks are cases of their own
    name = f"document {result.document or 1}{part}: {result.api or '?'} {result.operation or ''} {result.direction}"
    if result.error is not None:
        return _junit.Case(classname, name, "error", message=result.error, details=result.error)
    if not result.violations:
        return _junit.Case(classname, name)
    lines = []
    for v in result.violations:
        line = result.line_of(v.pointer)
        lines.append(
            one_line(f"{result.path}:{line or ''} {v.pointer or '/'}: {v.message} [{v.keyword}] ({v.reference})")
        )
    message = f"{len(result.violations)} violation(s)"
    return _junit.Case(classname, name, "failure", message=message, type="ValidationFailed", details="\n".join(lines))
