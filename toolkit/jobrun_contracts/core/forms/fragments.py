"""A part of an operation input checked on its own (``--shape JobDriver``), where the API holds that shape.

The fragment is placed where the first operation (requests before responses) holds the named
shape, so it is checked with every rule that applies there, and only violations at or below it
are kept: the members around it that the fragment cannot give are not missing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from functools import cache
from typing import Any

from ...errors import UsageError
from .. import pointers, registry
from ..registry import Direction
from ..shapes import operation_shape
from ..suggest import did_you_mean
from . import asl
from .model import Reading
from .walk import shape_at


@cache
def names(api: str) -> tuple[str, ...]:
    """The named shapes of an API (``schemas/<api>/shapes.json``)."""
    document = dict(registry.resources(api)).get(_shapes_uri(api), {})
    return tuple(document.get("$defs", {}))


def _shapes_uri(api: str) -> str:
    request = registry.schema(api, registry.operations(api)[0].name, "request")
    return str(request["$id"]).rsplit("/", 1)[0] + "/shapes.json"


def locate(api: str, name: str, operation: str) -> tuple[str, Direction, list[Any]]:
    """Where an operation holds the shape: (operation, direction, path), ``operation``'s request first."""
    known = names(api)
    if name not in known:
        raise UsageError(f"{api} has no shape '{name}'{did_you_mean(name, known)} (see schemas/{api}/shapes.json)")
    defs = dict(registry.resources(api))[_shapes_uri(api)]["$defs"]
    ordered = sorted(registry.operations(api), key=lambda op: op.name != operation)
    for direction in ("request", "response"):
        for op in ordered:
            path = _path_to(registry.schema(api, op.name, direction), name, defs)
            if path is not None:
                return op.name, direction, path
    raise UsageError(f"no {api} operation holds the shape '{name}'")


def _path_to(document: Mapping[str, Any], name: str, defs: Mapping[str, Any]) -> list[Any] | None:
    queue: deque[tuple[Any, list[Any]]] = deque([(document, [])])
    seen: set[str] = set()
    while queue:
        node, path = queue.popleft()
        if not isinstance(node, Mapping):
            continue
        reference = node.get("$ref")
        if isinstance(reference, str):
            target = reference.rsplit("/", 1)[-1]
            if target == name:
                return path
            if target not in seen:
                seen.add(target)
                queue.append((defs.get(target), path))
            continue
        for member, schema in node.get("properties", {}).items():
            queue.append((schema, [*path, member]))
        if isinstance(node.get("items"), Mapping):
            queue.append((node["items"], [*path, 0]))
        if isinstance(node.get("additionalProperties"), Mapping):
            queue.append((node["additionalProperties"], [*path, "key"]))
    return None


def read(data: Any, name: str, api: str | None, operation: str, form: str) -> Reading:
    if api is None:
        holders = [a for a in registry.APIS if name in names(a)]
        if not holders:
            every = sorted({n for a in registry.APIS for n in names(a)})
            raise UsageError(f"no API has a shape '{name}'{did_you_mean(name, every)}")
        if len(holders) > 1:
            raise UsageError(f"--shape {name}: pass --api ({', '.join(holders)} all have it)")
        api = holders[0]
    found_operation, direction, path = locate(api, name, operation)
    where = pointers.join(path)
    reading = Reading(
        data=None,
        api=api,
        operation=found_operation,
        form="asl" if form == "asl" else "cli-input",
        decided=(
            f"the {name} shape of {api}, checked where the {found_operation} {direction} holds it "
            f"({pointers.display(path) or 'the whole ' + direction})"
        ),
        within=where,
        root_name=f"the {name}",
        direction=direction,
    )
    fragment = data
    if form == "asl":
        root = operation_shape(api, found_operation, direction)
        fragment = asl.Converter(reading, jsonata=False).convert(data, shape_at(root, path), path, [])
        reading.spell = asl.speller(root)
    reading.pointers[where] = ""
    for part in reversed(path):
        fragment = [fragment] if isinstance(part, int) else {str(part): fragment}
    reading.data = fragment
    return reading
