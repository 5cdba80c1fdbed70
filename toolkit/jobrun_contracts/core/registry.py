"""The catalogue: which APIs and operations exist, their HTTP shape, and their schemas as resources.

Everything is read from the schema files, so adding an operation is adding its two files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from ..errors import UsageError
from . import resources as _resources
from . import service_rules
from .suggest import did_you_mean

if TYPE_CHECKING:
    import referencing

Direction = Literal["request", "response"]

APIS = ("aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark")

#: The path parameter that names each API's container; a document that carries it says its API.
CONTAINER_PARAMETER = {
    "aws-emr-serverless": "applicationId",
    "aws-emr-containers": "virtualClusterId",
    "alibaba-emr-serverless-spark": "workspaceId",
}

#: The service name each AWS API signs for (SigV4's credential scope); Alibaba signs with ACS3.
SIGNING_NAME = {"aws-emr-serverless": "emr-serverless", "aws-emr-containers": "emr-containers"}

#: The member that names a run: in StartJobRun's response and in the Get/Describe/Cancel requests.
RUN_ID = {"aws-emr-serverless": "jobRunId", "aws-emr-containers": "id", "alibaba-emr-serverless-spark": "jobRunId"}

_VERB_ORDER = ("Start", "Get", "Describe", "List", "Cancel")


@dataclass(frozen=True)
class Field:
    """A top-level request member and where it travels on the wire."""

    name: str
    location: Literal["path", "query", "header", "body"]
    wire_name: str
    required: bool
    idempotency_token: bool = False
    wire_encoding: str | None = None  # "json": an array or object sent as a JSON string


@dataclass(frozen=True)
class Operation:
    api: str
    name: str
    method: str
    uri: str
    status: int
    errors: Mapping[str, int]
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def idempotency_token(self) -> Field | None:
        return next((f for f in self.fields if f.idempotency_token), None)


def check_api(api: str) -> str:
    if api not in APIS:
        raise UsageError(f"unknown API '{api}'{did_you_mean(api, APIS)}; choose from {', '.join(APIS)}")
    return api


@cache
def operations(api: str) -> tuple[Operation, ...]:
    check_api(api)
    names = {n.split(".")[0] for n in _resources.schema_names(api) if n.endswith(".request.json")}
    ordered = sorted(names, key=lambda n: (next((i for i, v in enumerate(_VERB_ORDER) if n.startswith(v)), 99), n))
    return tuple(_load_operation(api, name) for name in ordered)


def operation(api: str, name: str) -> Operation:
    found = {op.name: op for op in operations(api)}
    if name not in found:
        raise UsageError(f"{api} has no operation '{name}'{did_you_mean(name, found)}; choose from {', '.join(found)}")
    return found[name]


def _load_operation(api: str, name: str) -> Operation:
    request = schema(api, name, "request")
    http = request["x-http"]
    required = set(request.get("required", ()))
    fields = tuple(
        Field(
            name=member,
            location=spec.get("x-location", "body"),
            wire_name=spec.get("x-wire-name", member),
            required=member in required,
            idempotency_token=bool(spec.get("x-idempotency-token")),
            wire_encoding=spec.get("x-wire-encoding"),
        )
        for member, spec in request["properties"].items()
    )
    return Operation(api, name, http["method"], http["uri"], http["status"], dict(http["errors"]), fields)


def schema(api: str, operation_name: str, direction: Direction, *, reference_only: bool = False) -> dict[str, Any]:
    """The schema document of one side of one operation, with the services' own rules applied
    (``schemas/service-rules.json``) unless ``reference_only`` (do not mutate)."""
    check_api(api)
    if direction not in ("request", "response"):
        raise UsageError(f"direction must be 'request' or 'response', not '{direction}'")
    if operation_name not in {n.split(".")[0] for n in _resources.schema_names(api)}:
        operation(api, operation_name)  # raises with a hint
    return service_rules.document(api, f"{operation_name}.{direction}.json", reference_only=reference_only)


def resources(api: str, *, reference_only: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Every schema document of an API keyed by its ``$id``, for building a registry."""
    check_api(api)
    names = _resources.schema_names(api)
    documents = (service_rules.document(api, n, reference_only=reference_only) for n in names)
    return [(doc["$id"], doc) for doc in documents]


@cache
def referencing_registry(api: str, *, reference_only: bool = False) -> referencing.Registry[Any]:
    """A ``referencing`` registry of the API's schemas, for walking them from Python."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return (
        Registry()
        .with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in resources(api, reference_only=reference_only)
        )
        .crawl()
    )


def detect_api(document: Any) -> str | None:
    """The API a document is for, told by its container path parameter, or None."""
    if not isinstance(document, Mapping):
        return None
    found = [api for api, parameter in CONTAINER_PARAMETER.items() if parameter in document]
    return found[0] if len(found) == 1 else None
