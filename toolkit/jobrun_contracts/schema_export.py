"""One operation's schema as a single self-contained file whose plain JSON Schema meaning is ours.

Editors, check-jsonschema and ajv read the shipped schemas differently from our validator: they
follow ``shapes.json`` by relative ``$ref``, read patterns as unanchored searches with their own
classes, and see ``clientToken`` as required. This writes what they can use as it is:

- every ``$ref`` points into the document's own ``$defs`` (only the shapes the operation reaches);
- patterns are anchored and spelled so that ECMA-262 (``u`` flag) and Python ``re`` read them as
  the services do: whole value, ASCII classes, and ``$`` written as ``(?![\\s\\S])`` (Python's ``$``
  also matches before a final line break); the service's own pattern stays in ``x-service-pattern``;
- the idempotency token is optional unless ``wire`` (the SDKs and CLIs fill it in);
- ``dialect="draft-07"`` writes ``definitions`` for tools that need that draft;
- the ``x-`` annotations are kept (ajv: ``strict: false``, or declare them as keywords).

``format: iso8601-timestamp`` is ours: other tools treat it as an annotation unless told.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from .core import registry, service_rules
from .core.patterns import portable
from .core.registry import Direction
from .core.shapes import required_members
from .errors import UsageError

Dialect = Literal["2020-12", "draft-07"]
DIALECTS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "draft-07": "http://json-schema.org/draft-07/schema#",
}
_SCHEMA_MAPS = ("properties", "$defs", "definitions")


def single_file_schema(
    api: str, operation: str, direction: Direction = "request", *, wire: bool = False, dialect: str = "2020-12"
) -> dict[str, Any]:
    """The self-contained schema of one side of one operation."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r}: choose from {', '.join(DIALECTS)}")
    registry.operation(api, operation)
    root = copy.deepcopy(registry.schema(api, operation, direction))
    shapes = service_rules.document(api, "shapes.json")["$defs"]
    if direction == "request" and "required" in root:
        kept = required_members(root, wire=wire)
        root["required"] = [name for name in root["required"] if name in kept]
    defs_key = "$defs" if dialect == "2020-12" else "definitions"
    reached: dict[str, Any] = {}
    pending = _rewrite(root, defs_key)
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        if name not in shapes:
            raise UsageError(f"{api}: shape {name} is referenced but not defined")
        reached[name] = copy.deepcopy(shapes[name])
        pending |= _rewrite(reached[name], defs_key)
    root["$schema"] = DIALECTS[dialect]
    root["$id"] = root["$id"].replace(".json", ".bundled.json")
    if wire:
        root["x-wire"] = True
    root[defs_key] = dict(sorted(reached.items()))
    return root


def _rewrite(node: Any, defs_key: str) -> set[str]:
    """Point references into the document itself and make patterns portable; the shapes referenced."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _rewrite(item, defs_key)
        return found
    if not isinstance(node, dict):
        return found
    for key, value in list(node.items()):
        if key.startswith("x-"):
            continue
        if key == "$ref" and isinstance(value, str):
            name = value.rsplit("/", 1)[-1]
            node[key] = f"#/{defs_key}/{name}"
            found.add(name)
        elif key == "pattern" and isinstance(value, str):
            node[key], node["x-service-pattern"] = whole_value(portable(value)), value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            for child in value.values():
                found |= _rewrite(child, defs_key)
        elif key not in ("enum", "required", "const"):
            found |= _rewrite(value, defs_key)
    return found


def whole_value(pattern: str) -> str:
    """``$`` (outside classes and escapes) as ``(?![\\s\\S])``: the end of the value in every dialect."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char == "$":
            out.append(r"(?![\s\S])")
        else:
            out.append(char)
    return "".join(out)


def catalog_entries() -> list[dict[str, Any]]:
    """SchemaStore-style catalog entries: which file names each exported schema is for."""
    suffix = {"aws-emr-serverless": "emr-serverless", "aws-emr-containers": "emr-containers"}
    entries = []
    for api in registry.APIS:
        stem = suffix.get(api, "emr-spark")
        entries.append(
            {
                "name": f"{api} StartJobRun request",
                "description": f"A StartJobRun job spec for {api} (checked by jobrun-contracts)",
                "fileMatch": [f"*.{stem}.json", f"*.{stem}.yaml", f"*.{stem}.yml"],
                "url": f"{api}.StartJobRun.request.json",
            }
        )
    return entries
