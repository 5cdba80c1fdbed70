"""The schemas themselves: valid JSON Schema, resolvable, and every constraint traceable."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from jobrun_contracts import APIS, operations, schema
from jobrun_contracts.core import registry, resources
from jobrun_contracts.core.patterns import compile_pattern

CONSTRAINTS = {
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "required",
}
DOCUMENTS = [(api, uri, doc) for api in APIS for uri, doc in registry.resources(api)]


def walk(node: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if not key.startswith("x-") and key not in ("enum", "required"):
                yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, str(index)))


@pytest.mark.parametrize(("api", "uri", "document"), DOCUMENTS, ids=[u.split("schemas/")[1] for _, u, _ in DOCUMENTS])
def test_schema_passes_the_2020_12_metaschema(api: str, uri: str, document: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(("api", "uri", "document"), DOCUMENTS, ids=[u.split("schemas/")[1] for _, u, _ in DOCUMENTS])
def test_every_constraint_names_its_source(api: str, uri: str, document: dict[str, Any]) -> None:
    """A constraint's nearest enclosing schema object (itself or an ancestor) carries x-source."""
    nodes = dict(walk(document))
    for path, node in nodes.items():
        if not CONSTRAINTS & set(node):
            continue
        ancestors = [path[:i] for i in range(len(path), -1, -1)]
        sourced = [nodes[a] for a in ancestors if a in nodes and "x-source" in nodes[a]]
        assert sourced, f"{uri}#{'/'.join(path)} has constraints without a source"
        for source in sourced[0]["x-source"]:
            assert source.startswith(("shared/docs/", "botocore ", "alibabacloud")), source


@pytest.mark.parametrize("api", APIS)
def test_every_reference_resolves(api: str) -> None:
    reg = registry.referencing_registry(api)
    for uri, document in registry.resources(api):
        resolver = reg.resolver(base_uri=uri)
        for _, node in walk(document):
            if "$ref" in node:
                resolved = resolver.lookup(node["$ref"])
                assert isinstance(resolved.contents, dict)


def test_patterns_compile_in_both_dialects() -> None:
    patterns = {node["pattern"] for _, _, doc in DOCUMENTS for _, node in walk(doc) if "pattern" in node}
    assert len(patterns) > 20
    for pattern in patterns:
        compiled = compile_pattern(pattern)
        assert compiled.rust.startswith("^(?:") and compiled.rust.endswith(")$")


#: Beyond the four job-run operations: EMR on EKS's job templates, the source of StartJobRun's jobTemplateId.
TEMPLATE_OPERATIONS = {
    "aws-emr-containers": {"CreateJobTemplate", "DescribeJobTemplate", "ListJobTemplates", "DeleteJobTemplate"},
}


@pytest.mark.parametrize("api", APIS)
def test_each_api_has_its_four_job_run_operations(api: str) -> None:
    names = [op.name for op in operations(api)]
    runs = [name for name in names if name.endswith("JobRun") or name.endswith("JobRuns")]
    assert len(runs) == 4
    assert runs[0] == "StartJobRun" and runs[-1] == "CancelJobRun"
    assert names[0] == "StartJobRun"
    assert set(names) - set(runs) == TEMPLATE_OPERATIONS.get(api, set())
    for name in names:
        assert schema(api, name, "request")["x-direction"] == "request"
        assert schema(api, name, "response")["x-direction"] == "response"


def test_every_request_field_says_where_it_travels() -> None:
    for api in APIS:
        for op in operations(api):
            for field in op.fields:
                assert field.location in ("path", "query", "body")
                if field.location == "path":
                    assert "{" + field.wire_name + "}" in op.uri
                    assert field.required


def test_alibaba_list_job_runs_sends_arrays_and_objects_as_json_strings() -> None:
    op = registry.operation("alibaba-emr-serverless-spark", "ListJobRuns")
    encoded = {f.name for f in op.fields if f.wire_encoding == "json"}
    assert encoded == {"states", "tags", "startTime", "endTime"}
    assert all(op.field(name).location == "query" for name in encoded)


def test_state_enums_keep_each_service_case() -> None:
    shapes = {api: resources.schema_document(api, "shapes.json")["$defs"] for api in APIS}
    assert shapes["aws-emr-serverless"]["JobRunState"]["enum"] == [
        "SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "SUCCESS", "FAILED", "CANCELLING", "CANCELLED", "QUEUED",
    ]  # fmt: skip
    assert "COMPLETED" in shapes["aws-emr-containers"]["JobRunState"]["enum"]
    assert shapes["alibaba-emr-serverless-spark"]["JobRunState"]["enum"] == [
        "Submitted", "Pending", "Running", "Success", "Failed", "Cancelling", "Cancelled", "CancelFailed",
    ]  # fmt: skip


def test_idempotency_tokens_are_marked() -> None:
    for api in ("aws-emr-serverless", "aws-emr-containers"):
        token = registry.operation(api, "StartJobRun").idempotency_token
        assert token is not None and token.name == "clientToken" and token.required
    alibaba = registry.operation("alibaba-emr-serverless-spark", "StartJobRun").idempotency_token
    assert alibaba is not None and not alibaba.required
