"""The schemas as a compiled model: ``$ref`` followed once, one recursion guard, one idempotency-token rule.

The wire codec, the generation compiler, the invalid-request walker, the OpenAPI export and the
validator all walk the same schemas. They walk :class:`Shape` nodes from here (only ``_compile``
follows a reference), so a reference is resolved one way, a recursive shape (``Configuration``
holds ``Configuration``) is bounded one way, and "the idempotency token is optional unless on the
wire" is said once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import registry
from .registry import Direction


def _resolve(node: Mapping[str, Any], resolver: Any) -> tuple[Mapping[str, Any], Any]:
    """Follow ``$ref`` to the schema itself: (the schema, the resolver its own references need)."""
    target: Any = node
    while "$ref" in target:
        found = resolver.lookup(target["$ref"])
        target, resolver = found.contents, found.resolver
    return target, resolver


class Nesting:
    """How often each shape is open on the current path: a recursive shape is entered ``limit`` times.

    Walkers key it by the :class:`Shape` object (``id(shape)``): a recursive shape is the same object
    at every level, so it counts the levels of recursion.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: list[int] = []

    def enter(self, key: int | None, *, anyway: bool = False) -> bool:
        """False when ``key`` is already open ``limit`` times (do not descend) unless ``anyway``; else it is opened."""
        if key is None:
            return True
        if self._open.count(key) >= self.limit and not anyway:
            return False
        self._open.append(key)
        return True

    def leave(self, key: int | None) -> None:
        if key is not None:
            self._open.remove(key)


def required_members(schema: Mapping[str, Any], *, wire: bool) -> set[str]:
    """An object's required members; at a request's top level the idempotency token only on the wire.

    Every AWS SDK and CLI fills in ``clientToken`` when it is missing (botocore ``idempotencyToken``),
    so a job spec as a person writes it may leave it out; the request that reaches the service has it.
    """
    required = set(schema.get("required", ()))
    if schema.get("x-direction") == "request" and not wire:
        required -= token_members(schema)
    return required


def conditional_members(schema: Mapping[str, Any]) -> set[str]:
    """Members required under a condition (``if``/``then``/``else``): a generator that always gives
    them satisfies the condition either way (EMR on EKS without a job template needs a role, a
    release and a driver; with one, giving them too is allowed)."""
    return {name for keyword in ("then", "else") for name in schema.get(keyword, {}).get("required", ())}


def token_members(schema: Mapping[str, Any]) -> set[str]:
    return {name for name, member in schema.get("properties", {}).items() if member.get("x-idempotency-token")}


@dataclass(eq=False)
class Shape:
    """One schema object with its references followed, and what is declared below it.

    The graph is compiled once per operation; a recursive shape points back at itself.
    """

    schema: Mapping[str, Any]
    type: str | None  # the JSON type; the first of several ("string" for timestamps given either way)
    properties: dict[str, Shape] = field(default_factory=dict)
    additional: Shape | bool = True  # map values' shape, or whether undeclared members are allowed
    items: Shape | None = None
    keys: Shape | None = None  # a map's key shape (``propertyNames``), if it declares one


@cache
def operation_shape(api: str, operation: str, direction: Direction) -> Shape:
    """The compiled model of one side of one operation."""
    document = registry.schema(api, operation, direction)
    return _compile(document, registry.referencing_registry(api).resolver(document["$id"]), {})


def _compile(node: Mapping[str, Any], resolver: Any, done: dict[int, tuple[Mapping[str, Any], Shape]]) -> Shape:
    schema, resolver = _resolve(node, resolver)
    if id(schema) in done:  # a recursive shape: its own compiled node
        return done[id(schema)][1]
    kind = schema.get("type")
    shape = Shape(schema, "string" if isinstance(kind, list) else kind)
    done[id(schema)] = (schema, shape)  # the schema is kept alive with its id
    shape.properties = {name: _compile(member, resolver, done) for name, member in schema.get("properties", {}).items()}
    rest = schema.get("additionalProperties", True)
    shape.additional = _compile(rest, resolver, done) if isinstance(rest, dict) else rest is not False
    if isinstance(schema.get("items"), dict):
        shape.items = _compile(schema["items"], resolver, done)
    if isinstance(schema.get("propertyNames"), dict):
        shape.keys = _compile(schema["propertyNames"], resolver, done)
    return shape
