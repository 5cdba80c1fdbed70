"""GitHub Actions workflow commands: each violation becomes an annotation on its file and line."""

from __future__ import annotations

from collections.abc import Sequence

from .base import DocumentResult, summary


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: Sequence[DocumentResult]) -> str:
    out: list[str] = []
    for result in results:
        if result.error is not None:
            line = f",line={result.error_line}" if result.error_line else ""
            out.append(f"::error file={_property(result.path)}{line},title=unreadable input::{_data(result.error)}")
            continue
        for violation in result.violations:
            line_number = result.line_of(violation.pointer)
            line = f",line={line_number}" if line_number else ""
            title = _property(f"{violation.pointer or '/'} {violation.keyword}")
            out.append(f"::error file={_property(result.path)}{line},title={title}::{_data(violation.message)}")
    out.append(summary(results))
    return "\n".join(out) + "\n"
