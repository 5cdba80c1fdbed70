"""Every fixture gives exactly its expected result: valid ones pass, invalid ones fail as labelled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jobrun_contracts import APIS, operations, validate
from support import ROOT

FIXTURES = ROOT / "fixtures"


def cases(kind: str) -> list[Path]:
    return sorted(FIXTURES.glob(f"*/*/{kind}/*.json"))


def where(path: Path) -> tuple[str, str, str]:
    api, operation, kind = path.parts[-4], path.parts[-3], path.parts[-2]
    return api, operation, "response" if kind == "responses" else "request"


@pytest.mark.parametrize("path", cases("valid") + cases("responses"), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_valid_fixture_passes(path: Path) -> None:
    api, operation, direction = where(path)
    instance = json.loads(path.read_text(encoding="utf-8"))
    assert validate(instance, api=api, operation=operation, direction=direction) == []
    if direction == "request" and "clientToken" in instance:
        assert validate(instance, api=api, operation=operation, wire=True) == []


@pytest.mark.parametrize("path", cases("invalid"), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_invalid_fixture_fails_with_exactly_its_label(path: Path) -> None:
    api, operation, direction = where(path)
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert set(case) <= {"description", "expected", "instance", "wire"} and case["description"]
    violations = validate(
        case["instance"], api=api, operation=operation, direction=direction, wire=case.get("wire", False)
    )
    found = [(v.pointer, v.keyword) for v in violations]
    assert found == [(case["expected"]["pointer"], case["expected"]["keyword"])]


@pytest.mark.parametrize("api", APIS)
def test_every_request_schema_has_at_least_15_invalid_fixtures(api: str) -> None:
    for op in operations(api):
        count = len(list((FIXTURES / api / op.name / "invalid").glob("*.json")))
        assert count >= 15, f"{api} {op.name} has {count} invalid fixtures"


@pytest.mark.parametrize("api", APIS)
def test_every_operation_has_a_valid_request(api: str) -> None:
    for op in operations(api):
        requests = [p for p in (FIXTURES / api / op.name / "valid").glob("*.json") if ".response." not in p.name]
        assert requests, f"{api} {op.name} has no valid request fixture"


def test_docs_examples_are_fixtures() -> None:
    examples = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*/*/docs-example*.json"))
    assert examples == [
        "alibaba-emr-serverless-spark/GetJobRun/responses/docs-example.json",
        "alibaba-emr-serverless-spark/ListJobRuns/responses/docs-example.json",
        "alibaba-emr-serverless-spark/StartJobRun/responses/docs-example.json",
    ]
