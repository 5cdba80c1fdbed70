"""Generated values are what they claim: valid ones validate, invalid ones break exactly one thing."""

from __future__ import annotations

import importlib
import json
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from jobrun_contracts import APIS, operations, validate
from jobrun_contracts.core import registry
from jobrun_contracts.core.shapes import conditional_members
from jobrun_contracts.generation.compiler import SchemaCompiler
from jobrun_contracts.generation.consistency import fixer
from jobrun_contracts.generation.invalid import site_strategy, sites
from jobrun_contracts.generation.realistic import USUAL, providers
from jobrun_contracts.strategies import examples, invalid_requests, requests, responses
from support import without_added_empty_lists

OPERATIONS = [(api, op.name) for api in APIS for op in operations(api)]
IDS = [f"{api}::{name}" for api, name in OPERATIONS]
AWS_SERVICES = {"aws-emr-serverless": "emr-serverless", "aws-emr-containers": "emr-containers"}


@pytest.mark.parametrize(("api", "operation"), OPERATIONS, ids=IDS)
@pytest.mark.parametrize("wire", [False, True], ids=["spec", "wire"])
def test_generated_requests_are_valid(api: str, operation: str, wire: bool) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
    @given(requests(api, operation, wire=wire))
    def check(request: dict[str, Any]) -> None:
        assert validate(request, api=api, operation=operation, wire=wire) == []
        token = registry.operation(api, operation).idempotency_token
        if wire and token is not None and token.required:
            assert token.name in request

    check()


@pytest.mark.parametrize(("api", "operation"), OPERATIONS, ids=IDS)
def test_generated_responses_are_valid_and_consistent(api: str, operation: str) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
    @given(responses(api, operation))
    def check(response: dict[str, Any]) -> None:
        assert validate(response, api=api, operation=operation, direction="response", strict=True) == []
        for run in [response.get("jobRun"), *(response.get("jobRuns") or [])]:
            if not isinstance(run, dict):
                continue
            if api == "aws-emr-serverless" and {"arn", "applicationId"} <= set(run):
                run_id = run.get("jobRunId", run.get("id"))
                assert run["arn"].endswith(f"/applications/{run['applicationId']}/jobruns/{run_id}")
            if api == "aws-emr-serverless" and "endedAt" in run:
                assert run["createdAt"] <= run["endedAt"]
            if api == "alibaba-emr-serverless-spark" and "endTime" in run and "submitTime" in run:
                assert run["submitTime"] <= run["endTime"]
            serverless_summary = api == "aws-emr-serverless" and run is not response.get("jobRun")  # no end time
            terminal = {"SUCCESS", "COMPLETED", "Success", "FAILED", "Failed", "CANCELLED", "Cancelled"}
            if run.get("state") in terminal and not serverless_summary:
                assert {"endedAt", "finishedAt", "endTime"} & set(run)

    check()


@pytest.mark.parametrize(("api", "operation"), OPERATIONS, ids=IDS)
def test_invalid_requests_break_exactly_their_constraint(api: str, operation: str) -> None:
    @settings(suppress_health_check=list(HealthCheck), deadline=None)
    @given(invalid_requests(api, operation))
    def check(pair: tuple[dict[str, Any], dict[str, str]]) -> None:
        instance, expected = pair
        found = [(v.pointer, v.keyword) for v in validate(instance, api=api, operation=operation)]
        assert found == [(expected["pointer"], expected["keyword"])]

    check()


def check_site(api: str, operation: str, index: int, wire: bool) -> None:
    keyword = sites(api, operation, wire)[index].keyword

    @settings(max_examples=1, phases=[Phase.generate], suppress_health_check=list(HealthCheck), deadline=None)
    @given(site_strategy(api, operation, index, wire=wire))
    def check(pair: tuple[dict[str, Any], dict[str, str]]) -> None:
        instance, expected = pair
        assert expected["keyword"] == keyword
        found = [(v.pointer, v.keyword) for v in validate(instance, api=api, operation=operation, wire=wire)]
        assert found == [(expected["pointer"], expected["keyword"])]

    check()


@pytest.mark.parametrize(("api", "operation"), OPERATIONS, ids=IDS)
def test_every_constraint_site_can_be_broken_alone(api: str, operation: str) -> None:
    """Each site of the schema (length, size, value, pattern, enum, union, type, required, unknown)."""
    for wire in (False, True):
        listed = sites(api, operation, wire)
        assert listed
        for index in range(len(listed)):
            check_site(api, operation, index, wire)


def test_site_kinds_cover_the_schema() -> None:
    kinds = {site.keyword for site in sites("aws-emr-serverless", "StartJobRun", True)}
    assert kinds >= {
        "maxLength", "pattern", "enum", "minimum", "maximum", "maxItems", "maxProperties", "minProperties",
        "propertyNames", "type", "required", "additionalProperties",
    }  # fmt: skip
    wire_only = {(s.path, s.keyword) for s in sites("aws-emr-serverless", "StartJobRun", True)} - {
        (s.path, s.keyword) for s in sites("aws-emr-serverless", "StartJobRun", False)
    }
    assert wire_only == {(("clientToken",), "required")}


