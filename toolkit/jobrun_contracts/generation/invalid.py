"""Invalid requests that break exactly one documented constraint, labelled with what must be reported.

The request's compiled shape (``core.shapes``, references already followed) is walked once to
list every constraint site (a location and a keyword: ``/jobDriver/sparkSubmit/entryPoint``
``maxLength``), a recursive shape to two levels, as the compiler bounds it. For a site, a valid
instance is drawn with the location forced present, and one edit breaks that constraint alone:
a value one past a limit that still matches its pattern, a pattern-breaking character at a legal
length, a wrong-case enum value, a union with no or two members, a wrong type, a missing
required member, an unknown member, a bad map key. The validator then confirms that exactly the
labelled violation is reported (a rare edit that trips a second constraint is redrawn).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..core import formats, pointers, registry
from ..core.patterns import compile_pattern
from ..core.shapes import Nesting, Shape, operation_shape, required_members
from ..core.validation import validator_for
from .compiler import ANY_KEY, Path, SchemaCompiler
from .regex import Infeasible, lengths_within, match

_SEEDS = st.integers(0, 2**64 - 1)
_BREAKERS = ["\n", "!", "_", "\u0663", " ", "\u2028", "é", ":", "*", "#", "A", "a", "0", "/", "\t", "\x01", "\n\x01\n"]
_WRONG_TYPE = {"string": 7, "integer": "60", "number": "1.5", "boolean": "true", "object": [], "array": "x"}


@dataclass(frozen=True)
class Site:
    path: Path  # where the constraint applies; ANY_KEY stands for some entry of a map
    keyword: str
    schema: Any  # the resolved schema object that holds the keyword
    extra: Any = None  # keyword-specific: the key schema, the allowed names, the union's shape


class _Walker:
    def __init__(self, wire: bool) -> None:
        self.sites: list[Site] = []
        self.wire = wire
        self.nesting = Nesting(2)  # a recursive shape is broken at its first two levels

    def walk(self, shape: Shape, path: Path, root: bool = False) -> None:
        if not self.nesting.enter(id(shape)):
            return
        try:
            self._walk(shape, path, root)
        finally:
            self.nesting.leave(id(shape))

    def _walk(self, shape: Shape, path: Path, root: bool) -> None:
        schema = shape.schema
        kind = schema.get("type")
        if not root and kind is not None and "enum" not in schema:  # a wrong type would break the enum too
            self.sites.append(Site(path, "type", schema))
        if "enum" in schema and any(isinstance(v, str) for v in schema["enum"]):
            self.sites.append(Site(path, "enum", schema))
        if kind == "object" and ("propertyNames" in schema or isinstance(schema.get("additionalProperties"), dict)):
            key_schema = {} if shape.keys is None else shape.keys.schema
            if "maxProperties" in schema:
                self.sites.append(Site(path, "maxProperties", schema, key_schema))
            if schema.get("minProperties", 0) >= 1:
                self.sites.append(Site(path, "minProperties", schema))
            if any(k in key_schema for k in ("pattern", "maxLength")):
                self.sites.append(Site(path, "propertyNames", schema, key_schema))
            if isinstance(shape.additional, Shape):
                self.walk(shape.additional, (*path, ANY_KEY))
            return
        if kind == "object":
            properties = shape.properties
            if schema.get("x-union"):
                self.sites.append(Site(path, "minProperties", schema))
                if len(properties) > 1:
                    self.sites.append(Site(path, "maxProperties", schema, shape))
            else:
                required = required_members(schema, wire=self.wire)
                for name in sorted(required):
                    self.sites.append(Site((*path, name), "required", schema))
                if schema.get("additionalProperties") is False:
                    self.sites.append(Site(path, "additionalProperties", schema, tuple(properties)))
            for name, member in properties.items():
                self.walk(member, (*path, name))
            return
        if kind == "array":
            if "maxItems" in schema:
                self.sites.append(Site(path, "maxItems", schema))
            if schema.get("minItems", 0) >= 1:
                self.sites.append(Site(path, "minItems", schema))
            if shape.items is not None:
                self.walk(shape.items, (*path, 0))
            return
        if kind is not None and schema.get("format") in formats.INVALID:
            self.sites.append(Site(path, "format", schema))
        if kind == "string":
            pattern = schema.get("pattern")
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            if high is not None and lengths_within(pattern, high + 1, high + 1):
                self.sites.append(Site(path, "maxLength", schema))
            if low >= 1 and lengths_within(pattern, low - 1, low - 1):
                self.sites.append(Site(path, "minLength", schema))
            if pattern is not None:
                self.sites.append(Site(path, "pattern", schema))
        if kind == "integer":
            for keyword in ("minimum", "maximum"):
                if keyword in schema:
                    self.sites.append(Site(path, keyword, schema))


@cache
def sites(api: str, operation: str, wire: bool = False) -> tuple[Site, ...]:
    """Every constraint site of a request schema, in schema order."""
    walker = _Walker(wire)
    walker.walk(operation_shape(api, operation, "request"), (), root=True)
    return tuple(walker.sites)


def _force_path(site: Site) -> Path:
    if site.keyword in ("required",):
        return site.path[:-1]
    return site.path


def _concrete(instance: Any, path: Path) -> tuple[Any, list[str | int]] | None:
    """The value at ``path`` in ``instance`` and the concrete path (map keys filled in)."""
    node: Any = instance
    concrete: list[str | int] = []
    for part in path:
        if part == ANY_KEY:
            if not isinstance(node, dict) or not node:
                return None
            part = next(iter(node))
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        )
        if not present:
            return None
        node = node[part]
        concrete.append(part)
    return node, concrete


def _set(instance: Any, path: list[str | int], value: Any) -> None:
    node = instance
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _string_of(rng: random.Random, schema: dict[str, Any], length: int) -> str:
    pattern = schema.get("pattern")
    if pattern is None:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length))
    return match(rng, pattern, length)


def _break_pattern(rng: random.Random, schema: dict[str, Any], value: str) -> str | None:
    compiled = compile_pattern(schema["pattern"])
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    candidates = []
    for breaker in _BREAKERS:
        for candidate in (value + breaker, breaker + value[1:], value[:-1] + breaker, " " * max(len(value), 1)):
            if low <= len(candidate) and (high is None or len(candidate) <= high) and not compiled.matches(candidate):
                candidates.append(candidate)
    return rng.choice(candidates) if candidates else None


def _wrong_case(rng: random.Random, schema: dict[str, Any], value: Any) -> Any:
    options = [str(v) for v in schema["enum"]]
    base = value if isinstance(value, str) else options[0]
    variants = [base.lower(), base.upper(), base.swapcase(), base.capitalize(), base.title()]
    wrong = [v for v in variants if v not in options]
    return rng.choice(wrong) if wrong else None


def _typo(rng: random.Random, names: tuple[str, ...]) -> str:
    name = rng.choice(names)
    variants = [name[:-3] + name[-3:].upper(), name[0].upper() + name[1:], name.lower(), name + "s", name[:-1]]
    fresh = [v for v in variants if v not in names and v]
    return rng.choice(fresh) if fresh else "unknownField"


def _mutate(site: Site, instance: dict[str, Any], rng: random.Random, extra_value: Any) -> tuple[Any, str] | None:
    """Edit ``instance`` in place to break ``site``; returns (instance, pointer) or None."""
    keyword, schema = site.keyword, site.schema
    if keyword == "required":
        found = _concrete(instance, site.path[:-1])
        if found is None or not isinstance(found[0], dict) or site.path[-1] not in found[0]:
            return None
        del found[0][site.path[-1]]
        return instance, pointers.join([*found[1], site.path[-1]])
    found = _concrete(instance, site.path)
    if found is None:
        return None
    value, path = found
    pointer = pointers.join(path)
    replacement: Any
    if keyword == "type":
        replacement = _WRONG_TYPE[schema["type"] if isinstance(schema["type"], str) else "object"]
        if isinstance(schema.get("type"), list):
            replacement = True
    elif keyword == "enum":
        replacement = _wrong_case(rng, schema, value)
    elif keyword == "format":
        replacement = formats.INVALID[schema["format"]]
    elif keyword == "maxLength":
        replacement = _string_of(rng, schema, schema["maxLength"] + 1)
    elif keyword == "minLength":
        replacement = _string_of(rng, schema, schema["minLength"] - 1)
    elif keyword == "pattern":
        replacement = _break_pattern(rng, schema, value) if isinstance(value, str) else None
    elif keyword == "maximum":
        replacement = schema["maximum"] + 1
    elif keyword == "minimum":
        replacement = schema["minimum"] - 1
    elif keyword == "maxItems":
        replacement = (value * (schema["maxItems"] + 1))[: schema["maxItems"] + 1] if value else None
    elif keyword == "minItems":
        replacement = value[: schema["minItems"] - 1]
    elif keyword == "minProperties":
        replacement = {}
    elif keyword == "maxProperties" and schema.get("x-union"):
        members = [m for m in schema["properties"] if m not in value]
        if not members or extra_value is None:
            return None
        replacement = {**value, members[0]: extra_value}
    elif keyword == "maxProperties":
        replacement = _bigger_map(rng, site.extra, value, schema["maxProperties"] + 1)
    elif keyword == "propertyNames":
        replacement = _bad_key(rng, site.extra, value, schema.get("maxProperties"))
    elif keyword == "additionalProperties":
        if not isinstance(value, dict):
            return None
        name = _typo(rng, site.extra)
        value[name] = next(iter(value.values()), "x")
        return instance, pointers.join([*path, name])
    else:
        return None
    if replacement is None:
        return None
    if path:
        _set(instance, path, replacement)
    return instance, pointer


def _bigger_map(rng: random.Random, key_schema: dict[str, Any], value: Any, size: int) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value:
        return None
    lengths = lengths_within(key_schema.get("pattern"), key_schema.get("minLength", 0), key_schema.get("maxLength"))
    result = dict(value)
    filler = next(iter(value.values()))
    for _ in range(size * 20):
        if len(result) >= size:
            return result
        low, high = rng.choice(lengths)
        try:
            result.setdefault(_string_of(rng, key_schema, rng.randint(low, min(high, low + 16))), filler)
        except Infeasible:
            continue
    return None


def _bad_key(rng: random.Random, key_schema: dict[str, Any], value: Any, max_size: int | None) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value:
        return None
    bad = None
    if "pattern" in key_schema:
        bad = _break_pattern(rng, key_schema, next(iter(value)))
    elif "maxLength" in key_schema:
        bad = _string_of(rng, {}, key_schema["maxLength"] + 1)
    if bad is None:
        return None
    result = dict(value)
    if max_size is not None and len(result) >= max_size:
        result.pop(next(iter(result)))
    result[bad] = next(iter(value.values()))
    return result


@cache
def _site_strategy(
    api: str, operation: str, wire: bool, index: int
) -> SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    site = sites(api, operation, wire)[index]
    compiler = SchemaCompiler(api, "request", wire=wire, boundaries=False)
    base = compiler.root(operation, force=_force_path(site))
    extra: SearchStrategy[Any] = st.none()
    if site.keyword == "maxProperties" and site.schema.get("x-union"):
        union: Shape = site.extra
        options = [compiler.compile(member, name) for name, member in union.properties.items()]
        extra = st.one_of([o for o in options if o is not None])
    checker = validator_for(api, operation, "request", wire=wire)

    def build(instance: dict[str, Any], seed: int, extra_value: Any) -> tuple[dict[str, Any], dict[str, str]] | None:
        edited = _mutate(site, copy.deepcopy(instance), random.Random(seed), extra_value)
        if edited is None:
            return None
        instance, pointer = edited
        expected = {"pointer": pointer, "keyword": site.keyword}
        found = [(v.pointer, v.keyword) for v in checker.validate(instance)]
        return (instance, expected) if found == [(pointer, site.keyword)] else None

    return st.builds(build, base, _SEEDS, extra).filter(lambda result: result is not None)  # type: ignore[return-value]


def invalid_requests(
    api: str, operation: str, *, wire: bool = False
) -> SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    registry.operation(api, operation)
    found = sites(api, operation, wire)
    return st.sampled_from(range(len(found))).flatmap(lambda i: _site_strategy(api, operation, wire, i))


def site_strategy(
    api: str, operation: str, index: int, *, wire: bool = False
) -> SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    """One site's invalid values, for tests that want every site covered."""
    return _site_strategy(api, operation, wire, index)


__all__ = ["Site", "invalid_requests", "site_strategy", "sites"]
