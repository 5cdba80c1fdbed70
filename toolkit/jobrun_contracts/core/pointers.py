"""RFC 6901 JSON pointers, and the dotted form people read."""

from __future__ import annotations

from typing import Any


def escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """One reference token as it was before escaping (``~1`` is ``/``, then ``~0`` is ``~``)."""
    return part.replace("~1", "/").replace("~0", "~")


def join(path: list[Any]) -> str:
    return "".join("/" + escape(p) for p in path)


def split(pointer: str) -> list[str | int]:
    """Parts of a pointer; all-digit parts come back as list indices."""
    parts: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        part = unescape(raw)
        parts.append(int(part) if part.isdigit() else part)
    return parts


def display(path: list[Any]) -> str:
    """A field as a person reads it: ``jobDriver.sparkSubmit.entryPointArguments[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