@pytest.mark.parametrize(
    ("condition", "label"),
    [
        (lambda r: len(r.get("tags", {})) == 200, "200 tags"),
        (lambda r: len(r.get("clientToken", "")) == 64, "a 64-character token"),
        (
            lambda r: len(r.get("configurationOverrides", {}).get("applicationConfiguration", [])) == 100,
            "100 configurations",
        ),
        (lambda r: r.get("executionTimeoutMinutes") == 1_000_000, "the maximum timeout"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_limits_are_drawn(condition: Any, label: str) -> None:
    drawn = examples(requests("aws-emr-serverless", wire=True), 300, seed=1)
    assert any(condition(r) for r in drawn), label


def test_realistic_specs_look_real_and_weigh_kilobytes() -> None:
    drawn = examples(requests("aws-emr-serverless"), 200, seed=2)
    drivers = [r["jobDriver"]["sparkSubmit"] for r in drawn if "sparkSubmit" in r.get("jobDriver", {})]
    assert sum(d["entryPoint"].startswith("s3://") for d in drivers) > len(drivers) // 2
    assert any("--conf spark." in d.get("sparkSubmitParameters", "") for d in drivers)
    sizes = sorted(len(json.dumps(r)) for r in drawn)
    assert sizes[len(sizes) // 2] > 1000
    alibaba = examples(requests("alibaba-emr-serverless-spark"), 100, seed=2)
    points = [
        r["jobDriver"]["sparkSubmit"].get("entryPoint", "") for r in alibaba if "sparkSubmit" in r.get("jobDriver", {})
    ]
    assert any(p.startswith("oss://") for p in points)


@pytest.mark.parametrize(("api", "operation"), OPERATIONS, ids=IDS)
def test_responses_are_consistent_without_the_safety_filter(api: str, operation: str) -> None:
    """The fix-ups keep responses valid by themselves: the filter in ``responses`` only guards."""
    raw = SchemaCompiler(api, "response", wire=False, provider=providers(api).get, usual=USUAL).root(operation)
    for response in examples(raw.map(fixer(api, operation)), 100, seed=6):
        assert validate(response, api=api, operation=operation, direction="response", strict=True) == []


@pytest.mark.parametrize("api", APIS)
def test_shrinking_reaches_the_simplest_request(api: str) -> None:
    """Each member shrinks on its own: to nothing if optional, else to its simplest value."""
    schema = registry.schema(api, "StartJobRun", "request")
    required = (set(schema.get("required", ())) | conditional_members(schema)) - {"clientToken"}
    simplest = find(requests(api), lambda request: True, settings=settings(database=None))
    assert set(simplest) == required
    with_tags = find(
        requests(api), lambda request: len(request.get("tags") or ()) >= 2, settings=settings(database=None)
    )
    assert set(with_tags) == required | {"tags"}
    assert validate(with_tags, api=api) == []


def test_examples_are_reproducible() -> None:
    first = examples(requests("aws-emr-containers"), 20, seed=7)
    assert first == examples(requests("aws-emr-containers"), 20, seed=7)
    assert first != examples(requests("aws-emr-containers"), 20, seed=8)
    assert len(first) == 20


@pytest.mark.parametrize("api", sorted(AWS_SERVICES))
def test_botocore_serializes_valid_requests_where_the_schema_says(api: str) -> None:
    import botocore.session
    from botocore.serialize import create_serializer
    from botocore.validate import validate_parameters

    model = botocore.session.get_session().get_service_model(AWS_SERVICES[api])
    serializer = create_serializer("rest-json", include_validation=False)
    for op in operations(api):
        operation_model = model.operation_model(op.name)
        for request in examples(requests(api, op.name, wire=True), 25, seed=3):
            validate_parameters(request, operation_model.input_shape)
            wire = serializer.serialize_to_request(request, operation_model)
            body = json.loads(wire["body"]) if wire["body"] else {}
            path = unquote(wire["url_path"])
            for field in op.fields:
                if field.name not in request:
                    continue
                if field.location == "path":
                    assert f"/{request[field.name]}" in path
                elif field.location == "query":
                    assert field.wire_name in wire["query_string"]
                else:
                    assert field.wire_name in body


@pytest.mark.parametrize("operation", [op.name for op in operations("alibaba-emr-serverless-spark")])
def test_alibaba_sdk_request_models_round_trip(operation: str) -> None:
    models = importlib.import_module("alibabacloud_emr_serverless_spark20230808.models")
    op = registry.operation("alibaba-emr-serverless-spark", operation)
    for request in examples(requests("alibaba-emr-serverless-spark", operation), 50, seed=4):
        body = {k: v for k, v in request.items() if op.field(k).location != "path"}
        mapped = getattr(models, f"{operation}Request")().from_map(body).to_map()
        assert without_added_empty_lists(mapped, body) == body


def test_strategies_compose() -> None:
    pair = st.tuples(requests("aws-emr-serverless", "GetJobRun"), responses("aws-emr-serverless", "GetJobRun"))
    (request, response) = examples(pair, 1, seed=5)[0]
    assert "applicationId" in request and "jobRun" in response
