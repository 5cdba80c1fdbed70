"""What a parsed document is, and the limits every parser enforces."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
#: Values in one document, at most: bounds what checking it costs (a job spec has a few thousand).
MAX_VALUES = 1_000_000
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Document:
    """One parsed document. Its pointer-to-line map is worked out only when something asks for it:
    a valid document never needs it, and mapping every pointer costs more than parsing."""

    path: str
    index: int  # 1-based position in a multi-document YAML file
    data: Any
    known_lines: Mapping[str, int] | None = None
    format: str = "json"  # "json" or "yaml": what the text was parsed as (stdin and suffix-less files too)
    #: Lines of the pointers asked for (and their ancestors), or of every pointer when given None.
    find_lines: Callable[[frozenset[str] | None], Mapping[str, int]] | None = field(default=None, repr=False)

    @property
    def lines(self) -> Mapping[str, int]:
        """Every pointer's line: for a small document, or a test. A report asks ``lines_for`` instead."""
        if self.known_lines is None:
            self.known_lines = self.find_lines(None) if self.find_lines else {}
            self.find_lines = None  # the source text it held is no longer needed
        return self.known_lines

    def lines_for(self, pointers: Iterable[str]) -> dict[str, int]:
        """The line of each pointer (or of its nearest ancestor): only those are mapped, so a
        huge document with a few violations costs no pointer map of its own size."""
        wanted = frozenset(pointers)
        lazy = self.known_lines is None and self.find_lines is not None
        found = self.find_lines(wanted) if lazy and self.find_lines else self.lines
        result = {}
        for pointer in wanted:
            line = line_of(found, pointer)
            if line is not None:
                result[pointer] = line
        return result

    def line_of(self, pointer: str) -> int | None:
        return line_of(self.lines, pointer)


def line_of(lines: Mapping[str, int], pointer: str) -> int | None:
    """The line of the value at ``pointer``, or of its nearest ancestor that has one."""
    while True:
        if pointer in lines:
            return lines[pointer]
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]


def with_ancestors(pointers: Iterable[str]) -> set[str]:
    """The pointers and every pointer on the way to them (``/a/b`` -> ``""``, ``/a``, ``/a/b``)."""
    found: set[str] = set()
    for pointer in pointers:
        parts = pointer.split("/")
        found.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found
