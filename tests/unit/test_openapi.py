"""The OpenAPI documents: valid OpenAPI 3.1, each member in its wire place, read by tools as our validator reads it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.specs.openapi.formats import unregister_string_format

from jobrun_contracts import APIS, Operation, UsageError, operations, validate
from jobrun_contracts.core import formats as _formats
from jobrun_contracts.core import registry
from jobrun_contracts.core.patterns import compile_pattern
from jobrun_contracts.openapi import openapi_document
from jobrun_contracts.wire import codec
from support import ROOT

FIXTURES = ROOT / "fixtures"
AWS = [api for api in APIS if api.startswith("aws-")]
ALIBABA = "alibaba-emr-serverless-spark"
HERE = "urn:jobrun-contracts:openapi"  # where the whole document sits in the test registry
BASE_URL = "http://127.0.0.1:9"
DRAWS = settings(
    max_examples=25, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


def item(document: dict[str, Any], op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][op.uri][op.method.lower()]
    return found


def pointer(*parts: str | int) -> str:
    """A JSON pointer as a URI fragment (so ``{`` and ``}`` of URI templates are percent-encoded)."""
    return quote("".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts), safe="/~")


def errors(document: dict[str, Any], where: str, instance: Any) -> list[str]:
    """Messages of ``instance`` against the schema at JSON pointer ``where``, refs resolved over the whole document."""
    formats = FormatChecker()
    for name, check in _formats.CHECKERS.items():
        formats.checks(name)(lambda value, check=check: not isinstance(value, str) or check(value))
    refs = Registry().with_resource(HERE, Resource(contents=document, specification=DRAFT202012))
    checker = Draft202012Validator({"$ref": f"{HERE}#{where}"}, registry=refs, format_checker=formats)
    return [error.message for error in checker.iter_errors(instance)]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].removeprefix("#/components/schemas/")]
    return schema


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the document, annotations included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def parameter_schema(parameter: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (
        parameter["schema"] if "schema" in parameter else parameter["content"]["application/json"]["schema"]
    )
    return found


# -- the document --------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_document_is_valid_openapi_3_1(api: str) -> None:
    document = openapi_document(api)
    OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"
    assert document["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["info"]["version"] == metadata.version("jobrun-contracts")


@pytest.mark.parametrize("api", APIS)
def test_every_operation_is_at_its_method_and_path(api: str) -> None:
    document = openapi_document(api)
    found = {
        (path, method): op["operationId"]
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }
    assert found == {(op.uri, op.method.lower()): op.name for op in operations(api)}


@pytest.mark.parametrize("api", APIS)
def test_path_and_query_members_are_parameters_under_their_wire_names(api: str) -> None:
    document = openapi_document(api)
    for op in operations(api):
        parameters = {(p["in"], p["name"]): p for p in item(document, op).get("parameters", [])}
        expected = {(f.location, f.wire_name): f for f in op.fields if f.location != "body"}
        assert set(parameters) == set(expected), op.name
        for key, field in expected.items():
            assert parameters[key]["x-member"] == field.name
            assert parameters[key]["required"] is (field.location == "path" or field.required)
        assert set(re.findall(r"{(\w+)}", op.uri)) == {name for where, name in parameters if where == "path"}
        body = {f.wire_name for f in op.fields if f.location == "body"}
        assert not body & {name for _, name in parameters}, op.name


def test_emr_on_eks_sends_the_run_id_as_job_run_id_in_the_path() -> None:
    document = openapi_document("aws-emr-containers")
    op = registry.operation("aws-emr-containers", "DescribeJobRun")
    (run_id,) = [p for p in item(document, op)["parameters"] if p["x-member"] == "id"]
    assert (run_id["name"], run_id["in"], run_id["required"]) == ("jobRunId", "path", True)


@pytest.mark.parametrize("api", APIS)
def test_body_members_are_the_request_body(api: str) -> None:
    document = openapi_document(api)
    for op in operations(api):
        body = [f for f in op.fields if f.location == "body"]
        found = item(document, op)
        if not body:
            assert "requestBody" not in found, op.name
            continue
        assert found["requestBody"]["required"] is any(f.required for f in body)
        schema = resolve(document, found["requestBody"]["content"]["application/json"]["schema"])
        request = registry.schema(api, op.name, "request")
        assert set(schema["properties"]) == {f.wire_name for f in body}
        assert schema.get("required", []) == [f.wire_name for f in body if f.required]
        assert request["additionalProperties"] is False
        assert "additionalProperties" not in schema and schema["x-unknown-members"] == "ignored"


@pytest.mark.parametrize("api", APIS)
def test_requests_are_open_at_every_depth_and_responses_closed(api: str) -> None:
    """The wire drops unknown request members, so the request side is open; responses keep the closed shapes."""
    document = openapi_document(api)
    schemas = document["components"]["schemas"]
    request_side: set[str] = set()
    pending = [
        node
        for op in operations(api)
        for node in (item(document, op).get("parameters", []), item(document, op).get("requestBody", {}))
    ]
    while pending:
        for node in walk(pending.pop()):
            name = node.get("$ref", "").removeprefix("#/components/schemas/").split("/")[0]
            if name and name not in request_side:
                request_side.add(name)
                pending.append(schemas[name])
    assert request_side
    for name in request_side:
        assert not [node for node in walk(schemas[name]) if node.get("additionalProperties") is False], name
    opened = [name for name in request_side if name.endswith(".request")]
    assert opened
    for name in opened:
        closed = schemas.get(name.removesuffix(".request"))
        assert closed != schemas[name]  # a shape that responses use too keeps its closed form for them
    assert any(node.get("x-unknown-members") == "ignored" for name in opened for node in walk(schemas[name]))
    for op in operations(api):
        response = item(document, op)["responses"][str(op.status)]["content"]["application/json"]["schema"]
        assert resolve(document, response)["additionalProperties"] is False


def test_lists_travel_as_each_service_sends_them() -> None:
    for api in AWS:
        op = registry.operation(api, "ListJobRuns")
        document = openapi_document(api)
        (states,) = [p for p in item(document, op)["parameters"] if p["name"] == "states"]
        assert (states["style"], states["explode"]) == ("form", True)  # states=A&states=B
        assert resolve(document, states["schema"])["type"] == "array"
    op = registry.operation(ALIBABA, "ListJobRuns")
    parameters = item(openapi_document(ALIBABA), op)["parameters"]
    encoded = {p["name"] for p in parameters if "content" in p}
    assert (
        encoded
        == {f.wire_name for f in op.fields if f.wire_encoding == "json"}
        == {
            "states",
            "tags",
            "startTime",
            "endTime",
        }
    )
    for parameter in parameters:
        if parameter["name"] in encoded:  # states=["Running","Submitted"], one key
            assert list(parameter["content"]) == ["application/json"]
            assert "schema" not in parameter and "style" not in parameter


@pytest.mark.parametrize("api", AWS)
def test_a_union_counts_only_the_members_it_names_on_the_request_side(api: str) -> None:
    """The wire drops unknown members before it counts, so ``minProperties``/``maxProperties`` 1 become ``oneOf``."""
    document = openapi_document(api)
    schemas = document["components"]["schemas"]
    closed, opened = schemas["JobDriver"], schemas["JobDriver.request"]
    assert (closed["minProperties"], closed["maxProperties"], closed["additionalProperties"]) == (1, 1, False)
    assert "minProperties" not in opened and "maxProperties" not in opened
    assert opened["oneOf"] == [{"required": [name]} for name in opened["properties"]]
    drivers = {
        member: value
        for path in sorted((FIXTURES / api / "StartJobRun" / "valid").glob("*.json"))
        for member, value in json.loads(path.read_text(encoding="utf-8")).get("jobDriver", {}).items()
    }
    assert set(drivers) == set(opened["properties"])
    where = "/components/schemas/JobDriver.request"
    for member, value in drivers.items():
        assert errors(document, where, {member: value, "extra": 1}) == []
    assert errors(document, where, {"extra": 1}) != []
    assert errors(document, where, drivers) != []


def test_aws_query_timestamps_are_strings_on_the_wire() -> None:
    op = registry.operation("aws-emr-serverless", "ListJobRuns")
    parameters = {p["name"]: p for p in item(openapi_document("aws-emr-serverless"), op)["parameters"]}
    schema = parameters["createdAtAfter"]["schema"]
    assert (schema["type"], schema["format"], schema["x-input-type"]) == (
        "string",
        "iso8601-timestamp",
        ["string", "number"],
    )


@pytest.mark.parametrize("api", APIS)
def test_every_reference_is_a_used_component(api: str) -> None:
    document = openapi_document(api)
    refs = {node["$ref"] for node in walk(document) if isinstance(node.get("$ref"), str)}
    assert all(ref.startswith("#/components/schemas/") for ref in refs)
    assert {ref.split("/")[3] for ref in refs} == set(document["components"]["schemas"])
    assert not [node for node in walk(document) if "$id" in node or "$schema" in node]


def test_aws_path_parameters_carry_the_shapes_pattern_and_lengths() -> None:
    for api in AWS:
        document = openapi_document(api)
        defs = next(doc for uri, doc in registry.resources(api) if uri.endswith("/shapes.json"))["$defs"]
        for op in operations(api):
            for parameter in item(document, op).get("parameters", []):  # CreateJobTemplate has none
                if parameter["in"] != "path":
                    continue
                name = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
                schema, shape = resolve(document, parameter["schema"]), defs[name]
                assert (schema["minLength"], schema["maxLength"]) == (shape["minLength"], shape["maxLength"])
                assert schema["x-service-pattern"] == shape["pattern"]
                assert re.search(schema["pattern"], "my_app") is None  # the whole value must match
                assert re.search(schema["pattern"], "00fkr3dqu9a1b20d") is not None


# -- patterns --------------------------------------------------------------------------------------

PROBES = [
    "",
    " ",
    "a",
    "my_app",
    "00fkr3dqu9a1b20d",
    "a b",
    "a\tb",
    "a\nb",
    "abc\n",
    "a\u2028b",
    "a\u2028\u2028b",
    "\u0085",
    "~&|",
    "ABC-def_1.2",
    "arn:aws:iam::123456789012:role/EMRServerlessJobRole",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "s3://bucket/jobs/etl.py",
    "\U00010000",
    "x\U0010ffff",
    "٣",
]


def pattern_pairs() -> list[tuple[str, str]]:
    pairs = {
        (node["pattern"], node["x-service-pattern"])
        for api in APIS
        for node in walk(openapi_document(api))
        if isinstance(node.get("pattern"), str) and "x-service-pattern" in node
    }
    return sorted(pairs)


def fixture_strings() -> list[str]:
    found: set[str] = set()
    for path in FIXTURES.glob("*/*/*/*.json"):
        for node in walk(json.loads(path.read_text(encoding="utf-8"))):
            found.update(value for value in node.values() if isinstance(value, str))
    return sorted(found)


def test_python_reads_each_pattern_as_the_service_does() -> None:
    pairs = pattern_pairs()
    assert len(pairs) > 20
    probes = [p for p in PROBES + fixture_strings() if not p.endswith("\n")]  # Python's $ admits a final \n
    matched = 0
    for pattern, source in pairs:
        service = compile_pattern(source)
        for probe in probes:
            assert (re.search(pattern, probe) is not None) == service.matches(probe), (source, probe)
            matched += service.matches(probe)
    assert matched > len(pairs)  # the probes are not all refused


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for ECMA-262 regular expressions")
def test_ecma_262_reads_each_pattern_as_the_service_does() -> None:
    pairs = pattern_pairs()
    probes = PROBES + fixture_strings()
    script = (
        "const {patterns, probes} = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const answers = patterns.map(p => { const r = new RegExp(p, 'u'); return probes.map(s => r.test(s)); });"
        "console.log(JSON.stringify(answers));"
    )
    stdin = json.dumps({"patterns": [p for p, _ in pairs], "probes": probes})
    result = subprocess.run(["node", "-e", script], input=stdin, capture_output=True, text=True, timeout=60, check=True)
    for (_, source), answers in zip(pairs, json.loads(result.stdout), strict=True):
        assert answers == [compile_pattern(source).matches(p) for p in probes], source


# -- fixtures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*/valid/*.json")), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_request_fixture_split_by_the_registry_fits_the_document(path: Path) -> None:
    api, name = path.parts[-4], path.parts[-3]
    op, document = registry.operation(api, name), openapi_document(api)
    at = pointer("paths", op.uri, op.method.lower())
    parameters = {p["x-member"]: (i, p) for i, p in enumerate(item(document, op).get("parameters", []))}
    body: dict[str, Any] = {}
    for member, value in json.loads(path.read_text(encoding="utf-8")).items():
        field = op.field(member)
        if field.location == "body":
            body[field.wire_name] = value
            continue
        index, parameter = parameters[member]
        inner = ("schema",) if "schema" in parameter else ("content", "application/json", "schema")
        assert errors(document, at + pointer("parameters", index, *inner), value) == [], member
    token = op.idempotency_token
    if token is not None:
        body.setdefault(token.wire_name, "filled-in-by-the-sdk")  # the document describes the wire
    if "requestBody" not in item(document, op):
        assert body == {}
        return
    where = at + pointer("requestBody", "content", "application/json", "schema")
    assert errors(document, where, body) == []
    assert errors(document, where, {**body, "notAMember": 1}) == []  # the wire drops unknown members


@pytest.mark.parametrize(
    "path", sorted(FIXTURES.glob("*/*/responses/*.json")), ids=lambda p: str(p.relative_to(FIXTURES))
)
def test_response_fixture_fits_the_success_response(path: Path) -> None:
    api, name = path.parts[-4], path.parts[-3]
    op, document = registry.operation(api, name), openapi_document(api)
    where = pointer("paths", op.uri, op.method.lower(), "responses", str(op.status), "content", "application/json")
    instance = json.loads(path.read_text(encoding="utf-8"))
    assert errors(document, where + "/schema", instance) == []
    assert errors(document, where + "/schema", {**instance, "notAMember": 1}) != []


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", AWS)
def test_aws_errors_are_named_by_their_header(api: str) -> None:
    document = openapi_document(api)
    for op in operations(api):
        declared = {**op.errors, "SerializationException": op.errors.get("SerializationException", 400)}
        responses = item(document, op)["responses"]
        assert set(responses) == {str(op.status)} | {str(status) for status in declared.values()}
        for name, status in declared.items():
            response = responses[str(status)]
            assert name in response["x-errors"]
            header = response["headers"]["x-amzn-ErrorType"]
            assert header["required"] is True
            pattern = header["schema"]["pattern"]
            for value in (name, f"{name}:http://internal.amazon.com/coral/com.amazon.coral.validate/", f"aws#{name}"):
                assert re.search(pattern, value), value
            for other in set(declared) - set(response["x-errors"]):
                assert not re.search(pattern, other)
            body = pointer("paths", op.uri, op.method.lower(), "responses", str(status), "content", "application/json")
            assert errors(document, body + "/schema", {"message": "1 validation error detected"}) == []
            assert errors(document, body + "/schema", {}) != []


def test_alibaba_errors_carry_the_body_the_sdk_reads() -> None:
    document = openapi_document(ALIBABA)
    for op in operations(ALIBABA):
        responses = item(document, op)["responses"]
        assert set(responses) == {"200", "400", "404"}
        for status in ("400", "404"):
            where = pointer("paths", op.uri, op.method.lower(), "responses", status, "content", "application/json")
            good = {"code": "InvalidParameter", "message": "The specified parameter is not valid.", "requestId": "R"}
            assert errors(document, where + "/schema", good) == []
            assert errors(document, where + "/schema", {"message": "no code"}) != []


# -- the function ------------------------------------------------------------------------------------


def test_each_call_returns_a_fresh_copy_with_the_servers_asked_for() -> None:
    first = openapi_document("aws-emr-serverless")
    first["paths"].clear()
    again = openapi_document("aws-emr-serverless")
    assert again["paths"]
    assert again["servers"][0]["url"] == "https://emr-serverless.{region}.amazonaws.com"
    assert (
        openapi_document("aws-emr-serverless", "http://127.0.0.1:8787/")["servers"][0]["url"] == "http://127.0.0.1:8787"
    )


def test_an_unknown_api_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown API 'aws-emr'"):
        openapi_document("aws-emr")


def test_the_package_needs_no_openapi_tool() -> None:
    code = (
        "import sys, jobrun_contracts.openapi as o; o.openapi_document('aws-emr-serverless');"
        "print(sorted(m for m in ('schemathesis', 'openapi_spec_validator') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


# -- schemathesis ----------------------------------------------------------------------------------


@pytest.fixture
def timestamps() -> Iterator[None]:
    """``iso8601-timestamp`` registered with schemathesis, as the module docstring tells users to."""
    strategy = st.integers(0, 10**8).map(lambda seconds: _formats.sample("iso8601-timestamp", seconds))
    schemathesis.openapi.format("iso8601-timestamp", strategy)
    yield
    unregister_string_format("iso8601-timestamp")


def wire_request(op: Operation, case: Any) -> tuple[dict[str, str], list[tuple[str, str]], bytes]:
    """The request schemathesis would send, split as the emulator reads it."""
    prepared = requests.Request(**case.as_transport_kwargs(base_url=BASE_URL)).prepare()
    url = urlsplit(prepared.url)
    segments, query = codec.split_target(url.path + (f"?{url.query}" if url.query else ""))
    path = codec.match(op.uri, segments)
    assert path is not None, prepared.url
    body = prepared.body or b""
    return path, query, body.encode() if isinstance(body, str) else body


@pytest.mark.parametrize("api", APIS)
def test_schemathesis_loads_every_operation(api: str) -> None:
    schema = schemathesis.openapi.from_dict(openapi_document(api, BASE_URL))
    found = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    assert found == {(op.method, op.uri) for op in operations(api)}


# AWS StartJobRun is left out: schemathesis spends a minute building regex strategies for its long ARN and URI patterns.
DRAWN = [(api, op.name) for api in APIS for op in operations(api) if not (api in AWS and op.method == "POST")]


@pytest.mark.parametrize(("api", "name"), DRAWN)
def test_schemathesis_draws_requests_our_validator_accepts(api: str, name: str, timestamps: None) -> None:
    op = registry.operation(api, name)
    strategy = schemathesis.openapi.from_dict(openapi_document(api, BASE_URL))[op.uri][op.method].as_strategy()

    @DRAWS
    @given(strategy)
    def check(case: Any) -> None:
        instance = codec.decode(op, *wire_request(op, case))
        # The document admits unknown members, as the wire does; once dropped, the request is valid to the letter.
        assert validate(codec.known_members(op, instance), api=api, operation=name, wire=True) == []

    check()


@pytest.mark.parametrize("api", APIS)
def test_schemathesis_sends_states_as_the_service_reads_them(api: str, timestamps: None) -> None:
    """AWS: one key per state (states=A&states=B); Alibaba: one key, a JSON list (states=["A","B"])."""
    op = registry.operation(api, "ListJobRuns")
    strategy = schemathesis.openapi.from_dict(openapi_document(api, BASE_URL))[op.uri][op.method].as_strategy()
    sent: list[list[str]] = []

    @DRAWS
    @given(strategy)
    def check(case: Any) -> None:
        path, query, body = wire_request(op, case)
        values = [value for key, value in query if key == "states"]
        decoded = codec.decode(op, path, query, body).get("states", [])
        if api == ALIBABA and values:
            (text,) = values
            values = json.loads(text)
        assert values == decoded
        sent.append(values)

    check()
    assert any(len(values) >= 2 for values in sent)


@pytest.mark.parametrize("api", AWS)
def test_negative_path_values_are_invalid_to_the_service_too(api: str) -> None:
    """What schemathesis's validator (jsonschema-rs) refuses in a path, our validator refuses, and the other way."""
    op = next(op for op in operations(api) if op.method == "GET" and "{" in op.uri.rsplit("/", 1)[-1])
    document = openapi_document(api, BASE_URL)
    index = {p["name"]: i for i, p in enumerate(item(document, op)["parameters"]) if p["in"] == "path"}
    refs = jsonschema_rs.Registry([(HERE, document)])
    checks = {
        name: jsonschema_rs.validator_for(
            {"$ref": HERE + "#" + pointer("paths", op.uri, "get", "parameters", i, "schema")}, registry=refs
        )
        for name, i in index.items()
    }
    strategy = schemathesis.openapi.from_dict(document)[op.uri][op.method].as_strategy(
        generation_mode=GenerationMode.NEGATIVE
    )
    refused = []

    @DRAWS
    @given(strategy)
    def check(case: Any) -> None:
        path, query, body = wire_request(op, case)
        flagged = {
            v.pointer for v in validate(codec.decode(op, path, query, body), api=api, operation=op.name, wire=True)
        }
        for field in (f for f in op.fields if f.location == "path"):
            service_ok = f"/{field.name}" not in flagged
            assert checks[field.wire_name].is_valid(path[field.wire_name]) == service_ok, path
            refused.append(not service_ok)

    check()
    assert any(refused)
