"""JSON job specs: strict parsing (no duplicate keys, NaN or lone surrogates) and a pointer-to-line map."""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import InputError
from ..pointers import escape as _escape
from .model import MAX_DEPTH, MAX_VALUES, Document, with_ancestors

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
# Surrogate escapes, a pair taken whole (json.dumps writes astral characters as pairs): any match
# that is not a whole pair is a lone surrogate, and only then are the parsed strings walked.
_SURROGATES = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _lone_surrogate_escape(text: str) -> bool:
    return any(m.group(1) is None for m in _SURROGATES.finditer(text))


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # built in C; a repeated key shows as a shorter dict
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, path: str, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> list[Document]:
    """Parse first (C speed), check the depth and surrogates, and map lines only when asked."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKey as error:
        _, duplicates = _json_lines(text, path, max_depth)
        raise InputError(
            f"duplicate key '{error.key}' (ambiguous: which one is meant?)", path=path, line=duplicates.get(error.key)
        ) from None
    except json.JSONDecodeError as error:
        _json_lines(text, path, max_depth)  # too deep before the syntax error: say that, as before
        raise InputError(f"invalid JSON: {error.msg}", path=path, line=error.lineno) from None
    except ValueError as error:
        text_of = str(error)
        if "integer string conversion" in text_of:
            text_of = "an integer too long to read (more than 4300 digits)"
        raise InputError(f"invalid JSON: {text_of}", path=path) from None
    except RecursionError:
        _json_lines(text, path, max_depth)  # raises with the line where the limit is passed
        raise InputError(f"nested deeper than {max_depth} levels (--max-depth)", path=path) from None
    if text.count("{") + text.count("[") > max_depth and depth_exceeds(data, max_depth):
        _json_lines(text, path, max_depth)
        raise InputError(f"nested deeper than {max_depth} levels (--max-depth)", path=path)
    if text.count(",") >= max_values and values_exceed(data, max_values):  # n values need n - 1 commas
        raise InputError(f"more than {max_values} values (--max-values)", path=path)
    if "\\u" in text and _lone_surrogate_escape(text):
        _reject_lone_surrogates(data, path)
    return [Document(path, 1, data, find_lines=lambda wanted: _json_lines(text, path, max_depth, wanted)[0])]


def values_exceed(data: Any, limit: int) -> bool:
    """Whether the document holds more than ``limit`` values (containers and what they hold)."""
    level = [data] if type(data) is dict or type(data) is list else []
    count = 1
    while level:
        below: list[Any] = []
        for node in level:
            children = node.values() if type(node) is dict else node
            count += len(children)
            below.extend([c for c in children if type(c) is dict or type(c) is list])
        if count > limit:
            return True
        level = below
    return False


def depth_exceeds(data: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit``: level by level, at comprehension speed."""
    level = [data] if type(data) is dict or type(data) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for node in level:
            below.extend(
                [c for c in (node.values() if type(node) is dict else node) if type(c) is dict or type(c) is list]
            )
        level = below
    return False


def _json_lines(
    text: str, path: str, max_depth: int, wanted: frozenset[str] | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Pointer -> line for every value, and the line of the second sighting of each repeated key.

    A light tokenizer, not a parser: ``json.loads`` judges validity. Run only for a document
    with something to report (and to say on which line a depth limit is passed).
    """
    lines: dict[str, int] = {}
    duplicates: dict[str, int] = {}
    keep = None if wanted is None else with_ancestors(wanted)
    missing = None if wanted is None else set(wanted)
    stack: list[list[Any]] = []  # [kind, pointer, key or index, keys seen]
    line, last = 1, 0
    expecting_key = False
    for match in _JSON_TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        token = match.group()
        top = stack[-1] if stack else None
        if token in ",:":
            if token == "," and top is not None:
                if top[0] == "object":
                    expecting_key = True
                else:
                    top[2] += 1
            continue
        if token in "}]":
            if stack:
                stack.pop()
            expecting_key = False
            continue
        if top is not None and top[0] == "object" and expecting_key and token.startswith('"'):
            try:
                key = json.loads(token)
            except ValueError:
                key = token.strip('"')
            if key in top[3]:
                duplicates.setdefault(key, line)
            top[3].add(key)
            top[2] = key
            expecting_key = False
            continue
        pointer = "" if top is None else f"{top[1]}/{_escape(top[2])}"
        if keep is None or pointer in keep:
            lines.setdefault(pointer, line)
            if missing is not None:
                missing.discard(pointer)
                if not missing:
                    break  # every pointer asked for is found: the rest of the text cannot change them
        if token in "{[":
            if len(stack) >= max_depth:
                raise InputError(f"nested deeper than {max_depth} levels (--max-depth)", path=path, line=line)
            stack.append(["object", pointer, None, set()] if token == "{" else ["array", pointer, 0, set()])
            expecting_key = token == "{"
    return lines, duplicates


def _reject_lone_surrogates(data: Any, path: str) -> None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(
                    "a string holds a lone UTF-16 surrogate escape (not valid Unicode)", path=path
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
