"""Check one observed response against a step's ``expect`` block; each failure is one readable sentence."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import pointers as _pointers
from ..core import sensitive as _sensitive
from ..core.formats import timestamp_seconds
from ..core.lifecycle import LIFECYCLES
from ..errors import JobrunContractsError
from ..wire.messages import HttpResponse
from .clauses import Scope

MISSING = object()


@dataclass
class Observed:
    status: int
    body: Any  # parsed JSON, or None
    error_code: str | None
    error_message: str | None
    states: list[str] = field(default_factory=list)  # what an ``observe`` pointer showed, poll by poll
    collected: list[Any] | None = None  # a paginate step's item ids, in order
    schema_problem: str | None = None  # a successful response our response schema refuses


def resolve(document: Any, pointer: str) -> Any:
    value = document
    for part in _pointers.split(pointer):
        if isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        elif isinstance(value, Mapping) and str(part) in value:
            value = value[str(part)]
        else:
            return MISSING
    return value


def check(expect: Mapping[str, Any], seen: Observed, scope: Scope, api: str) -> list[str]:
    """Every expectation that does not hold; one whose template names a value the responses lack fails too."""
    failures: list[str] = []
    for key, value in expect.items():
        try:
            failures += _check_one(key, value, seen, scope, api)
        except KeyError as missing:
            reason = missing.args[0] if missing.args else str(missing)
            failures.append(f"cannot check {key}: {reason}")
    if seen.schema_problem:
        failures.insert(0, seen.schema_problem)
    return failures


def _check_one(key: str, value: Any, seen: Observed, scope: Scope, api: str) -> list[str]:
    expect = {key: value}
    failures: list[str] = []
    lifecycle = LIFECYCLES[api]
    body = seen.body

    def at(pointer: str) -> Any:
        return resolve(body, pointer)

    if "status" in expect:
        wanted = _as_list(expect["status"])
        if seen.status not in wanted:
            detail = f" ({seen.error_code}: {_short(seen.error_message)})" if seen.error_code else ""
            failures.append(f"status {seen.status}{detail}, expected {_either(wanted)}")
    if "error" in expect:
        wanted = _as_list(expect["error"])
        if seen.error_code not in wanted:
            failures.append(f"error {seen.error_code or 'none'}, expected {_either(wanted)}")
    if "names_field" in expect:
        name = str(scope.render(expect["names_field"]))
        if not seen.error_message or not _names(seen.error_message, name):
            failures.append(f"the error message does not name '{name}': {_short(seen.error_message) or 'no message'}")
    for pointer, value in expect.get("equal", {}).items():
        wanted_value, actual = scope.render(value), at(pointer)
        if actual is MISSING or actual != wanted_value:
            failures.append(f"{pointer} is {_show(actual)}, expected {_show(wanted_value)}")
    for pointer, values in expect.get("one_of", {}).items():
        allowed, actual = scope.render(values), at(pointer)
        if actual not in allowed:
            failures.append(f"{pointer} is {_show(actual)}, expected one of {_show(allowed)}")
    if "state" in expect:
        actual = at(expect["state"])
        if actual not in lifecycle.states:
            failures.append(
                f"{expect['state']} is {_show(actual)}, not one of the API's states {list(lifecycle.states)}"
            )
    if "terminal" in expect:
        actual = at(expect["terminal"])
        if actual not in lifecycle.terminal:
            failures.append(
                f"{expect['terminal']} is {_show(actual)}, not a terminal state {sorted(lifecycle.terminal)}"
            )
    if "lifecycle" in expect:
        states = seen.states
        if not states:
            failures.append("no state was observed")
        for before, after in itertools.pairwise(states):
            if not lifecycle.may_follow(before, after):
                failures.append(f"state went from {before} to {after}, which the state machine does not allow")
        unknown = [s for s in states if s not in lifecycle.states]
        if unknown:
            failures.append(f"observed states outside the API's states: {unknown}")
    for pointer in expect.get("present", []):
        if at(pointer) is MISSING:
            failures.append(f"{pointer} is missing")
    for pointer in expect.get("absent", []):
        if at(pointer) is not MISSING:
            failures.append(f"{pointer} is present ({_show(at(pointer))}) but should not be")
    for pointer, pattern in expect.get("matches", {}).items():
        regex, actual = scope.render_regex(pattern), at(pointer)
        if not isinstance(actual, str) or not re.search(regex, actual):
            failures.append(f"{pointer} is {_show(actual)}, which does not match {regex}")
    for pointers in expect.get("ordered", []):
        failures += _ordered(pointers, at)
    for pointer, value in expect.get("contains", {}).items():
        wanted_value, actual = scope.render(value), at(pointer)
        if not isinstance(actual, list) or not any(_includes(item, wanted_value) for item in actual):
            failures.append(f"{pointer} does not contain {_show(wanted_value)}")
    if "exactly_once" in expect:
        wanted_ids = scope.render(expect["exactly_once"])
        collected = seen.collected or []
        if not isinstance(wanted_ids, list) or not wanted_ids:
            failures.append("exactly_once names no ids to look for")
            wanted_ids = []
        for item in wanted_ids:
            count = collected.count(item)
            if count != 1:
                failures.append(f"{item} appeared {count} times across the pages, expected exactly once")
    if "each" in expect:
        rule = expect["each"]
        items = at(rule["in"])
        if not isinstance(items, list):
            failures.append(f"{rule['in']} is {_show(items)}, not a list")
        for index, item in enumerate(items if isinstance(items, list) else []):
            for pointer, values in rule.get("one_of", {}).items():
                allowed, actual = scope.render(values), resolve(item, pointer)
                if actual not in allowed:
                    failures.append(
                        f"{rule['in']}/{index}{pointer} is {_show(actual)}, expected one of {_show(allowed)}"
                    )
    return failures


def _names(message: str, field: str) -> bool:
    """The message names the field as a word of its own: 'id' in "Invalid request" does not count."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(field)}(?![A-Za-z0-9_])", message) is not None


