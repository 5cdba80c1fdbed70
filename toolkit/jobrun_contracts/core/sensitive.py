"""Sensitive values, found by the schemas: what botocore marks ``sensitive`` (``x-sensitive``) is never shown.

Every output the toolkit writes (validate reports, service-style error messages, conformance
evidence, pytest failure reports) passes what it shows of an instance through here:

- :func:`redact` returns an instance with every value under an ``x-sensitive`` schema replaced by
  :data:`MARKER`. The walk follows ``$ref`` (a ``$ref`` with ``x-sensitive`` beside it counts
  too), ``properties``, ``additionalProperties`` (map values), ``items`` and the union
  (``JobDriver``, whose members are ordinary ``properties``); ``allOf``/``anyOf``/``oneOf``
  branches are merged into one view, the first branch declaring a member giving its schema.
  Under a sensitive schema the structure stays and the values go: a map keeps its keys (they
  name settings such as ``spark.hadoop.fs.s3a.secret.key``; violation pointers name them too),
  a list keeps its length, every scalar becomes the marker.
- :func:`sensitive_values` lists the values :func:`redact` would hide, for scrubbing free text
  (an error message a target sends, a reason quoting a response) where no structure is left.
- :func:`place_of` tells where a :class:`~.validation.Violation` sits: which operation's schema,
  whether a sensitive schema is on its way, whether it names a map value (AWS reports those at
  the map's path); :func:`safe_violation` returns the violation as it may be shown.

The schemas are compiled once per API into a graph of :class:`Node` (a recursive shape points back
at itself), each knowing whether anything sensitive lies at or below it; a walk descends only
where something does and shares the rest of the instance, so redacting a response costs little
more than looking at the members that lead to a sensitive one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import JobrunContractsError
from . import pointers, registry
from .registry import Direction

if TYPE_CHECKING:
    from .validation import Violation

#: What a sensitive value is shown as.
MARKER = "<sensitive: hidden>"
_HIDDEN_NOTE = "(value hidden: the service marks this field sensitive)"
_ID_PREFIX = "https://jobrun-contracts.invalid/schemas/"
_BRANCHES = ("allOf", "anyOf", "oneOf", "then", "else")  # where members may be declared besides the schema itself
_SHORTEST_SCRUBBED = 4  # free text is not scrubbed of shorter values: "10" would go from "has 101 entries"


@dataclass(eq=False, repr=False)
class Node:
    """One schema position with its references followed: what the walks need of it."""

    schema: Mapping[str, Any]  # the schema itself (the end of its $ref chain)
    chain: tuple[Mapping[str, Any], ...]  # every schema object standing for this position: the $ref chain, branches
    hidden: bool  # an x-sensitive schema: the value here is never shown
    properties: dict[str, Node] = field(default_factory=dict)
    additional: Node | None = None  # a map's values (additionalProperties as a schema)
    items: Node | None = None
    keys: Node | None = None  # a map's keys (propertyNames)
    holds: bool = False  # something sensitive lies here or below

    def __repr__(self) -> str:
        return f"Node(hidden={self.hidden}, holds={self.holds}, members={list(self.properties)})"

    def child(self, key: str | int) -> tuple[Node | None, bool]:
        """The node of a member, list item or map value, and whether it is a map value."""
        if isinstance(key, int) and self.items is not None:
            return self.items, False
        name = str(key)
        if name in self.properties:
            return self.properties[name], False
        if self.additional is not None:
            return self.additional, True
        return None, False


# -- compiling the schemas ----------------------------------------------------------------------


class _Compiler:
    """One API's schemas as nodes; a schema object is compiled once, whichever operation reaches it."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.registry = registry.referencing_registry(api)
        self.nodes: dict[int, Node] = {}

    def root(self, operation: str, direction: Direction) -> Node:
        document = registry.schema(self.api, operation, direction)
        node = self.compile(document, self.registry.resolver(document["$id"]))
        self._settle()
        return node

    def compile(self, schema: Mapping[str, Any], resolver: Any) -> Node:
        known = self.nodes.get(id(schema))
        if known is not None:
            return known
        facets = self._facets(schema, resolver)
        chain = tuple(f for f, _ in facets)
        node = Node(facets[0][0], chain, any(f.get("x-sensitive") for f in chain))
        self.nodes[id(schema)] = node  # before the members: a recursive shape finds itself
        for facet, facet_resolver in facets:
            for name, member in facet.get("properties", {}).items():
                if name not in node.properties and isinstance(member, Mapping):
                    node.properties[name] = self.compile(member, facet_resolver)
            rest = facet.get("additionalProperties")
            if node.additional is None and isinstance(rest, Mapping):
                node.additional = self.compile(rest, facet_resolver)
            items = facet.get("items")
            if node.items is None and isinstance(items, Mapping):
                node.items = self.compile(items, facet_resolver)
            keys = facet.get("propertyNames")
            if node.keys is None and isinstance(keys, Mapping):
                node.keys = self.compile(keys, facet_resolver)
        return node

    def _facets(self, schema: Mapping[str, Any], resolver: Any) -> list[tuple[Mapping[str, Any], Any]]:
        """The schema, the end of its $ref chain first, then its branches' (each with its own resolver)."""
        refs: list[Mapping[str, Any]] = []
        target, target_resolver = schema, resolver
        while isinstance(target.get("$ref"), str) and len(refs) < 64:
            refs.append(target)
            found = target_resolver.lookup(target["$ref"])
            target, target_resolver = found.contents, found.resolver
        facets = [(target, target_resolver), *((r, resolver) for r in refs)]
        for keyword in _BRANCHES:
            branches = target.get(keyword, ())
            for branch in [branches] if isinstance(branches, Mapping) else branches:
                if isinstance(branch, Mapping) and len(facets) < 64:
                    facets += self._facets(branch, target_resolver)
        return facets

    def _settle(self) -> None:
        """``holds`` for every node: repeated until nothing changes (recursive shapes form cycles)."""
        changed = True
        while changed:
            changed = False
            for node in self.nodes.values():
                if node.holds:
                    continue
                children = [*node.properties.values(), node.additional, node.items]
                if node.hidden or any(c is not None and c.holds for c in children):
                    node.holds = changed = True


