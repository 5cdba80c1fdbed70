"""Validate requests and responses against the schemas, with the services' pattern semantics.

One engine decides and explains: jsonschema-rs, compiled once per (API, operation, side, mode)
with every pattern translated to the service's semantics (``patterns``). A valid instance costs
one ``is_valid`` call; only an invalid one pays for error collection and message rewriting, so
the fast answer and the detailed answer can never disagree.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import urljoin

import jsonschema_rs

from ..errors import InputError, JobrunContractsError, SchemaError, UsageError
from . import citations, pointers, registry, sdk_inputs, service_rules
from .formats import CHECKERS, SPEC_CHECKERS
from .patterns import compile_pattern
from .registry import Direction
from .shapes import required_members
from .suggest import did_you_mean

_UNION = "x-union"
_FLOAT_RULE = "sdk-refuses-float-for-integer"


@dataclass(frozen=True)
class Violation:
    """One broken constraint, equal by value so tests and reports can compare them."""

    pointer: str  # RFC 6901, e.g. /jobDriver/sparkSubmit/entryPoint; a bad map key names the map
    keyword: str  # the JSON Schema keyword that failed, e.g. maxLength
    message: str  # what is wrong and what would be right, for a person
    constraint: Any  # the keyword's value in the schema: 256, a pattern, the allowed names
    source: str  # where the constraint is documented: a shared/docs page or a model file
    schema_path: str  # absolute URI of the failing keyword
    sensitive: bool = False  # the service marks the field sensitive: never echo its value
    union: bool = False  # a union's exactly-one-member rule, expressed as min/maxProperties
    instance: Any = field(default=None, compare=False, repr=False)
    provenance: str = "reference"  # reference (API reference, model), guide (another official page), observed
    rule: str | None = None  # the service rule (schemas/service-rules.json) behind a guide or observed constraint

    @property
    def reference(self) -> str:
        """Where a person can read the constraint: the public page or model file behind ``source``."""
        return citations.public(self.source)

    @property
    def json_path(self) -> str:
        path = "$"
        for part in pointers.split(self.pointer):
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        return path

    def to_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "json_path": self.json_path,
            "keyword": self.keyword,
            "message": self.message,
            "constraint": self.constraint,
            "source": self.source,
            "reference": self.reference,
            "schema_path": self.schema_path,
            "provenance": self.provenance,
            "rule": self.rule,
        }


class ValidationFailed(JobrunContractsError):
    """An instance broke documented constraints; ``violations`` says which."""

    exit_code = 1

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        count = len(self.violations)
        first = self.violations[0].message if self.violations else ""
        super().__init__(f"{count} violation{'s' if count != 1 else ''}: {first}")


class Validator:
    """A compiled validator for one side of one operation; get one with :func:`validator_for`."""

    def __init__(
        self, api: str, operation: str, direction: Direction, *, wire: bool, strict: bool, reference_only: bool = False
    ) -> None:
        self.api, self.operation, self.direction = api, operation, direction
        self.wire, self.strict, self.reference_only = wire, strict, reference_only
        root = registry.schema(api, operation, direction, reference_only=reference_only)
        self._root_uri = root["$id"]
        self._references: dict[tuple[str, str], tuple[str, Any]] = {}  # see _referenced
        prepared, engine_registry = _prepared(api, wire, strict, reference_only)
        self._originals = dict(registry.resources(api, reference_only=reference_only))
        self._members = sdk_inputs.members(api, operation, direction)
        # botocore's client-side type check: AWS job specs only (on the wire no source shows the
        # service refusing 60.0, and the Alibaba SDK's models check no types)
        spec = direction == "request" and not wire and api in registry.SIGNING_NAME
        self._integers = self._members.integers if spec else ()
        try:
            self._engine = jsonschema_rs.validator_for(
                prepared[root["$id"]],
                registry=engine_registry,
                pattern_options=jsonschema_rs.RegexOptions(),
                validate_formats=True,
                formats=CHECKERS if wire or direction == "response" else SPEC_CHECKERS,
            )
        except (ValueError, jsonschema_rs.ReferencingError) as error:
            raise SchemaError(f"{api} {operation} {direction} schema does not compile: {error}") from error

    def is_valid(self, instance: Any) -> bool:
        try:
            valid = bool(self._engine.is_valid(instance))
        except ValueError:  # a value JSON cannot hold: a datetime boto3 would take, or none
            converted = self._sdk_form(instance)
            if converted is instance:
                raise _not_json(instance) from None
            try:
                valid = bool(self._engine.is_valid(converted))
            except ValueError:
                raise _not_json(converted) from None
            instance = converted
        return valid and not (self._integers and any(sdk_inputs.floats_at_integers(instance, self._integers)))

    def _sdk_form(self, instance: Any) -> Any:
        """The instance as the SDK sends it: ``datetime`` values at timestamp members become text.

        Only the timestamp members are looked at (no engine call): the instance itself when none holds one.
        """
        if not self._members.timestamps:
            return instance
        converted = sdk_inputs.with_datetimes_as_text(instance, self._members.timestamps)
        return instance if converted is None else converted

    def _float_violations(self, instance: Any) -> Iterator[Violation]:
        """botocore refuses a float for an integer member, even an integral one (``60.0``)."""
        if not self._integers:
            return
        rule = service_rules.rule(self.api, _FLOAT_RULE)
        for where, value in sdk_inputs.floats_at_integers(instance, self._integers):
            message = (
                f"{pointers.display(where)} must be an integer, not the number {value!r} (the SDK refuses a float)"
            )
            yield Violation(
                pointers.join(where),
                "type",
                message,
                "integer",
                rule.citation,
                f"{self._root_uri}#",
                instance=value,
                provenance=rule.level,
                rule=rule.id,
            )

    def validate(self, instance: Any) -> list[Violation]:
        if self.is_valid(instance):
            return []
        return list(self.iter_violations(instance))

    def check(self, instance: Any) -> None:
        """Raise :class:`ValidationFailed` (with every violation) unless the instance is valid."""
        violations = self.validate(instance)
        if violations:
            raise ValidationFailed(violations)

    def iter_violations(self, instance: Any) -> Iterator[Violation]:
        """Every violation, drawn as needed: a caller that stops early pays only for what it took."""
        instance = self._sdk_form(instance)
        yield from self._float_violations(instance)
        try:
            for error in self._engine.iter_errors(instance):
                yield from self._explain(error, instance)
        except ValueError:  # e.g. a lone surrogate, which the engine cannot hold as text
            raise _not_json(instance) from None

    def first_violations(self, instance: Any, limit: int) -> tuple[list[Violation], int]:
        """At most ``limit`` violations, and how many there are in all: those past the limit are
        counted without being worded (700,000 unknown keys cost no 700,000 messages)."""
        if self.is_valid(instance):
            return [], 0
        instance = self._sdk_form(instance)
        floats = list(self._float_violations(instance))
        kept, total = floats[:limit], len(floats)
        try:
            for error in self._engine.iter_errors(instance):
                kind: Any = error.kind
                name = kind.name
                if len(kept) >= limit and name == "additionalProperties":
                    total += len(kind.unexpected)
                    continue
                if len(kept) >= limit and name != "pattern":  # a pattern error may be worded as none
                    total += 1
                    continue
                explained = 0
                for violation in self._explain(error, instance):
                    explained += 1
                    if len(kept) < limit:
                        kept.append(violation)
                    elif name == "additionalProperties":
                        explained = len(kind.unexpected)
                        break
                total += explained
        except ValueError:
            raise _not_json(instance) from None
        return kept, total

    # -- turning an engine error into violations -------------------------------------------

    def _explain(self, error: Any, root_instance: Any) -> Iterator[Violation]:
        kind = error.kind
        keyword: str = kind.name
        path = list(error.instance_path)
        uri, _, fragment = str(error.absolute_keyword_location).partition("#")
        schema, parents = self._locate(uri, fragment)
        route = self._route(error, _sources(parents))
        source = route.source or _source(parents)
        sensitive = route.sensitive or any(p.get("x-sensitive") for p in parents[-2:])
        location = f"{uri}#{fragment}"
        steps = _steps(self._originals.get(uri, {}), fragment)
        if keyword == "required":
            steps.append((schema, f"required:{kind.property}"))
        found = service_rules.provenance_of(steps)
        if found is not None:
            source = found["source"]
        condition = _condition(steps) if keyword == "required" else ""
        for violation in self._explained(error, kind, keyword, path, schema, source, sensitive, location):
            if found is not None:
                violation = replace(violation, provenance=found["level"], rule=found["rule"])
            if condition:
                violation = replace(violation, message=f"{violation.message} {condition}")
            yield violation

    def _explained(
        self,
        error: Any,
        kind: Any,
        keyword: str,
        path: list[Any],
        schema: dict[str, Any],
        source: str,
        sensitive: bool,
        location: str,
    ) -> Iterator[Violation]:
        where = pointers.display(path) if path else f"the {self.direction}"
        value = error.instance

        if keyword == "additionalProperties":
            allowed = list(schema.get("properties", {}))
            listed = False  # the allowed fields are listed once per object, and only where no name is suggested
            for name in kind.unexpected:
                hint = did_you_mean(name, allowed)
                message = f"unknown field '{name}' in {where}{hint}"
                if allowed and not hint and not listed:
                    message += f"; allowed fields: {', '.join(allowed)}"
                    listed = True
                yield Violation(
                    pointers.join([*path, name]), keyword, message, False, source, location, sensitive, instance=value
                )
            return
        if keyword == "required":
            name = kind.property
            message = f"{pointers.display([*path, name])} is required but missing"
            yield Violation(
                pointers.join([*path, name]), keyword, message, list(schema["required"]), source, location, False
            )
            return
        if keyword == "propertyNames":
            inner = kind.error
            bad_key = inner.instance
            detail = _constraint_text(inner.kind.name, inner.kind.value, bad_key, self._service_pattern(inner))
            message = f"{where} has an invalid key {_quote(bad_key)}: it {detail}"
            if inner.kind.name == "pattern":
                message = f"{where} has an invalid key: {detail}"
            constraint = {"keyword": inner.kind.name, "value": self._service_pattern(inner) or inner.kind.value}
            yield Violation(
                pointers.join(path), keyword, message, constraint, source, location, sensitive, instance=value
            )
            return
        constraint = kind.value
        if keyword in ("minProperties", "maxProperties") and schema.get(_UNION):
            members = list(schema.get("properties", {}))
            present = [k for k in value if k in members] if isinstance(value, Mapping) else []
            found = " and ".join(present) if present else "none"
            message = f"{where} is a union: set exactly one of {', '.join(members)} (found {found})"
            yield Violation(pointers.join(path), keyword, message, constraint, source, location, sensitive, True, value)
            return
        if keyword == "pattern":
            if value == "" and schema.get("minLength", 0) >= 1:
                return  # the empty string's minLength violation says all there is to say
            constraint = schema.get("pattern", constraint)  # the service's own, not the translation
        if keyword == "type":
            expected = constraint if isinstance(constraint, list) else [constraint]
            names = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected)
            message = f"{where} must be {names}, not {_json_type(value)}"
        else:
            message = f"{where} {_constraint_text(keyword, constraint, value, constraint, sensitive=sensitive)}"
        yield Violation(pointers.join(path), keyword, message, constraint, source, location, sensitive, instance=value)

    def _service_pattern(self, error: Any) -> str | None:
        if error.kind.name != "pattern":
            return None
        uri, _, fragment = str(error.absolute_keyword_location).partition("#")
        schema, _ = self._locate(uri, fragment)
        pattern = schema.get("pattern")
        return pattern if isinstance(pattern, str) else None

    def _route(self, error: Any, shape_sources: Sequence[str]) -> _Route:
        """What the engine's evaluation path went through on its way to the failing keyword.

        The keyword's own location names only the shape it sits in (``String256``), which many
        members share; the way there names the member (``JobRun.stateDetails``) and every shape
        passed, one of which may be sensitive (``SensitivePropertiesMap`` holds the value).
        """
        base = self._root_uri
        node: Any = self._originals.get(base, {})
        steps = list(error.evaluation_path)
        sensitive = bool(node.get("x-sensitive"))
        member: tuple[Mapping[str, Any], str] | None = None
        referenced_after_member = False
        index = 0
        while index < len(steps) - 1 and isinstance(node, Mapping):
            step = steps[index]
            if step == "$ref" and isinstance(node.get("$ref"), str):
                base, node = self._referenced(base, node["$ref"])
                referenced_after_member = member is not None
                index += 1
            elif step in _NAMED:
                name = str(steps[index + 1])
                if step == "properties":
                    member, referenced_after_member = (node, name), False
                node = node.get(step, {}).get(name, {})
                index += 2
            elif step in _INDEXED:
                node = node.get(step, [])[int(steps[index + 1])]
                index += 2
            elif step in _SINGLE:
                node = node.get(step, {})
                index += 1
            else:
                break
            sensitive = sensitive or (isinstance(node, Mapping) and bool(node.get("x-sensitive")))
        source = None
        if member is not None and referenced_after_member and isinstance(node, Mapping):
            source = _member_source(member[0].get("x-source", ()), member[1], shape_sources)
        return _Route(source, sensitive)

    def _referenced(self, base: str, reference: str) -> tuple[str, Any]:
        """Where a ``$ref`` leads: the document's URI and the schema there, looked up once per reference."""
        key = (base, reference)
        found = self._references.get(key)
        if found is None:
            target, _, fragment = urljoin(base, reference).partition("#")
            node: Any = self._originals.get(target, {})
            for part in pointers.split(fragment) if fragment else ():
                node = node[int(part)] if isinstance(node, list) else node.get(str(part), {})
            found = self._references[key] = (target, node)
        return found

    def _locate(self, uri: str, fragment: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The schema object holding the failing keyword, and every object on the way to it."""
        node: Any = self._originals.get(uri, {})
        parents = [node]
        parts = [pointers.unescape(p) for p in fragment.split("/")[1:]]
        for part in parts[:-1]:  # the last part is the keyword itself
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, Mapping):
                node = node.get(part, {})
            if isinstance(node, Mapping):
                parents.append(dict(node))
        return (node if isinstance(node, dict) else {}), parents


def validator_for(
    api: str,
    operation: str,
    direction: Direction = "request",
    *,
    wire: bool = False,
    strict: bool | None = None,
    reference_only: bool = False,
) -> Validator:
    """The compiled validator, built once per process for each combination."""
    if direction not in ("request", "response"):
        raise UsageError(f"direction must be 'request' or 'response', not '{direction}'")
    if strict is None:
        strict = direction == "request"
    return _compiled(api, operation, direction, wire and direction == "request", strict, reference_only)


@cache
def _compiled(
    api: str, operation: str, direction: Direction, wire: bool, strict: bool, reference_only: bool
) -> Validator:
    registry.operation(api, operation)
    return Validator(api, operation, direction, wire=wire, strict=strict, reference_only=reference_only)


def validate(
    instance: Any,
    *,
    api: str,
    operation: str = "StartJobRun",
    direction: Direction = "request",
    wire: bool = False,
    strict: bool | None = None,
    reference_only: bool = False,
) -> list[Violation]:
    """Check one request or response; an empty list means valid.

    ``wire=False`` checks a job spec as a person writes it: the idempotency token may be left
    out, because every SDK and CLI fills it in. ``wire=True`` checks what reaches the service,
    where the token is required. ``strict`` (default: on for requests, off for responses)
    makes unknown fields violations. ``reference_only`` checks the API reference's constraints
    alone, without what the services' own guides and observed responses add or relax
    (``schemas/service-rules.json``). An EMR on EKS spec that runs from a job template is checked
    with it by :func:`jobrun_contracts.validate_with_template`.
    """
    validator = validator_for(api, operation, direction, wire=wire, strict=strict, reference_only=reference_only)
    return validator.validate(instance)


def _not_json(instance: Any) -> InputError:
    """Name the first value that JSON cannot hold (a datetime from boto3-style code, bytes, ...)."""
    stack: list[tuple[list[Any], Any]] = [([], instance)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(([*path, k], v) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend(([*path, i], v) for i, v in enumerate(value))
        elif not (value is None or isinstance(value, (str, int, float, bool))):
            where = pointers.join(path) or "/"
            return InputError(
                f"{where}: a {type(value).__name__} is not JSON data (pass strings, numbers, lists, dicts)"
            )
    return InputError("the instance is not JSON data")


# -- schema preparation --------------------------------------------------------------------


@cache
def _prepared(api: str, wire: bool, strict: bool, reference_only: bool) -> tuple[dict[str, dict[str, Any]], Any]:
    """The engine's copies of an API's schemas for one mode, and their registry, built once."""
    documents = registry.resources(api, reference_only=reference_only)
    prepared = {uri: _prepare(doc, wire=wire, strict=strict) for uri, doc in documents}
    return prepared, jsonschema_rs.Registry(list(prepared.items()))


def _prepare(document: dict[str, Any], *, wire: bool, strict: bool) -> dict[str, Any]:
    """A copy for the engine: patterns translated, token optional for specs, objects opened."""
    prepared = copy.deepcopy(document)
    if "required" in document:
        kept = required_members(document, wire=wire)
        prepared["required"] = [n for n in document["required"] if n in kept]
    _rewrite(prepared, strict=strict)
    return prepared


def _rewrite(node: Any, *, strict: bool) -> None:
    if isinstance(node, list):
        for item in node:
            _rewrite(item, strict=strict)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("pattern"), str):
        node["x-service-pattern"] = node["pattern"]
        node["pattern"] = compile_pattern(node["pattern"]).rust
    if not strict and node.get("additionalProperties") is False:
        del node["additionalProperties"]
    for key, value in node.items():
        if key not in ("enum", "const", "required") and not key.startswith("x-"):
            _rewrite(value, strict=strict)


# -- messages -----------------------------------------------------------------------------

_ESCAPED_PLAIN = re.compile(r"\\u00([2-7][0-9a-fA-F])")
_REGEX_META = set(".^$*+?()[]{}|\\-/") - {"/"}


def readable_pattern(pattern: Any) -> str:
    """A pattern as a person reads it: ``\\u002F`` as ``/`` (where that means the same), and
    characters a terminal cannot show (controls, astral ones) as Java's ``\\x{10000}``."""
    text = str(pattern)

    def plain(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return match.group() if char in _REGEX_META or not char.isprintable() or char == " " else char

    text = _ESCAPED_PLAIN.sub(plain, text)
    return "".join(c if c.isprintable() and ord(c) < 0x10000 else f"\\x{{{ord(c):X}}}" for c in text)


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _constraint_text(keyword: str, constraint: Any, value: Any, pattern: Any, *, sensitive: bool = False) -> str:
    if keyword == "maxLength":
        return f"is {_length(value)} characters long; at most {constraint} allowed"
    if keyword == "minLength":
        return f"is {_length(value)} characters long; at least {constraint} required"
    if keyword == "pattern":
        shown = "(value hidden: the service marks this field sensitive)" if sensitive else _quote(value)
        hint = ""
        if isinstance(value, str) and value != value.rstrip("\r\n\u0085\u2028\u2029"):
            hint = " (it ends with a line break)"
        return f"{shown} does not match the pattern {readable_pattern(pattern)} (the whole value must match){hint}"
    if keyword == "enum":
        choices = [str(c) for c in constraint]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return f"is {_quote(value)}; must be one of {', '.join(choices)} (case-sensitive){hint}"
    if keyword == "maximum":
        return f"is {value}; the maximum is {constraint}"
    if keyword == "minimum":
        return f"is {value}; the minimum is {constraint}"
    if keyword == "maxItems":
        return f"has {_size(value)} items; at most {constraint} allowed"
    if keyword == "minItems":
        return f"has {_size(value)} items; at least {constraint} required"
    if keyword == "maxProperties":
        return f"has {_size(value)} entries; at most {constraint} allowed"
    if keyword == "minProperties":
        return f"has {_size(value)} entries; at least {constraint} required"
    if keyword == "format":
        expected = {"iso8601-timestamp": "an ISO 8601 date or date-time", "date-time": "an RFC 3339 date-time"}
        return f"is {_quote(value)}, not {expected.get(str(constraint), constraint)} (a real calendar date)"
    if keyword == "const":
        return f"must be {json.dumps(constraint)}"
    return f"fails {keyword} {json.dumps(constraint, default=str)}"


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict)) else 0


