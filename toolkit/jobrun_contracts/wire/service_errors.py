"""Render violations the way each service reports them, so an emulator can answer like the real one.

AWS (Coral/Smithy validation) answers ``ValidationException`` with a message of this form,
seen in the wild for many services::

    2 validation errors detected: Value 'my_app' at 'applicationId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [0-9a-z]+; Value null at
    'executionRoleArn' failed to satisfy constraint: Member must not be null

Members are named by their path with lists as ``name.N.member`` (1-based). AWS's JSON
protocols ignore unknown members, so unknown-field violations are left out; a value of the
wrong JSON type never reaches validation there and is a ``SerializationException``. A map's
values and keys are reported once at the map's path, with every constraint of the value (or key)
shape, as AWS words it (``Value at 'pipeline.stages.2.member.actions.1.member.configuration'
failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less
than or equal to 50000, Member must have length greater than or equal to 1]``, quoted in
hashicorp/terraform-provider-aws#41023; ``Map keys must satisfy constraint: [...]`` in boto/boto3#2601).

No message carries a sensitive value (``x-sensitive``, botocore's ``sensitive``): a violation
at or under a sensitive shape is shown without its value, a structure holding one is shown with
it hidden (``core.sensitive``), and a map value is never quoted (AWS's own message leaves it out).

Alibaba's error-code page is not among our sources: the codes below (``MissingParameter``,
``InvalidParameter``) are Alibaba Cloud's common codes, chosen and documented in
docs/service-errors.md. The SDK reads ``code``, ``message`` and ``requestId`` from the body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import pointers
from ..core.sensitive import Place, place_of, safe_violation
from ..core.validation import Violation

_FAILED = "failed to satisfy constraint"


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
    items: list[str] = []
    maps: set[tuple[str, str]] = set()  # (map pointer, "value" or "keys"): each reported once
    for violation in violations:
        if violation.keyword in ("additionalProperties", "type"):
            continue
        place = place_of(violation)
        if place is not None and place.map_pointer is not None and violation.keyword != "required":
            if (place.map_pointer, "value") not in maps:
                maps.add((place.map_pointer, "value"))
                items.append(_aws_map_value(place))
            continue
        if violation.keyword == "propertyNames":
            if (violation.pointer, "keys") in maps:
                continue
            maps.add((violation.pointer, "keys"))
        items.append(_aws_item(safe_violation(violation, place=place), place))
    count = len(items)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: " + "; ".join(items)


def alibaba_error(violations: Sequence[Violation]) -> ServiceError | None:
    """The code and message the emulator answers for Alibaba, or None when nothing is wrong."""
    if not violations:
        return None
    first = safe_violation(violations[0])
    name = _dotted(first.pointer)
    if first.keyword == "required":
        return ServiceError(400, "MissingParameter", f"The input parameter '{name}' that is mandatory is not supplied.")
    return ServiceError(400, "InvalidParameter", f"The specified parameter '{name}' is not valid: {first.message}")


def _aws_item(violation: Violation, place: Place | None = None) -> str:
    path = _aws_path(violation.pointer)
    if violation.keyword == "required":
        return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
    value = "" if violation.sensitive else f" {_aws_value(violation.instance)}"
    if violation.keyword == "propertyNames" and place is not None and place.node is not None:
        keys = place.node.keys
        constraints = _aws_constraints(keys.schema) if keys is not None else []
        if constraints:
            listed = ", ".join(constraints)
            return f"Value{value} at '{path}' {_FAILED}: Map keys must satisfy constraint: [{listed}]"
    if violation.keyword == "pattern" and _is_eks_arn(violation):
        # EMR on EKS's own words (Common errors when running jobs): "Value {Role} at 'executionRoleArn'
        # failed to satisfy the ARN regular expression pattern: ^arn:(aws[a-zA-Z0-9-]*):iam::..."
        return f"Value{value} at '{path}' failed to satisfy the ARN regular expression pattern: {violation.constraint}"
    return f"Value{value} at '{path}' {_FAILED}: {_aws_constraint(violation)}"


def _is_eks_arn(violation: Violation) -> bool:
    """The page quotes the role ARN only; other ARNs (KMS keys) keep AWS's usual wording."""
    return "/schemas/aws-emr-containers/" in violation.schema_path and "/$defs/IAMRoleArn/" in violation.schema_path


def _aws_map_value(place: Place) -> str:
    """One map's bad values, at the map's path, never quoted: AWS's own wording."""
    path = _aws_path(place.map_pointer or "")
    constraints = _aws_constraints(place.node.schema) if place.node is not None else []
    return f"Value at '{path}' {_FAILED}: Map value must satisfy constraint: [{', '.join(constraints)}]"


def _aws_constraints(schema: Mapping[str, Any]) -> list[str]:
    """Every constraint of a shape in the order AWS lists them: the maximum, the minimum, the pattern."""
    found = []
    for keyword in ("maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "pattern", "enum"):
        if keyword in schema:
            found.append(_aws_constraint(Violation("", keyword, "", schema[keyword], "", "")))
    return found


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
