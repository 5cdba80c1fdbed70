"""What a validate run found for one document (or one unreadable file).

Every format writes its results through :meth:`Writer.add`, which first makes each violation safe
to show (``core.sensitive``): a value under a shape the service marks sensitive never reaches a
report, whatever its format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..core.documents import line_of
from ..core.registry import Direction
from ..core.sensitive import safe_violation
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
    lines: Mapping[str, int] = field(default_factory=dict)  # for the reported pointers only
    omitted: int = 0  # violations past --max-violations: counted, not reported
    notes: Sequence[str] = ()  # things worth saying that are not violations (e.g. another API's document)
    #: how the document was read, when not as an operation input itself (core.forms): the form,
    #: one line of what was decided and why, where the input sits, and whether the document told
    form: str | None = None
    decided: str | None = None
    root: str | None = None
    detected: bool = False
    part: str | None = None  # which part of the document (a state, a task), when it holds several
    unchecked: Sequence[tuple[str, str]] = ()  # (pointer, why): values that are there but not known

    @property
    def valid(self) -> bool:
        return self.error is None and not self.violations

    def line_of(self, pointer: str) -> int | None:
        return line_of(self.lines, pointer)

    @property
    def label(self) -> str:
        where = [f"document {self.document}"] if self.document and self.document != 1 else []
        where += [self.part] if self.part else []
        return f"{self.path} ({', '.join(where)})" if where else self.path


def shown(result: DocumentResult) -> DocumentResult:
    """The result as a report may show it: no sensitive value in any violation (see ``core.sensitive``)."""
    if not result.violations:
        return result
    direction: Direction = "response" if result.direction == "response" else "request"
    safe = [safe_violation(v, result.api, result.operation, direction) for v in result.violations]
    if all(a is b for a, b in zip(safe, result.violations, strict=True)):
        return result
    return replace(result, violations=safe)


@dataclass
class Totals:
    documents: int = 0
    valid: int = 0
    invalid: int = 0
    errors: int = 0  # files or documents that could not be checked

    def add(self, result: DocumentResult) -> None:
        self.documents += 1
        if result.error is not None:
            self.errors += 1
        elif result.violations:
            self.invalid += 1
        else:
            self.valid += 1

    def line(self) -> str:
        return (
            f"{self.documents} document(s) checked: {self.valid} valid, {self.invalid} invalid, "
            f"{self.errors} not checked"
        )


class Writer:
    """A report written as results arrive, so a run over many files keeps nothing but the totals.

    ``start`` before the first result, ``add`` for each (it returns the text to print now),
    ``finish`` after the last. A format that must see everything first (JUnit) keeps what it needs.
    """

    def __init__(self) -> None:
        self.totals = Totals()

    def start(self) -> str:
        return ""

    def add(self, result: DocumentResult) -> str:
        self.totals.add(result)
        return self.entry(shown(result))

    def entry(self, result: DocumentResult) -> str:
        raise NotImplementedError

    def finish(self) -> str:
        return ""

    @classmethod
    def render(cls, results: Sequence[DocumentResult]) -> str:
        """The whole report at once (the Python API and tests)."""
        writer = cls()
        return writer.start() + "".join(writer.add(r) for r in results) + writer.finish()
