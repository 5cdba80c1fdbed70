"""What a parsed document is, and the limits every parser enforces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Document:
    path: str
    index: int  # 1-based position in a multi-document YAML file
    data: Any
    lines: Mapping[str, int] = field(default_factory=dict)

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
