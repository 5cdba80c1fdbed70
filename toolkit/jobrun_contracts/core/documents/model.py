"""What a parsed document is, and the limits every parser enforces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Document:
    """One parsed document. Its pointer-to-line map is worked out only when something asks for it:
    a valid document never needs it, and mapping every pointer costs more than parsing."""

    path: str
    index: int  # 1-based position in a multi-document YAML file
    data: Any
    known_lines: Mapping[str, int] | None = None
    find_lines: Callable[[], Mapping[str, int]] | None = field(default=None, repr=False)

    @property
    def lines(self) -> Mapping[str, int]:
        if self.known_lines is None:
            self.known_lines = self.find_lines() if self.find_lines else {}
            self.find_lines = None  # the source text it held is no longer needed
        return self.known_lines

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