def _quote(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 4] + "…" + text[-3:]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _source(parents: list[dict[str, Any]]) -> str:
    sources = _sources(parents)
    return str(sources[0]) if sources else ""


def _sources(parents: list[dict[str, Any]]) -> list[str]:
    """The nearest ``x-source`` on the way to a keyword: where the shape holding it is documented."""
    for node in reversed(parents):
        sources = node.get("x-source")
        if sources:
            return [str(cited) for cited in sources]
    return []


def _member_source(container: Sequence[str], member: str, shape: Sequence[str]) -> str | None:
    """The member's own documentation, when the shape's first citation is a page about another field.

    ``String256`` is cited to StartJobRun's ``name``; reached as ``JobRun.stateDetails`` it is
    that member of ``JobRun`` which is wrong, and the citation says so.
    """
    first = shape[0] if shape else ""
    if not first.startswith("shared/docs/") or first.partition("#")[2] == member:
        return None
    for cited in container:
        if cited.startswith("shared/docs/"):
            return f"{cited.partition('#')[0]}#{member}"
        return f"{cited}.{member}"
    return next((cited for cited in shape if not cited.startswith("shared/docs/")), None)


def _steps(document: Any, fragment: str) -> list[tuple[dict[str, Any], str]]:
    """Each schema object on the way to a keyword, with the key taken below it (the keyword last)."""
    steps: list[tuple[dict[str, Any], str]] = []
    node: Any = document
    for raw in fragment.split("/")[1:]:
        part = pointers.unescape(raw)
        if isinstance(node, dict):
            steps.append((node, part))
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            break
    return steps


def _condition(steps: list[tuple[dict[str, Any], str]]) -> str:
    """When a member is required only without another (``else`` of ``if: {required: [...]}``)."""
    for node, key in reversed(steps):
        given = node.get("if", {}).get("required") if key in ("then", "else") else None
        if given:
            names = " or ".join(given)
            return f"when {names} is given" if key == "then" else f"when {names} is not given"
    return ""


@dataclass(frozen=True)
class _Route:
    source: str | None  # the member's own citation, when a shared shape's would name another field
    sensitive: bool  # a shape on the way is sensitive


_NAMED = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_INDEXED = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SINGLE = frozenset({"items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains"})
