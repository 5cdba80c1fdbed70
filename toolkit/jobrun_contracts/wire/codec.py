"""An operation's input to an HTTP request and back, the way the SDKs send it and the services read it.

Path segments are split before they are percent-decoded (an encoded ``/`` stays inside its
value); query values are converted by the member's schema type, AWS lists arrive as repeated
keys, and Alibaba's ``x-wire-encoding: json`` members arrive JSON-encoded. A value that does not
convert is passed on as the string it was, so validation reports it as the wrong type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ..core import registry
from ..core.formats import iso_utc
from ..core.registry import Operation
from ..core.shapes import Shape, operation_shape
from .messages import HttpRequest

#: A path or query integer is parsed as a Java long; outside this range it is a type error, not a number.
LONG = (-(2**63), 2**63 - 1)
_INTEGER = re.compile(r"-?[0-9]{1,19}")  # longer is no 64-bit integer (and int() refuses over 4,300 digits)
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class BodyError(Exception):
    """The body is not a JSON object: the service's deserialiser refuses it before validation."""


def split_target(target: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The raw path's segments (still encoded) and the decoded query pairs, in order."""
    parts = urlsplit(target)
    segments = parts.path.split("/")[1:]
    return segments, parse_qsl(parts.query, keep_blank_values=True)


def match(template: str, segments: list[str]) -> dict[str, str] | None:
    """Path parameters by wire name when the segments fit the URI template, else None."""
    pattern = template.split("/")[1:]
    if len(pattern) != len(segments):
        return None
    found: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            found[expected[1:-1].rstrip("+")] = unquote(actual)
        elif expected != actual:
            return None
    return found


def json_object(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is ``{}``); anything else is a :class:`BodyError`."""
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BodyError(f"the body is not valid JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise BodyError("the body must be a JSON object")
    return parsed


def decode(operation: Operation, path: dict[str, str], query: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The operation's input from its three places; unknown query keys are left out, as services do."""
    instance: dict[str, Any] = {}
    if body.strip():
        parsed = json_object(body)
        body_fields = {f.wire_name for f in operation.fields if f.location == "body"}
        instance.update({k: v for k, v in parsed.items() if k in body_fields or k not in _non_body(operation)})
    types = _member_types(operation.api, operation.name)
    by_wire = {f.wire_name: f for f in operation.fields}
    for wire_name, value in path.items():
        field = by_wire.get(wire_name)
        if field is not None and field.location == "path":
            instance[field.name] = value
    values: dict[str, list[str]] = {}
    for key, value in query:
        values.setdefault(key, []).append(value)
    for field in operation.fields:
        if field.location != "query" or field.wire_name not in values:
            continue
        raw = values[field.wire_name]
        kind, item_kind = types.get(field.name, ("string", None))
        if field.wire_encoding == "json":
            instance[field.name] = _json_or_string(raw[-1])
        elif kind == "array":
            instance[field.name] = [_convert(v, item_kind or "string") for v in raw]
        else:
            instance[field.name] = _convert(raw[-1], kind)
    return instance


def known_members(operation: Operation, instance: Mapping[str, Any]) -> dict[str, Any]:
    """``instance`` without the members its schema does not declare, at any depth.

    The services' deserialisers drop unknown members wherever they are, before validation: a
    service never stores or returns them, and a union counts only the members it names. Maps
    (``additionalProperties`` with a schema) keep every key; a value of the wrong type is left as
    it is, for validation to report. Nesting too deep to walk is a :class:`BodyError`.
    """
    try:
        known: dict[str, Any] = _keep(operation_shape(operation.api, operation.name, "request"), instance)
    except RecursionError:
        raise BodyError("the body is nested too deeply") from None
    return known


def _keep(shape: Shape, value: Any) -> Any:
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for name, member in value.items():
            declared = shape.properties.get(name)
            if declared is not None:
                kept[name] = _keep(declared, member)
            elif isinstance(shape.additional, Shape):
                kept[name] = _keep(shape.additional, member)
            elif shape.additional:
                kept[name] = member
        return kept
    if isinstance(value, list) and shape.items is not None:
        return [_keep(shape.items, item) for item in value]
    return value


def encode(operation: Operation, instance: Mapping[str, Any], host: str) -> HttpRequest:
    """The HTTP request an SDK would send for this input, built without the SDK so invalid input travels too.

    Values go out as given: a path parameter of the wrong type is written as its JSON text, a
    missing one leaves an empty segment, so the server sees exactly the defect under test.
    """
    path = operation.uri
    for field in operation.fields:
        if field.location == "path":
            value = instance.get(field.name, "")
            text = value if isinstance(value, str) else json.dumps(value)
            path = path.replace("{" + field.wire_name + "}", quote(text, safe="-_.~"))
    pairs: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    located = {f.name: f for f in operation.fields}
    timestamps = _timestamp_members(operation.api, operation.name)
    for name, value in instance.items():
        if name in timestamps and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = _iso(value)  # a query carries timestamps as ISO 8601, as botocore writes them
        member = located.get(name)
        if member is None or member.location == "body":
            body[name if member is None else member.wire_name] = value
        elif member.location == "query":
            if member.wire_encoding == "json":
                pairs.append((member.wire_name, json.dumps(value, separators=(",", ":"), ensure_ascii=False)))
            elif isinstance(value, list):
                pairs += [(member.wire_name, _query_text(v)) for v in value]
            else:
                pairs.append((member.wire_name, _query_text(value)))
    target = path + ("?" + urlencode(pairs, quote_via=quote, safe="-_.~") if pairs else "")
    headers = {"host": host, "accept": "application/json"}
    payload = b""
    if body or operation.method in ("POST", "PUT"):
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["content-type"] = "application/json"
    return HttpRequest(operation.method, target, headers, payload)


def _iso(seconds: float) -> Any:
    try:
        return iso_utc(seconds)
    except (OverflowError, OSError, ValueError):
        return seconds  # beyond what a calendar can show: send the number as it is


@cache
def _timestamp_members(api: str, operation_name: str) -> frozenset[str]:
    document = registry.schema(api, operation_name, "request")
    return frozenset(
        name
        for name, member in document["properties"].items()
        if member.get("format") == "iso8601-timestamp" and member.get("x-location") == "query"
    )


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _non_body(operation: Operation) -> set[str]:
    return {f.name for f in operation.fields if f.location != "body"}


def _json_or_string(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _convert(text: str, kind: str) -> Any:
    if kind == "integer" and _INTEGER.fullmatch(text) and LONG[0] <= int(text) <= LONG[1]:
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return float(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"  # the Alibaba SDK sends Python's str(True); Java reads it case-blind
    return text


@cache
def _member_types(api: str, operation_name: str) -> dict[str, tuple[str, str | None]]:
    """Each member's JSON type (and its items' type): a query carries strings, so timestamps read as strings."""
    kinds: dict[str, tuple[str, str | None]] = {}
    for name, member in operation_shape(api, operation_name, "request").properties.items():
        kind = member.type or "string"
        item_kind = (member.items.type or "string") if kind == "array" and member.items else None
        kinds[name] = (kind, item_kind if kind == "array" else None)
    return kinds
