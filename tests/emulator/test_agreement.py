"""One truth for the validator and the emulator: each request is refused by the one exactly when by the other.

Generated valid and invalid wire requests (breaking one constraint each, the services' own rules
included) go to the emulator in process. A valid one is never refused as invalid (a run id that
does not exist may be not found); an invalid one is refused as invalid, naming the field the
validator names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobrun_contracts import operations, validate
from jobrun_contracts.conformance.expectations import error_of
from jobrun_contracts.core import registry
from jobrun_contracts.emulator import Emulator
from jobrun_contracts.strategies import invalid_requests, requests
from jobrun_contracts.wire.codec import encode

INVALID_CODES = {"ValidationException", "SerializationException", "InvalidParameter", "MissingParameter"}
CASES = [
    (api, op.name)
    for api in registry.APIS
    for op in operations(api)
    if op.name.endswith("JobRun") or op.name.endswith("JobRuns")
]
EMULATOR = Emulator()


def send(api: str, operation: str, instance: dict[str, Any]) -> tuple[int, str | None, str | None]:
    request = encode(registry.operation(api, operation), instance, "localhost")
    response = EMULATOR(request)
    body = json.loads(response.body) if response.body.startswith(b"{") else None
    code, message = error_of(api, response, body)
    return response.status, code, message


def in_default_container(api: str, instance: dict[str, Any]) -> dict[str, Any]:
    parameter = registry.CONTAINER_PARAMETER[api]
    return {**instance, parameter: EMULATOR.defaults[api]} if parameter in instance else instance


def _not_found(message: str | None) -> bool:
    """EMR on EKS answers a cancel of a run it does not have with a ValidationException (its model
    declares no not-found error there): a state, not a shape."""
    return bool(message) and ("does not exist" in str(message) or "doesn't exist" in str(message))


def _members(api: str, operation: str) -> set[str]:
    return {f.name for f in registry.operation(api, operation).fields}


def wire_path(pointer: str, api: str) -> str:
    """How the service's message names a field: AWS joins members with '.', Alibaba names the member."""
    parts = [p for p in pointer.split("/")[1:] if not p.isdigit()]
    return ".".join(parts) if api in registry.SIGNING_NAME else (parts[-1] if parts else "")


@pytest.mark.parametrize(("api", "operation"), CASES)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_a_valid_request_is_never_refused_as_invalid(api: str, operation: str, data: st.DataObject) -> None:
    drawn = data.draw(requests(api, operation, wire=True))
    # What the service's state decides is left out, so that a valid request must be accepted: a page
    # token is valid only as issued, a job template must exist, an EMR on EKS release must exist.
    state = {"nextToken", "jobTemplateId", "jobTemplateParameters"}
    instance = in_default_container(api, {k: v for k, v in drawn.items() if k not in state})
    if api == "aws-emr-containers" and "releaseLabel" in instance:
        instance["releaseLabel"] = "emr-6.15.0-latest"
    assert validate(instance, api=api, operation=operation, wire=True, strict=False) == []
    status, code, message = send(api, operation, instance)
    if operation.startswith(("Start", "List")):  # nothing named in them can be missing
        assert status == 200, (instance, status, code, message)
    else:  # a run id drawn at random does not exist
        assert not (status == 400 and code in INVALID_CODES and not _not_found(message)), (instance, code, message)


@pytest.mark.parametrize(("api", "operation"), CASES)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_an_invalid_request_is_refused_naming_the_field(api: str, operation: str, data: st.DataObject) -> None:
    instance, expected = data.draw(invalid_requests(api, operation, wire=True))
    violations = validate(instance, api=api, operation=operation, wire=True, strict=False)
    if expected["keyword"] == "additionalProperties":  # unknown members: the services ignore them
        assert violations == []
        return
    member = expected["pointer"].split("/")[1] if expected["pointer"] else ""
    on_the_wire = (
        registry.operation(api, operation).field(member).location if member in _members(api, operation) else "body"
    )
    if expected["keyword"] == "type" and on_the_wire != "body":  # a path or query value travels as text
        return
    assert (expected["pointer"], expected["keyword"]) in [(v.pointer, v.keyword) for v in violations]
    status, code, message = send(api, operation, instance)
    # Alibaba's List calls name an unknown workspace with an empty code (its EMR Spark skill)
    empty_code = api == "alibaba-emr-serverless-spark" and operation.startswith("List") and status == 404
    assert status in (400, 404) and (code is not None or empty_code), (instance, status, code, message)
    if status == 400:
        assert code in INVALID_CODES, (instance, code, message)
        names = wire_path(expected["pointer"], api).split(".")[-2:]  # a map value is named by its map
        assert any(n in (message or "") for n in names) or code == "SerializationException", (expected, message)
