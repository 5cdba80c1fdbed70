"""Read job specs from JSON and YAML as plain data, refusing anything ambiguous or hostile.

Every refusal is an :class:`InputError` with one line that names the file (and line where
known): bytes that are not UTF-8, empty input, duplicate keys, non-data YAML tags, alias
bombs, input over the size limit, nesting over the depth limit, NaN and lone surrogates.
Each document also keeps a map from JSON pointer to line, so violations can say where.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from ...errors import InputError
from .json import parse_json
from .model import MAX_BYTES, MAX_DEPTH, SUFFIXES, Document, line_of

__all__ = ["MAX_BYTES", "MAX_DEPTH", "SUFFIXES", "Document", "expand", "line_of", "load", "parse_json"]


def expand(paths: list[str]) -> Iterator[str]:
    """Files to read: each path as given, directories searched for JSON and YAML files."""
    for raw in paths:
        path = Path(raw)
        if raw != "-" and path.is_dir():
            yield from sorted(str(p) for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield raw


def load(path: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> list[Document]:
    """All documents in a file (``-`` is standard input)."""
    data = _read_bytes(path, max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}", path=path) from None
    if not text.strip():
        raise InputError("empty document", path=path)
    is_json = path.endswith(".json") or (not path.endswith(SUFFIXES) and text.lstrip()[:1] in "{[")
    if is_json:
        return parse_json(text, path, max_depth)
    from .yaml import parse_yaml  # PyYAML costs a JSON-only run 25 ms of start-up

    return parse_yaml(text, path, max_depth)


def _read_bytes(path: str, max_bytes: int) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory", path=path) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path=path) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes}-byte limit (--max-bytes)", path=path)
    return data