@cache
def _compiler(api: str) -> _Compiler:
    return _Compiler(api)


_COMPILING = threading.Lock()  # a node is filled in after it is registered: no walk may see it half done


@cache
def root(api: str, operation: str, direction: Direction = "request") -> Node:
    """The compiled sensitivity graph of one side of one operation."""
    registry.operation(api, operation)
    with _COMPILING:
        return _compiler(api).root(operation, direction)


# -- instances ------------------------------------------------------------------------------------


def redact(instance: Any, api: str, operation: str, direction: Direction = "request") -> Any:
    """``instance`` with every value under an ``x-sensitive`` schema replaced by :data:`MARKER`.

    Containers on the way to a sensitive value are new; everything else is shared with
    ``instance`` (which is not changed), and an instance without sensitive values is returned as it is.
    """
    return redact_node(root(api, operation, direction), instance)


def redact_node(node: Node | None, value: Any) -> Any:
    """``value``, found at ``node``, with its sensitive values replaced (see :func:`redact`)."""
    if node is None or not node.holds:
        return value
    try:
        return _redact(node, value)
    except RecursionError:  # nested past what a walk can follow: show nothing of it
        return MARKER


def _redact(node: Node, value: Any) -> Any:
    if node.hidden:
        return _mask(value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        changed = False
        for key, member in value.items():
            child, _ = node.child(key)
            shown = member if child is None or not child.holds else _redact(child, member)
            changed = changed or shown is not member
            out[key] = shown
        return out if changed else value
    if isinstance(value, list) and node.items is not None and node.items.holds:
        items = [_redact(node.items, item) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def _mask(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _mask(member) for key, member in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(item) for item in value]
    return MARKER


def sensitive_values(instance: Any, api: str, operation: str, direction: Direction = "request") -> list[str]:
    """Every value :func:`redact` hides (strings as they are, numbers as JSON writes them), once each."""
    return node_values(root(api, operation, direction), instance)


def node_values(node: Node | None, value: Any) -> list[str]:
    """The sensitive values in ``value``, found at ``node``."""
    found: dict[str, None] = {}
    pending: list[tuple[Node | None, Any, bool]] = [(node, value, False)]
    while pending:
        at, current, hidden = pending.pop()
        if at is None and not hidden:
            continue
        hidden = hidden or (at is not None and at.hidden)
        if not hidden and (at is None or not at.holds):
            continue
        if isinstance(current, Mapping):
            for key, member in current.items():
                pending.append((at.child(key)[0] if at is not None else None, member, hidden))
        elif isinstance(current, (list, tuple)):
            pending += [(at.items if at is not None else None, item, hidden) for item in current]
        elif hidden and current is not None and not isinstance(current, bool):
            found[current if isinstance(current, str) else json.dumps(current)] = None
    return list(found)


# -- violations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a pointer leads in one operation's schema."""

    api: str
    operation: str
    direction: Direction
    node: Node | None = field(repr=False)  # the schema at the pointer; None when the pointer leaves the schemas
    sensitive: bool  # a sensitive schema is at the pointer or on the way to it
    map_pointer: str | None = None  # the pointer names a value of a map: the map's pointer

    @property
    def complete(self) -> bool:
        return self.node is not None


def at(api: str, operation: str, direction: Direction, pointer: str) -> Place:
    """Where ``pointer`` leads in the schema of one side of one operation."""
    start = root(api, operation, direction)
    node: Node | None = start
    sensitive = start.hidden
    parts = pointers.split(pointer)
    map_pointer = None
    for index, part in enumerate(parts):
        if node is None:
            break
        node, via_map = node.child(part)
        sensitive = sensitive or (node is not None and node.hidden)
        if via_map and index == len(parts) - 1:
            map_pointer = pointers.join(parts[:-1])
    return Place(api, operation, direction, node, sensitive, map_pointer)


def place_of(violation: Violation) -> Place | None:
    """Where a violation sits, told by its schema location and its pointer; None for one of no known API.

    A violation found in a shared shape (``shapes.json``) does not say its operation: the one
    whose schema leads along the pointer to the shape holding the failing keyword is chosen, else
    the first the pointer leads through at all.
    """
    uri, _, fragment = violation.schema_path.partition("#")
    if not uri.startswith(_ID_PREFIX):
        return None
    api, _, file = uri[len(_ID_PREFIX) :].partition("/")
    if api not in registry.APIS:
        return None
    return _place(api, file, fragment, violation.pointer)


@lru_cache(maxsize=4096)  # bounded: map keys in pointers are whatever a client sent
def _place(api: str, file: str, fragment: str, pointer: str) -> Place | None:
    name, _, direction = file.removesuffix(".json").partition(".")
    if direction in ("request", "response"):
        sides: list[tuple[str, Direction]] = [(name, "request" if direction == "request" else "response")]
    else:
        operations = [op.name for op in registry.operations(api)]
        sides = [(op, "request") for op in operations] + [(op, "response") for op in operations]
    holder = _keyword_holder(api, file, fragment)
    fallback = None
    for operation, side in sides:
        try:
            place = at(api, operation, side, pointer)
        except JobrunContractsError:  # an operation the catalogue no longer has: not this one
            continue
        if place.node is not None and holder is not None and any(s is holder for s in place.node.chain):
            return place
        if fallback is None or (not fallback.complete and place.complete):
            fallback = place
    return fallback


def _keyword_holder(api: str, file: str, fragment: str) -> Mapping[str, Any] | None:
    """The schema object holding the keyword at ``fragment`` (e.g. ``/$defs/X/maxLength`` -> X)."""
    node: Any = dict(registry.resources(api)).get(_ID_PREFIX + api + "/" + file)
    for part in [pointers.unescape(p) for p in fragment.split("/")[1:]][:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node if isinstance(node, Mapping) else None


def safe_violation(
    violation: Violation,
    api: str | None = None,
    operation: str | None = None,
    direction: Direction | None = None,
    *,
    place: Place | None = None,
) -> Violation:
    """The violation as it may be shown: ``sensitive`` set wherever a sensitive schema is on its way,
    no sensitive value in its message, and its ``instance`` redacted.

    With ``api`` and ``operation`` (a report knows them) the violation is placed in that schema;
    without, it is placed by :func:`place_of` (or given as ``place``). A message that still shows
    the start of a hidden value after the values are replaced is said again without it.
    """
    if place is None and api is not None and operation is not None:
        try:
            place = at(api, operation, direction or "request", violation.pointer)
        except JobrunContractsError:  # an unknown API or operation: the schema location still says where
            place = None
    if place is None:
        place = place_of(violation)
    sensitive = violation.sensitive or (place is not None and place.sensitive)
    value = violation.instance
    if sensitive:
        hidden = _all_values(value)
        shown = _mask(value) if isinstance(value, (Mapping, list)) else (MARKER if value is not None else None)
    elif place is not None and place.node is not None and place.node.holds:
        hidden = node_values(place.node, value)
        shown = redact_node(place.node, value)
    else:
        return violation
    message = scrub_message(violation.message, hidden, value if sensitive else None)
    if message == MARKER:  # the value still shows: say what broke without it
        where = pointers.display(pointers.split(violation.pointer)) or "the document"
        message = f"{where} breaks its {violation.keyword} constraint {_HIDDEN_NOTE}"
    return replace(violation, sensitive=sensitive, message=message, instance=shown)


def _all_values(value: Any) -> list[str]:
    found: dict[str, None] = {}
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            pending += current.values()
        elif isinstance(current, (list, tuple)):
            pending += current
        elif current is not None and not isinstance(current, bool):
            found[current if isinstance(current, str) else json.dumps(current)] = None
    return list(found)


def scrub_message(message: str, values: Iterable[str], value: Any = None) -> str:
    """``message`` with every hidden value (as it is, or as JSON quotes it) replaced by :data:`MARKER`.

    ``value``: the violation's own value when it is sensitive; its quoted form is replaced
    whatever its length. Returns exactly :data:`MARKER` when the start of a hidden value still
    shows (a quote cut short, an escape we do not know): the caller words the message anew.
    """
    forms: set[str] = set()
    starts: set[str] = set()
    for text in values:
        if not text:
            continue
        quoted = [json.dumps(text, ensure_ascii=False), json.dumps(text)]
        forms.update(quoted)
        if len(text) >= _SHORTEST_SCRUBBED:
            forms.update({text, *(q[1:-1] for q in quoted)})
            starts.update(q[1:9] for q in quoted if len(q) >= 10)
    if isinstance(value, str):
        forms.add(json.dumps(value, ensure_ascii=False))
    for form in sorted(forms, key=len, reverse=True):
        if form in message:
            message = message.replace(form, MARKER)
    if any(start in message for start in starts):
        return MARKER
    return message
