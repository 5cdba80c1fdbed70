"""Compile a schema into a Hypothesis strategy, once, following every constraint of the schema.

Nothing here is written per field: strings come from the pattern tree at an exact length,
objects from their required and optional members, unions pick one member, maps and lists
respect their sizes, and recursion (``Configuration``) stops at a depth bound. Limits are
drawn often (a length of exactly ``maxLength``, exactly 200 tags), since that is where
implementations break. Realistic values (``realistic``) are offered first where a field has
them, and are still held to the field's schema.

It walks the compiled schema model (:func:`core.shapes.operation_shape`), not the raw schemas:
references are followed there once, and a recursive shape is one object at every level, which
is what the depth bound counts. Keywords are read from each shape's ``schema``.

A schema compiles to a plan (a tree of small nodes) that builds a value from a
:class:`Source` of decisions: a seeded generator. A document is one Hypothesis choice, a byte
string with a seed for each member of the top-level object, which also says whether an optional
member is there. Hypothesis spends tens of microseconds on every choice it records, so the ~60
choices per example of strategies composed field by field held them to ~150 examples/s; a
document now costs one, however many kilobytes it weighs. The same seed gives the same value,
and shrinking still works member by member: zeroed bytes drop an optional member, or build a
required one through :class:`Simplest` (no optional parts, shortest lengths, smallest sizes,
first options).

A ``force`` path makes the compiled value contain a given location (an optional member, the
chosen union member, a first list item), which the invalid-value generator needs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..core import formats
from ..core.patterns import compile_pattern
from ..core.registry import Direction
from ..core.shapes import Nesting, Shape, conditional_members, operation_shape, required_members
from .regex import Infeasible, common_alphabet, lengths_within, match, text

MAX_RECURSION = 2  # nested Configuration lists
ANY_KEY = "*"  # a force path part meaning "some entry of this map"
Path = tuple[str | int, ...]
_T = TypeVar("_T")
_SEEDS = st.integers(0, 2**64 - 1)
_SEED_BYTES = 4

_SOFT_EXTRA = 24  # how far past its minimum a length usually goes
_BOUNDARY_CHEAP = 4096  # lengths up to here are drawn at their maximum often; longer, rarely
_MAP_EXTRA = 5  # a map usually holds up to this many entries past its minimum
_LIST_EXTRA = 4
_FULL_ODDS = 8  # one collection in this many is drawn at its size limit
_USUAL_ODDS = 8  # a usual member is left out once in this many
_OPTIONAL_ODDS = 2
_ANY_STRING = Shape({"type": "string"}, "string")  # the keys of a map that declares no propertyNames


class Source:
    """The decisions a plan takes while building one value, from a seeded generator; ``random``
    is the generator itself, for drawing characters in bulk. Seed 0 gives a :class:`Simplest`."""

    __slots__ = ("_random", "random")

    def __new__(cls, seed: int) -> Source:
        return super().__new__(Simplest if seed == 0 and cls is Source else cls)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self._random = self.random.random

    def integer(self, low: int, high: int) -> int:
        if low >= high:
            return low
        span = high - low + 1
        return low + int(self._random() * span) if span < 1 << 50 else self.random.randint(low, high)

    def pick(self, options: Sequence[_T]) -> _T:
        return options[self.integer(0, len(options) - 1)]

    def odds(self, one_in: int) -> bool:
        """True once in ``one_in`` times."""
        return self._random() * one_in < 1

    def left_out(self, one_in: int) -> bool:
        """Whether an optional part is left out: once in ``one_in`` times."""
        return self._random() * one_in < 1


class Simplest(Source):
    """Always the simplest option: the low end of a range, the first of several, nothing optional,
    no limit sought (characters still come from a generator, seeded 0)."""

    __slots__ = ()

    def integer(self, low: int, high: int) -> int:
        return low

    def odds(self, one_in: int) -> bool:
        return False

    def left_out(self, one_in: int) -> bool:
        return True


Builder = Callable[[Source], Any]
Realistic = Builder | Sequence[Any]  # a value builder, or the values to pick from
Provider = Callable[[str], Realistic | None]


class Node:
    """A compiled schema: builds a valid value from a source of decisions."""

    def build(self, src: Source) -> Any:
        raise NotImplementedError


class _Enum(Node):
    def __init__(self, options: list[Any]) -> None:
        self.options = options

    def build(self, src: Source) -> Any:
        return src.pick(self.options)


class _AnyOf(Node):
    def __init__(self, options: list[Node]) -> None:
        self.options = options

    def build(self, src: Source) -> Any:
        return src.pick(self.options).build(src)


class _EmptyList(Node):
    def build(self, src: Source) -> Any:
        return []


class _Boolean(Node):
    def build(self, src: Source) -> Any:
        return src.integer(0, 1) == 1


class _Format(Node):
    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, src: Source) -> Any:
        return formats.sample(self.name, src.integer(0, 20 * 365 * 86400))


class _Integer(Node):
    """Within the bounds; exactly at one of them often, small values often."""

    def __init__(self, low: int | None, high: int | None) -> None:
        self.edges = [v for v in (low, high) if v is not None]
        self.low = low if low is not None else min(-(2**31), high if high is not None else 0)
        self.high = high if high is not None else max(2**31 - 1, self.low)

    def build(self, src: Source) -> Any:
        pick = src.integer(0, len(self.edges) + 1)
        if pick < len(self.edges):
            return self.edges[pick]
        if pick == len(self.edges):
            return src.integer(self.low, min(self.high, self.low + 255))
        return src.integer(self.low, self.high)


class _Number(Node):
    def __init__(self, low: float | None, high: float | None) -> None:
        self.low = -1e9 if low is None else float(low)
        self.high = 1e9 if high is None else float(high)

    def build(self, src: Source) -> Any:
        pick = src.integer(0, 2)
        if pick == 0:
            return min(max(0.0, self.low), self.high)
        if pick == 1:
            return float(src.integer(int(self.low), int(self.high)))
        return src.random.uniform(self.low, self.high)


class _String(Node):
    """A string of the pattern (in full) and length range, at a length limit often."""

    def __init__(self, pattern: str | None, lengths: Sequence[tuple[int, int]], bounded: bool, boundaries: bool):
        self.pattern = pattern
        self.lengths = tuple((low, min(high, low + _SOFT_EXTRA)) for low, high in lengths)  # usual lengths
        self.first, self.last = lengths[0][0], lengths[-1][1]
        self.bounded, self.boundaries = bounded, boundaries

    def build(self, src: Source) -> Any:
        pick = src.integer(0, 99) if self.boundaries else 99
        if pick < 10:
            size = self.first
        elif pick < 20 and (self.last <= _BOUNDARY_CHEAP or pick == 10) and self.bounded:
            size = self.last
        else:
            low, high = self.lengths[0] if len(self.lengths) == 1 else src.pick(self.lengths)
            size = src.integer(low, high)
        if self.pattern is None:
            return text(src.random, size)
        return match(src.random, self.pattern, size)


class _RealisticPick(Node):
    """Mostly one of the realistic values that fit the schema; otherwise a generic one."""

    def __init__(self, options: list[Any], generic: Node) -> None:
        self.options, self.generic = options, generic

    def build(self, src: Source) -> Any:
        if src.integer(0, 3) < 3:
            return src.pick(self.options)
        return self.generic.build(src)


class _Realistic(Node):
    """Mostly a realistic value, held to the schema; otherwise (or if it does not fit) a generic one."""

    def __init__(self, realistic: Builder, generic: Node, check: Callable[[Any], bool]) -> None:
        self.realistic, self.generic, self.check = realistic, generic, check

    def build(self, src: Source) -> Any:
        if src.integer(0, 3) < 3:
            value = self.realistic(src)
            if self.check(value):
                return value
        return self.generic.build(src)


class _Object(Node):
    """Members in schema order; ``odds`` 0 means always there, n means left out once in n."""

    def __init__(self, members: list[tuple[str, Node, int]]) -> None:
        self.members = members

    def build(self, src: Source) -> Any:
        return {name: node.build(src) for name, node, odds in self.members if not odds or not src.left_out(odds)}

    def from_bytes(self, data: bytes) -> dict[str, Any]:
        """The top level, from ``_SEED_BYTES`` bytes per member, read as a number. For an optional
        member a multiple of its odds (0 included) leaves it out, and otherwise the number divided
        by the odds is the seed of its value; a seed of 0 builds the simplest value."""
        built: dict[str, Any] = {}
        for index, (name, node, odds) in enumerate(self.members):
            seed = int.from_bytes(data[index * _SEED_BYTES : (index + 1) * _SEED_BYTES], "little")
            if odds:
                if seed % odds == 0:
                    continue
                seed //= odds
            built[name] = node.build(Source(seed))
        return built


class _Union(Node):
    def __init__(self, members: list[tuple[str, Node]]) -> None:
        self.members = members

    def build(self, src: Source) -> Any:
        name, node = src.pick(self.members)
        return {name: node.build(src)}


class _List(Node):
    def __init__(self, items: Node, low: int, high: int, first: Node | None = None) -> None:
        self.items, self.low, self.high, self.first = items, low, high, first
        self.full: tuple[Node, int] | None = None  # (items at no limit, size limit)

    def build(self, src: Source) -> Any:
        if self.full is not None and src.odds(_FULL_ODDS):
            return _full_list(src, *self.full)
        built = [self.items.build(src) for _ in range(src.integer(self.low, self.high))]
        return built if self.first is None else [self.first.build(src), *built]


class _Map(Node):
    def __init__(self, keys: Node, values: Node, low: int, high: int) -> None:
        self.keys, self.values, self.low, self.high = keys, values, low, high
        self.full: tuple[Mapping[str, Any], Node, int] | None = None  # (key schema, values at no limit, size limit)

    def build(self, src: Source) -> Any:
        if self.full is not None and src.odds(_FULL_ODDS):
            full = _full_map(src, *self.full)
            if full is not None:
                return full
        size = src.integer(self.low, self.high)
        built: dict[str, Any] = {}
        for _ in range(size * 10):
            if len(built) >= size:
                break
            key = self.keys.build(src)
            if key not in built:
                built[key] = self.values.build(src)
        return built


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
        self.provider = provider
        self._nesting = Nesting(MAX_RECURSION)
        self._calm = 0 if boundaries else 1  # >0: no limits drawn (inside a collection already at one)

    def root(self, operation: str, force: Path = ()) -> SearchStrategy[dict[str, Any]]:
        node = self.plan(operation_shape(self.api, operation, self.direction), None, force)
        if node is None:
            raise ValueError(f"{self.api} {operation}: nothing can be generated at {force}")
        return strategy(node)

    def compile(self, shape: Shape, field: str | None, force: Path = ()) -> SearchStrategy[Any] | None:
        node = self.plan(shape, field, force)
        return None if node is None else strategy(node)

    def plan(self, shape: Shape, field: str | None, force: Path = ()) -> Node | None:
        if not self._nesting.enter(id(shape), anyway=bool(force)):
            return None
        try:
            return self._plan(shape, shape.schema, field, force)
        finally:
            self._nesting.leave(id(shape))

    def _plan(self, shape: Shape, schema: Mapping[str, Any], field: str | None, force: Path) -> Node | None:
        """``schema`` is ``shape.schema``, or a copy narrowed to one of its types."""
        if "enum" in schema:
            return _Enum(list(schema["enum"]))
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [self._plan(shape, {**schema, "type": k}, field, force) for k in kind]
            return _AnyOf([o for o in options if o is not None])
        if kind == "object":
            if "propertyNames" in schema or isinstance(schema.get("additionalProperties"), dict):
                return self._map(shape, field, force)
            return self._object(shape, force)
        if kind == "array":
            return self._array(shape, field, force)
        generic = self._scalar(schema, kind)
        realistic = self.provider(field) if self.provider and field else None
        if realistic is None or generic is None:
            return generic
        check = _checker(schema)
        if callable(realistic):
            return _Realistic(realistic, generic, check)
        fitting = [value for value in realistic if check(value)]
        return _RealisticPick(fitting, generic) if fitting else generic

    def calm(self, build: Callable[[], Node | None]) -> Node | None:
        """Compile without limit-seeking, for the items of a collection already at its limit."""
        self._calm += 1
        try:
            return build()
        finally:
            self._calm -= 1

    def _scalar(self, schema: Mapping[str, Any], kind: str | None) -> Node | None:
        if kind == "string" and schema.get("format") in formats.CHECKERS:
            return _Format(schema["format"])
        if kind == "string":
            pattern, high = schema.get("pattern"), schema.get("maxLength")
            lengths = lengths_within(pattern, schema.get("minLength", 0), high)
            return _String(pattern, lengths, high is not None, not self._calm) if lengths else None
        if kind == "integer":
            return _Integer(schema.get("minimum"), schema.get("maximum"))
        if kind == "number":
            return _Number(schema.get("minimum"), schema.get("maximum"))
        if kind == "boolean":
            return _Boolean()
        return None

    def _object(self, shape: Shape, force: Path) -> Node | None:
        schema, properties = shape.schema, shape.properties
        required = required_members(schema, wire=self.wire) | conditional_members(schema)
        forced = force[0] if force else None
        if schema.get("x-union"):
            names = [forced] if forced is not None else list(properties)
            options = []
            for name in names:
                member = self.plan(properties[str(name)], str(name), force[1:])
                if member is not None:
                    options.append((str(name), member))
            return _Union(options) if options else None
        members: list[tuple[str, Node, int]] = []
        for name, spec in properties.items():
            node = self.plan(spec, name, force[1:] if name == forced else ())
            if node is None:
                if name in required or name == forced:
                    return None
                continue
            if name in required or name == forced:
                members.append((name, node, 0))
            else:
                members.append((name, node, _USUAL_ODDS if name in self.usual else _OPTIONAL_ODDS))
        return _Object(members)

    def _map(self, shape: Shape, field: str | None, force: Path) -> Node | None:
        schema = shape.schema
        key_shape = shape.keys or _ANY_STRING
        value_shape = shape.additional
        if not isinstance(value_shape, Shape):  # propertyNames alone: no value can be made
            return None
        keys = self.plan(key_shape, f"{field}.key")
        values = self.plan(value_shape, f"{field}.value")
        if keys is None or values is None:
            return None
        low = max(schema.get("minProperties", 0), 1 if force else 0)
        high = schema.get("maxProperties")
        node = _Map(keys, values, low, min(high or low + _MAP_EXTRA, low + _MAP_EXTRA))
        if high is not None and high > low + _MAP_EXTRA and not self._calm:
            calm_values = self.calm(lambda: self.plan(value_shape, f"{field}.value"))
            if calm_values is not None:
                node.full = (key_shape.schema, calm_values, high)
        return node

    def _array(self, shape: Shape, field: str | None, force: Path) -> Node | None:
        schema = shape.schema
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        field = f"{field}[]"
        items_shape = shape.items
        items = None if items_shape is None else self.plan(items_shape, field, ())
        if items is None or items_shape is None:
            return _EmptyList() if low == 0 and not force else None
        if force:
            first = self.plan(items_shape, field, force[1:])
            if first is None:
                return None
            rest_high = None if high is None else high - 1
            return _List(items, max(low - 1, 0), min(low + 3, rest_high or low + 3), first)
        node = _List(items, low, min(high if high is not None else low + _LIST_EXTRA, low + _LIST_EXTRA))
        if high is not None and high > low + _LIST_EXTRA and not self._calm:
            calm_items = self.calm(lambda: self.plan(items_shape, field, ()))
            node.full = (items if calm_items is None else calm_items, high)
        return node


def strategy(node: Node) -> SearchStrategy[Any]:
    """An ordinary Hypothesis strategy for a plan: one Hypothesis choice, a byte string with a
    seed for each member of an object (see :meth:`_Object.from_bytes`); any other value is
    built from one seed."""
    if isinstance(node, _Object):
        size = _SEED_BYTES * len(node.members)
        return st.binary(min_size=size, max_size=size).map(node.from_bytes)
    return _SEEDS.map(lambda seed: node.build(Source(seed)))


def _full_list(src: Source, items: Node, size: int) -> list[Any]:
    """A list at its size limit from a few built items (lists here allow repeats)."""
    built = [items.build(src) for _ in range(src.integer(1, min(size, 4)))]
    return (built * (size // len(built) + 1))[:size]


def _full_map(src: Source, key_schema: Mapping[str, Any], values: Node, size: int) -> dict[str, Any] | None:
    """A map at its size limit: a few built values, and distinct keys made from the key schema
    (None in the unlikely case that not enough distinct keys turn up)."""
    pattern = key_schema.get("pattern")
    lengths = lengths_within(pattern, key_schema.get("minLength", 0), key_schema.get("maxLength"))
    if not lengths:
        return None
    fullmatch = None  # alphanumeric keys need no check where every part of the pattern takes them all
    if pattern is not None and not set(common_alphabet(pattern)) >= _ALNUM_SET:
        fullmatch = compile_pattern(pattern).python.fullmatch
    built = [values.build(src) for _ in range(src.integer(1, 4))]
    rng = src.random
    keys: dict[str, Any] = {}
    for _ in range(3):  # rounds: the first nearly always suffices
        low, high = lengths[0] if len(lengths) == 1 else rng.choice(lengths)
        high = min(high, low + 24)
        wanted = size - len(keys)
        sizes = [low + b % (high - low + 1) for b in rng.randbytes(wanted)]
        # alphanumeric keys first, in one piece: most key patterns take them
        blob = rng.randbytes(sum(sizes)).translate(_ALNUM_TABLE).decode("ascii")
        at = 0
        for length in sizes:
            key = blob[at : at + length]
            at += length
            if fullmatch is not None and pattern is not None and fullmatch(key) is None:
                try:
                    key = match(rng, pattern, length)
                except Infeasible:
                    continue
            keys.setdefault(key, built[len(keys) % len(built)])
        if len(keys) == size:
            return keys
    return None


_ALNUM = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ALNUM_TABLE = bytes(_ALNUM[b % len(_ALNUM)] for b in range(256))
_ALNUM_SET = set(_ALNUM.decode("ascii"))


def _checker(schema: Mapping[str, Any]) -> Callable[[Any], bool]:
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