def _ordered(pointers: Sequence[str], at: Any) -> list[str]:
    present = [(p, at(p)) for p in pointers if at(p) is not MISSING]
    failures = []
    for (first, a), (second, b) in itertools.pairwise(present):
        left, right = timestamp_seconds(a), timestamp_seconds(b)
        if left is None or right is None:
            failures.append(f"{first} / {second} are not both timestamps: {_show(a)}, {_show(b)}")
        elif left > right:
            failures.append(f"{first} ({_show(a)}) is after {second} ({_show(b)})")
    return failures


def _includes(item: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping) and isinstance(item, Mapping):
        return all(k in item and item[k] == v for k, v in wanted.items())
    return bool(item == wanted)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _either(values: Sequence[Any]) -> str:
    return " or ".join(str(v) for v in values)


def _show(value: Any, limit: int = 120) -> str:
    text = "missing" if value is MISSING else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(text: str | None, limit: int = 160) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_of(api: str, response: HttpResponse, body: Any) -> tuple[str | None, str | None]:
    """The error code and message, where each service puts them (AWS: the x-amzn-ErrorType header)."""
    if response.status < 300:
        return None, None
    code: Any = None
    if api != "alibaba-emr-serverless-spark":
        header = response.headers.get("x-amzn-errortype")
        if header:
            code = header.split(":", 1)[0]
    if isinstance(body, dict):
        if code is None:
            code = body.get("__type") or body.get("code") or body.get("Code")
            if isinstance(code, str) and "#" in code:
                code = code.rsplit("#", 1)[1]
        message = body.get("message") or body.get("Message") or body.get("errorMessage")
        return (str(code) if code else None), (str(message) if message is not None else None)
    return (str(code) if code else None), None


def invalid_expectation(api: str, expected: Mapping[str, str], operation: str | None = None) -> dict[str, Any]:
    """What a refusal of a request breaking ``expected`` looks like on this API.

    The message must name the field; on AWS a map's value is named by the map (AWS reports it at
    the map's path, docs/service-errors.md), which needs the ``operation`` to tell.
    """
    pointer = expected["pointer"]
    if operation is not None and api != "alibaba-emr-serverless-spark":
        try:
            place = _sensitive.at(api, operation, "request", pointer)
        except JobrunContractsError:  # an operation the catalogue does not know: name the field as the pointer does
            place = None
        if place is not None and place.map_pointer is not None and expected.get("keyword") != "required":
            pointer = place.map_pointer
    names = [p for p in pointer.split("/")[1:] if not p.isdigit()]
    expectation: dict[str, Any] = {"status": 400}
    if names:
        expectation["names_field"] = _pointers.unescape(names[-1])
    if api != "alibaba-emr-serverless-spark":
        expectation["error"] = ["ValidationException", "SerializationException"]
    return expectation
