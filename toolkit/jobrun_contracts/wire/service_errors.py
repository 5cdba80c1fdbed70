"""Render violations the way each service reports them, so an emulator can answer like the real one.

AWS (Coral/Smithy validation) answers ``ValidationException`` with a message of this form,
seen in the wild for many services::

    2 validation errors detected: Value 'my_app' at 'applicationId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [0-9a-z]+; Value null at
    'executionRoleArn' failed to satisfy constraint: Member must not be null

Members are named by their path with lists as ``name.N.member`` (1-based). AWS's JSON
protocols ignore unknown members, so unknown-field violations are left out; a value of the
wrong JSON type never reaches validation there and is a ``SerializationException``.

Alibaba's error-code page is not among our sources: the codes below (``MissingParameter``,
``InvalidParameter``) are Alibaba Cloud's common codes, chosen and documented in
docs/service-errors.md. The SDK reads ``code``, ``message`` and ``requestId`` from the body.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core import pointers
from ..core.validation import Violation


@dataclass(frozen=True)
class ServiceError:
    status: int
    code: str  # AWS: the x-amzn-ErrorType; Alibaba: the body's code
    message: str


def aws_error(violations: Sequence[Violation]) -> ServiceError | None:
    """The error AWS answers for these violations, or None when AWS would accept the request."""
    relevant = [v for v in violations if v.keyword != "additionalProperties"]
    if not relevant:
        return None
    wrong_types = [v for v in relevant if v.keyword == "type"]
    if wrong_types:
        first = wrong_types[0]
        return ServiceError(400, "SerializationException", f"Unexpected value type at '{_aws_path(first.pointer)}'")
    return ServiceError(400, "ValidationException", aws_validation_message(relevant))


def aws_validation_message(violations: Sequence[Violation]) -> str:
    items = [_aws_item(v) for v in violations if v.keyword not in ("additionalProperties", "type")]
    count = len(items)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: " + "; ".join(items)


def alibaba_error(violations: Sequence[Violation]) -> ServiceError | None:
    """The code and message the emulator answers for Alibaba, or None when nothing is wrong."""
    if not violations:
        return None
    first = violations[0]
    name = _dotted(first.pointer)
    if first.keyword == "required":
        return ServiceError(400, "MissingParameter", f"The input parameter '{name}' that is mandatory is not supplied.")
    return ServiceError(400, "InvalidParameter", f"The specified parameter '{name}' is not valid: {first.message}")


def _aws_item(violation: Violation) -> str:
    path = _aws_path(violation.pointer)
    if violation.keyword == "required":
        return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
    value = "" if violation.sensitive else f" {_aws_value(violation.instance)}"
    return f"Value{value} at '{path}' failed to satisfy constraint: {_aws_constraint(violation)}"


def _aws_constraint(violation: Violation) -> str:
    keyword, limit = violation.keyword, violation.constraint
    texts = {
        "maxLength": f"Member must have length less than or equal to {limit}",
        "minLength": f"Member must have length greater than or equal to {limit}",
        "maxItems": f"Member must have length less than or equal to {limit}",
        "minItems": f"Member must have length greater than or equal to {limit}",
        "maxProperties": f"Member must have length less than or equal to {limit}",
        "minProperties": f"Member must have length greater than or equal to {limit}",
        "maximum": f"Member must have value less than or equal to {limit}",
        "minimum": f"Member must have value greater than or equal to {limit}",
        "pattern": f"Member must satisfy regular expression pattern: {limit}",
    }
    if keyword == "enum":
        return f"Member must satisfy enum value set: [{', '.join(str(c) for c in limit)}]"
    if keyword == "propertyNames":
        inner = Violation("", limit["keyword"], "", limit["value"], "", "")
        return f"Map keys must satisfy constraint: [{_aws_constraint(inner)}]"
    if violation.union:
        return "Member must have exactly one member set"
    return texts.get(keyword, violation.message)


def _aws_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, list):
        return "'[" + ", ".join(str(v) for v in value) + "]'"
    if isinstance(value, dict):
        return "'{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
    return f"'{json.dumps(value)}'"


def _aws_path(pointer: str) -> str:
    parts = []
    for part in pointers.split(pointer):
        parts.append(f"{part + 1}.member" if isinstance(part, int) else str(part))
    return ".".join(parts)


def _dotted(pointer: str) -> str:
    return ".".join(str(p) for p in pointers.split(pointer)) or "body"
