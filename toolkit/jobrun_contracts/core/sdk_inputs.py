"""What the SDKs take from a person's code that JSON Schema does not say on its own.

boto3 takes ``datetime`` values for timestamp members (botocore's serializer writes them as
ISO 8601), so a job spec built in Python may hold them; and botocore refuses a float for an
integer member even when it is integral (``Invalid type for parameter executionTimeoutMinutes,
value: 60.0, type: <class 'float'>, valid types: <class 'int'>``), where JSON Schema's
``integer`` accepts ``60.0``. Both are found by walking only the members that can hold them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

from .registry import Direction
from .shapes import Shape, operation_shape

_EACH = object()  # a path step into every item of a list or every value of a map


@dataclass(frozen=True)
class Members:
    """The paths (from the operation's root) of its timestamp and its integer members."""

    timestamps: tuple[tuple[Any, ...], ...]
    integers: tuple[tuple[Any, ...], ...]


@cache
def members(api: str, operation: str, direction: Direction) -> Members:
    timestamps: list[tuple[Any, ...]] = []
    integers: list[tuple[Any, ...]] = []
    _collect(operation_shape(api, operation, direction), (), timestamps, integers, set())
    return Members(tuple(timestamps), tuple(integers))


def _collect(
    shape: Shape, path: tuple[Any, ...], timestamps: list[Any], integers: list[Any], open_shapes: set[int]
) -> None:
    if id(shape) in open_shapes:  # a recursive shape (Configuration holds Configuration)
        return
    if shape.schema.get("x-timestamp"):
        timestamps.append(path)
    if shape.type == "integer" or shape.schema.get("type") == "integer":
        integers.append(path)
    open_shapes.add(id(shape))
    for name, member in shape.properties.items():
        _collect(member, (*path, name), timestamps, integers, open_shapes)
    if isinstance(shape.additional, Shape):
        _collect(shape.additional, (*path, _EACH), timestamps, integers, open_shapes)
    if shape.items is not None:
        _collect(shape.items, (*path, _EACH), timestamps, integers, open_shapes)
    open_shapes.discard(id(shape))


def with_datetimes_as_text(instance: Any, paths: tuple[tuple[Any, ...], ...]) -> Any:
    """A copy in which each ``datetime`` at a timestamp member is ISO 8601 text, as botocore sends it
    (a naive one is UTC, as botocore reads it); None when there is none. A ``date`` is left as it is:
    botocore refuses it ("valid types: datetime.datetime, timestamp-string")."""
    changed = False

    def convert(node: Any, path: tuple[Any, ...]) -> Any:
        nonlocal changed
        if not path:
            if isinstance(node, datetime):
                text = _iso(node)
                if text is not None:
                    changed = True
                    return text
            return node
        step, rest = path[0], path[1:]
        if step is _EACH:
            if isinstance(node, list):
                return [convert(item, rest) for item in node]
            if isinstance(node, Mapping):
                return {key: convert(value, rest) for key, value in node.items()}
            return node
        if isinstance(node, Mapping) and step in node:
            return {**node, step: convert(node[step], rest)}
        return node

    result = instance
    for path in paths:
        result = convert(result, path)
    return result if changed else None


def floats_at_integers(instance: Any, paths: tuple[tuple[Any, ...], ...]) -> Iterator[tuple[list[Any], float]]:
    """Each integral float where an integer member is (``60.0``): botocore refuses it, and JSON
    Schema's ``integer`` does not (a fractional one already fails ``integer``)."""
    for path in paths:
        yield from _floats(instance, path, [])


def _floats(node: Any, path: tuple[Any, ...], where: list[Any]) -> Iterator[tuple[list[Any], float]]:
    if not path:
        if isinstance(node, float) and node.is_integer():  # a fraction already fails "integer"
            yield where, node
        return
    step, rest = path[0], path[1:]
    if step is _EACH:
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _floats(item, rest, [*where, index])
        elif isinstance(node, Mapping):
            for key, value in node.items():
                yield from _floats(value, rest, [*where, key])
    elif isinstance(node, Mapping) and step in node:
        yield from _floats(node[step], rest, [*where, step])


def _iso(moment: datetime) -> str | None:
    """ISO 8601 in UTC; None for a moment that has none (year 1 with a positive offset)."""
    try:
        aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except OverflowError:
        return None
    return aware.strftime("%Y-%m-%dT%H:%M:%S") + (f".{aware.microsecond:06d}" if aware.microsecond else "") + "Z"
