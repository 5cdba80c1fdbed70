"""Encoding an operation's input as an HTTP request and decoding it back loses nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobrun_contracts.core import registry
from jobrun_contracts.core.formats import iso8601_seconds
from jobrun_contracts.strategies import requests
from jobrun_contracts.wire.codec import BodyError, decode, encode, known_members, match, split_target

OPERATIONS = [(op.api, op.name) for api in registry.APIS for op in registry.operations(api)]


def _round_trip(api: str, name: str, instance: dict[str, Any]) -> dict[str, Any]:
    operation = registry.operation(api, name)
    request = encode(operation, instance, "example.com")
    segments, query = split_target(request.target)
    path = match(operation.uri, segments)
    assert path is not None, request.target
    return decode(operation, path, query, request.body)


def _same_time(a: Any, b: Any) -> bool:
    seconds = [float(v) if isinstance(v, (int, float)) else iso8601_seconds(v) for v in (a, b)]
    return abs(seconds[0] - seconds[1]) < 1e-3


@pytest.mark.parametrize(("api", "name"), OPERATIONS)
@settings(max_examples=30)
@given(data=st.data())
def test_every_valid_request_survives_the_wire(api: str, name: str, data: st.DataObject) -> None:
    instance = data.draw(requests(api, name, wire=True))
    decoded = _round_trip(api, name, instance)
    operation = registry.operation(api, name)
    for field in operation.fields:
        if field.name not in instance:
            assert field.name not in decoded
            continue
        expected = instance[field.name]
        if field.location == "query" and isinstance(expected, list) and not expected and field.wire_encoding is None:
            assert field.name not in decoded  # an empty list sends no key at all, as botocore does
        elif registry.schema(api, name, "request")["properties"][field.name].get("format") == "iso8601-timestamp":
            assert _same_time(decoded[field.name], expected)
        else:
            assert decoded[field.name] == expected, field.name


def test_an_encoded_slash_and_odd_characters_stay_in_their_path_parameter() -> None:
    decoded = _round_trip("aws-emr-serverless", "GetJobRun", {"applicationId": "a/b c%", "jobRunId": "ü?#"})
    assert decoded == {"applicationId": "a/b c%", "jobRunId": "ü?#"}


def test_wrong_types_travel_as_their_json_text() -> None:
    operation = registry.operation("aws-emr-serverless", "ListJobRuns")
    request = encode(operation, {"applicationId": 12, "maxResults": "many", "states": ["RUNNING", "FAILED"]}, "h")
    assert request.target == "/applications/12/jobruns?maxResults=many&states=RUNNING&states=FAILED"
    assert request.body == b""


def test_known_members_drops_unknown_members_at_any_depth_and_keeps_map_keys() -> None:
    """What a service's deserialiser keeps: declared members, every key of a map, a wrong type for validation."""
    operation = registry.operation("aws-emr-serverless", "StartJobRun")
    configuration = {"classification": "c", "properties": {"any.key": "v"}, "configurations": [{"classification": "d"}]}
    instance = {
        "applicationId": "a",
        "extra": 1,
        "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/c.py", "extra": 2}, "extra": 3},
        "tags": {"any-key": "v"},
        "configurationOverrides": {
            "applicationConfiguration": [
                {**configuration, "configurations": [{"classification": "d", "extra": 4}], "extra": 5}
            ]
        },
        "name": {"wrong": "type"},
    }
    assert known_members(operation, instance) == {
        "applicationId": "a",
        "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/c.py"}},
        "tags": {"any-key": "v"},
        "configurationOverrides": {"applicationConfiguration": [configuration]},
        "name": {"wrong": "type"},
    }


def test_known_members_refuses_nesting_too_deep_to_walk_as_a_body_error() -> None:
    operation = registry.operation("aws-emr-serverless", "StartJobRun")
    configuration: dict[str, Any] = {"classification": "c"}
    for _ in range(5000):
        configuration = {"classification": "c", "configurations": [configuration]}
    with pytest.raises(BodyError, match="nested too deeply"):
        known_members(operation, {"configurationOverrides": {"applicationConfiguration": [configuration]}})
