"""Read job specs from JSON and YAML as plain data, refusing anything ambiguous or hostile.

Every refusal is an :class:`InputError` with one line that names the file (and line where
known): bytes that are not UTF-8, empty input, duplicate keys, non-data YAML tags, alias
bombs, input over the size limit, nesting over the depth limit, NaN and lone surrogates.
A document can say on which line a pointer is; the map is worked out only when asked.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from functools import partial

from ...errors import InputError
from .json import parse_json
from .model import MAX_BYTES, MAX_DEPTH, MAX_VALUES, SUFFIXES, Document, line_of

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_VALUES", "SUFFIXES", "Document", "expand", "line_of", "load", "parse_json"]


def expand(paths: list[str], excludes: Iterable[str] = ()) -> Iterator[str]:
    """Files to read: each path as given; directories searched for JSON and YAML files.

    Under a directory, hidden files and folders (``.name``: ``.git``, ``.pre-commit-config.yaml``)
    are skipped, and so is whatever matches an ``excludes`` glob (by its path below the
    directory, or by its name). A folder that cannot be listed is yielded, for ``load`` to report.
    """
    patterns = tuple(excludes)

    def excluded(relative: str, name: str) -> bool:
        return any(fnmatch.fnmatchcase(relative, g) or fnmatch.fnmatchcase(name, g) for g in patterns)

    for raw in paths:
        if raw == "-" or not os.path.isdir(raw):
            yield raw
            continue
        unreadable: list[str] = []
        for folder, dirs, names in os.walk(raw, onerror=partial(_note_unreadable, unreadable)):
            below = os.path.relpath(folder, raw)
            prefix = "" if below == "." else below.replace(os.sep, "/") + "/"
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not excluded(prefix + d, d))
            yield from unreadable
            unreadable.clear()
            for name in sorted(names):
                if name.startswith(".") or not name.endswith(SUFFIXES) or excluded(prefix + name, name):
                    continue
                yield os.path.join(folder, name)
        yield from unreadable


def _note_unreadable(unreadable: list[str], error: OSError) -> None:
    unreadable.append(str(error.filename))


def load(
    path: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES
) -> list[Document]:
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
        return parse_json(text, path, max_depth, max_values)
    from .yaml import parse_yaml  # PyYAML costs a JSON-only run 25 ms of start-up

    return parse_yaml(text, path, max_depth, max_values=max_values)


def _read_bytes(path: str, max_bytes: int) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            kind = os.stat(path).st_mode
            if stat.S_ISDIR(kind):
                searchable = os.access(path, os.R_OK | os.X_OK)
                raise InputError("is a directory" if searchable else "a folder that cannot be listed", path=path)
            if not stat.S_ISREG(kind):  # a FIFO or a device would block or never end
                raise InputError("not a regular file", path=path)
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory", path=path) from None
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read: {getattr(error, 'strerror', None) or error}", path=path) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes}-byte limit (--max-bytes)", path=path)
    return data
