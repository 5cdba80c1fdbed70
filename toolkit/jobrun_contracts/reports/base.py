"""What a validate run found for one document (or one unreadable file)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..core.documents import line_of
from ..core.validation import Violation


@dataclass
class DocumentResult:
    path: str
    document: int | None  # 1-based; None when the file could not be read at all
    api: str | None = None
    operation: str | None = None
    direction: str = "request"
    violations: Sequence[Violation] = ()
    error: str | None = None  # the file or document could not be checked: why
    error_line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.error is None and not self.violations

    def line_of(self, pointer: str) -> int | None:
        return line_of(self.lines, pointer)

    @property
    def label(self) -> str:
        return self.path if not self.document or self.document == 1 else f"{self.path} (document {self.document})"


def summary(results: Sequence[DocumentResult]) -> str:
    valid = sum(r.valid for r in results)
    errors = sum(r.error is not None for r in results)
    invalid = len(results) - valid - errors
    return f"{len(results)} document(s) checked: {valid} valid, {invalid} invalid, {errors} not checked"
