"""Walking a document and the compiled schema model side by side."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..shapes import Shape


def child(shape: Shape | None, part: Any) -> Shape | None:
    """The shape of ``part`` (a member, a map key or a list index) below ``shape``, None off the schema."""
    if shape is None:
        return None
    if shape.type == "array":
        return shape.items
    if str(part) in shape.properties:
        return shape.properties[str(part)]
    return shape.additional if isinstance(shape.additional, Shape) else None


def shape_at(shape: Shape | None, parts: list[Any]) -> Shape | None:
    for part in parts:
        shape = child(shape, part)
    return shape


def is_structure(shape: Shape | None) -> bool:
    """A structure has named members (which forms may respell); a map's keys are data and keep their case."""
    return shape is not None and shape.type == "object" and not isinstance(shape.additional, Shape)


def mappings(document: Any) -> Iterator[tuple[list[Any], Mapping[str, Any], list[Mapping[str, Any]]]]:
    """Every mapping in a document, in document order, with its path and the mappings above it."""
    stack: list[tuple[list[Any], Any, list[Mapping[str, Any]]]] = [([], document, [])]
    while stack:
        path, node, above = stack.pop()
        if isinstance(node, Mapping):
            yield path, node, above
            below = [*above, node]
            stack.extend(([*path, k], v, below) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(([*path, i], v, above) for i, v in reversed(list(enumerate(node))))
