"""Compile a schema into a Hypothesis strategy, once, following every constraint of the schema.

Nothing here is written per field: strings come from the pattern tree at an exact length,
objects from their required and optional members, unions pick one member, maps and lists
respect their sizes, and recursion (``Configuration``) stops at a depth bound. Limits are
drawn often (a length of exactly ``maxLength``, exactly 200 tags), since that is where
implementations break. Realistic values (``_realistic``) are offered first where a field has
them, and are still held to the field's schema.

A ``force`` path makes the compiled value contain a given location (an optional member, the
chosen union member, a first list item), which the invalid-value generator needs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from . import _formats, registry
from ._patterns import compile_pattern
from ._regex_strategy import Infeasible, draw_match, draw_text, lengths_within, match
from .registry import Direction

MAX_RECURSION = 2  # nested Configuration lists
ANY_KEY = "*"  # a force path part meaning "some entry of this map"
Path = tuple[str | int, ...]
Provider = Callable[[str], SearchStrategy[Any] | None]
_MISSING = object()
_SEEDS = st.integers(0, 2**64 - 1)

_SOFT_EXTRA = 24  # how far past its minimum a length usually goes
_BOUNDARY_CHEAP = 4096  # lengths up to here are drawn at their maximum often; longer, rarely


class SchemaCompiler:
    def __init__(
        self,
        api: str,
        direction: Direction,
        *,
        wire: bool,
        provider: Provider | None = None,
        usual: frozenset[str] = frozenset(),
        boundaries: bool = True,
    ) -> None:
        self.api, self.direction, self.wire = api, direction, wire
        self.usual = usual  # optional fields that real specs nearly always carry
        self.registry = registry.referencing_registry(api)
        self.provider = provider
        self._stack: list[str] = []
        self._calm = 0 if boundaries else 1  # >0: no limits drawn (inside a collection already at one)

    def root(self, operation: str, force: Path = ()) -> SearchStrategy[dict[str, Any]]:
        document = registry.schema(self.api, operation, self.direction)
        strategy = self.compile(document, self.registry.resolver(document["$id"]), None, force)
        if strategy is None:
            raise ValueError(f"{self.api} {operation}: nothing can be generated at {force}")
        return strategy

    def resolve(self, schema: dict[str, Any], resolver: Any) -> tuple[dict[str, Any], Any, str | None]:
        """Follow ``$ref`` chains; returns the target, its resolver and its URI."""
        uri = None
        while "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            uri = resolved.resolver._base_uri + "#" + schema["$ref"].partition("#")[2]
            schema, resolver = resolved.contents, resolved.resolver
        return schema, resolver, uri

    def compile(
        self, schema: dict[str, Any], resolver: Any, field: str | None, force: Path = ()
    ) -> SearchStrategy[Any] | None:
        target, resolver, uri = self.resolve(schema, resolver)
        if uri is not None:
            if self._stack.count(uri) >= MAX_RECURSION and not force:
                return None
            self._stack.append(uri)
        try:
            return self._compile(target, resolver, field, force)
        finally:
            if uri is not None:
                self._stack.pop()

    def _compile(
        self, schema: dict[str, Any], resolver: Any, field: str | None, force: Path
    ) -> SearchStrategy[Any] | None:
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [self._compile({**schema, "type": k}, resolver, field, force) for k in kind]
            return st.one_of([o for o in options if o is not None])
        if kind == "object":
            if "propertyNames" in schema or isinstance(schema.get("additionalProperties"), dict):
                return self._map(schema, resolver, field, force)
            return self._object(schema, resolver, force)
        if kind == "array":
            return self._array(schema, resolver, field, force)
        generic = self._scalar(schema, kind)
        realistic = self.provider(field) if self.provider and field else None
        if realistic is None or generic is None:
            return generic
        return _realistic_first(realistic, generic, _checker(schema))

    def calm(self, build: Callable[[], SearchStrategy[Any] | None]) -> SearchStrategy[Any] | None:
        """Compile without limit-seeking, for the items of a collection already at its limit."""
        self._calm += 1
        try:
            return build()
        finally:
            self._calm -= 1

    def _scalar(self, schema: dict[str, Any], kind: str | None) -> SearchStrategy[Any] | None:
        if kind == "string" and schema.get("format") in _formats.CHECKERS:
            name = schema["format"]
            return st.integers(0, 20 * 365 * 86400).map(lambda seconds: _formats.sample(name, seconds))
        if kind == "string":
            pattern, low, high = schema.get("pattern"), schema.get("minLength", 0), schema.get("maxLength")
            return strings(pattern, low, high, boundaries=not self._calm)
        if kind == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is None and high is None:
                return st.integers(-(2**31), 2**31 - 1)
            core = st.integers(low, high)
            edges = [st.just(v) for v in (low, high) if v is not None]
            return st.one_of(*edges, core, core)
        if kind == "number":
            return st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        return None

    def _object(self, schema: dict[str, Any], resolver: Any, force: Path) -> SearchStrategy[Any] | None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if schema.get("x-direction") == "request" and not self.wire:
            required -= {n for n, s in properties.items() if s.get("x-idempotency-token")}
        forced = force[0] if force else None
        if schema.get("x-union"):
            members = [forced] if forced is not None else list(properties)
            options = []
            for name in members:
                member = self.compile(properties[str(name)], resolver, str(name), force[1:])
                if member is not None:
                    options.append(st.fixed_dictionaries({str(name): member}))
            return st.one_of(options) if options else None
        must: dict[str, SearchStrategy[Any]] = {}
        may: dict[str, SearchStrategy[Any]] = {}
        for name, spec in properties.items():
            sub_force = force[1:] if name == forced else ()
            strategy = self.compile(spec, resolver, name, sub_force)
            if strategy is None:
                if name in required or name == forced:
                    return None
                continue
            if name in required or name == forced:
                must[name] = strategy
            elif name in self.usual:
                must[name] = st.one_of(strategy, strategy, strategy, st.just(_MISSING))
            else:
                may[name] = strategy
        built = st.fixed_dictionaries(must, optional=may)
        if any(name in self.usual for name in must):
            return built.map(lambda d: {k: v for k, v in d.items() if v is not _MISSING})
        return built

    def _map(self, schema: dict[str, Any], resolver: Any, field: str | None, force: Path) -> SearchStrategy[Any] | None:
        keys = self.compile(schema.get("propertyNames", {"type": "string"}), resolver, f"{field}.key")
        value_schema = schema.get("additionalProperties")
        values = self.compile(value_schema if isinstance(value_schema, dict) else {}, resolver, f"{field}.value")
        if keys is None or values is None:
            return None
        low = max(schema.get("minProperties", 0), 1 if force else 0)
        high = schema.get("maxProperties")
        usual = st.dictionaries(keys, values, min_size=low, max_size=min(high or low + 5, low + 5))
        if high is None or high <= low + 5 or self._calm:
            return usual
        key_schema, _, _ = self.resolve(schema.get("propertyNames", {"type": "string"}), resolver)
        calm_values = self.calm(
            lambda: self.compile(value_schema if isinstance(value_schema, dict) else {}, resolver, None)
        )
        assert calm_values is not None
        return st.one_of(*[usual] * 7, _full_map(key_schema, calm_values, high))

    def _array(
        self, schema: dict[str, Any], resolver: Any, field: str | None, force: Path
    ) -> SearchStrategy[Any] | None:
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        field = f"{field}[]"
        items = self.compile(schema.get("items", {}), resolver, field, ())
        if items is None:
            return st.just([]) if low == 0 and not force else None
        if force:
            first = self.compile(schema.get("items", {}), resolver, field, force[1:])
            if first is None:
                return None
            rest_high = None if high is None else high - 1
            rest = st.lists(items, min_size=max(low - 1, 0), max_size=min(low + 3, rest_high or low + 3))
            return st.builds(lambda head, tail: [head, *tail], first, rest)
        usual = st.lists(items, min_size=low, max_size=min(high if high is not None else low + 4, low + 4))
        if high is None or high <= low + 4 or self._calm:
            return usual
        calm_items = self.calm(lambda: self.compile(schema.get("items", {}), resolver, field, ()))
        return st.one_of(*[usual] * 7, _full_list(items if calm_items is None else calm_items, high))


def _realistic_first(
    realistic: SearchStrategy[Any], generic: SearchStrategy[Any], check: Callable[[Any], bool]
) -> SearchStrategy[Any]:
    """Mostly a realistic value, held to the schema; otherwise (or if it does not fit) a generic one."""

    @st.composite
    def draw_value(draw: Any) -> Any:
        if draw(st.integers(0, 3)) < 3:
            value = draw(realistic)
            if check(value):
                return value
        return draw(generic)

    return draw_value()


def _full_list(items: SearchStrategy[Any], size: int) -> SearchStrategy[list[Any]]:
    """A list at its size limit from a few drawn items (lists here allow repeats)."""
    return st.lists(items, min_size=1, max_size=min(size, 4)).map(lambda xs: (xs * (size // len(xs) + 1))[:size])


def _full_map(key_schema: dict[str, Any], values: SearchStrategy[Any], size: int) -> SearchStrategy[dict[str, Any]]:
    """A map at its size limit: a few drawn values, and distinct keys made from the key schema."""
    pattern = key_schema.get("pattern")
    lengths = lengths_within(pattern, key_schema.get("minLength", 0), key_schema.get("maxLength"))

    def build(seed: int, drawn: list[Any]) -> dict[str, Any]:
        rng = random.Random(seed)
        keys: dict[str, Any] = {}
        attempts = 0
        while len(keys) < size and attempts < size * 20:
            attempts += 1
            low, high = rng.choice(lengths)
            length = rng.randint(low, min(high, low + 24))
            key = "".join(rng.choices(_ALNUM, k=length))  # most key patterns take these: try them first
            if pattern is not None and not compile_pattern(pattern).matches(key):
                try:
                    key = match(rng, pattern, length)
                except Infeasible:
                    continue
            keys.setdefault(key, drawn[len(keys) % len(drawn)])
        return keys

    return st.builds(build, _SEEDS, st.lists(values, min_size=1, max_size=4)).filter(lambda d: len(d) == size)


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def strings(
    pattern: str | None, low: int = 0, high: int | None = None, *, boundaries: bool = True
) -> SearchStrategy[str] | None:
    """Strings that satisfy a pattern (in full) and a length range, biased to the limits."""
    lengths = lengths_within(pattern, low, high)
    if not lengths:
        return None
    first, last = lengths[0][0], lengths[-1][1]

    @st.composite
    def draw_string(draw: Any) -> str:
        pick = draw(st.integers(0, 99)) if boundaries else 99
        if pick < 10:
            size = first
        elif pick < 20 and (last <= _BOUNDARY_CHEAP or pick == 10) and high is not None:
            size = last
        else:
            low_end, high_end = lengths[0] if len(lengths) == 1 else draw(st.sampled_from(lengths))
            size = draw(st.integers(low_end, min(high_end, low_end + _SOFT_EXTRA)))
        return draw_match(draw, pattern, size) if pattern is not None else draw_text(draw, size)

    return draw_string()


def _checker(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """The schema's own checks for a realistic scalar value (type, length, pattern, range)."""
    pattern = compile_pattern(schema["pattern"]) if "pattern" in schema else None
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    minimum, maximum = schema.get("minimum"), schema.get("maximum")

    def check(value: Any) -> bool:
        if isinstance(value, str):
            if len(value) < low or (high is not None and len(value) > high):
                return False
            return pattern is None or pattern.matches(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
        return True

    return check
