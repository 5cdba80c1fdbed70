"""The exported single-file schemas mean what our validator means, in python-jsonschema and in ajv.

Every fixture and a sample of generated valid and invalid requests and valid responses is judged
by our validator and by each tool over the exported schema (both dialects, job-spec and wire);
the verdicts must agree. Documents whose only violations are ``format`` are left out: that format
is ours (``iso8601-timestamp``) or optional (``date-time``), and tools treat formats as annotations.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from jobrun_contracts import APIS, operations, validator_for
from jobrun_contracts.core import resources
from jobrun_contracts.schema_export import single_file_schema, whole_value
from jobrun_contracts.strategies import examples, invalid_requests, requests, responses
from support import ROOT

JS = ROOT / "tests" / "js"
MODES = [("2020-12", False), ("draft-07", False), ("2020-12", True)]


@cache
def cases(api: str, operation: str, direction: str, wire: bool) -> list[tuple[Any, bool]]:
    """(instance, our verdict) for the fixtures and generated documents; format-only failures left out."""
    ours = validator_for(api, operation, direction, wire=wire, strict=True)
    instances: list[Any] = []
    fixtures = resources.data_dir("fixtures").joinpath(api).joinpath(operation)
    kinds = ("valid", "invalid") if direction == "request" else ("responses",)
    for kind in kinds:
        folder = Path(str(fixtures.joinpath(kind)))
        if folder.is_dir():
            instances += [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    instances = [i.get("instance", i) if isinstance(i, dict) and "instance" in i and direction == "request" else i
                 for i in instances]  # fmt: skip
    if direction == "request":
        instances += examples(requests(api, operation, wire=wire), 25, seed=11)
        instances += [pair[0] for pair in examples(invalid_requests(api, operation, wire=wire), 40, seed=12)]
    else:
        instances += examples(responses(api, operation), 15, seed=13)
    found = []
    for instance in instances:
        violations = ours.validate(instance)
        if violations and all(v.keyword == "format" for v in violations):
            continue
        found.append((instance, not violations))
    return found


SIDES = [(api, op.name, d) for api in APIS for op in operations(api) for d in ("request", "response")]


@pytest.mark.parametrize(("api", "operation", "direction"), SIDES)
@pytest.mark.parametrize(("dialect", "wire"), MODES)
def test_python_jsonschema_agrees_with_our_validator(
    api: str, operation: str, direction: str, dialect: str, wire: bool
) -> None:
    if wire and direction == "response":
        pytest.skip("wire applies to requests")
    schema = single_file_schema(api, operation, direction, wire=wire, dialect=dialect)  # type: ignore[arg-type]
    tool = (Draft202012Validator if dialect == "2020-12" else Draft7Validator)(schema)
    tool.check_schema(schema)
    found = cases(api, operation, direction, wire)
    disagreements = [(i, ours) for i, ours in found if tool.is_valid(i) != ours]
    assert found and not disagreements, f"{len(disagreements)} of {len(found)} disagree, e.g. {disagreements[:1]}"


@pytest.mark.skipif(not (JS / "node_modules" / "ajv").is_dir() or not shutil.which("node"),
                    reason="ajv is not installed: npm ci --prefix tests/js")  # fmt: skip
@pytest.mark.parametrize(("dialect", "wire"), MODES)
def test_ajv_agrees_with_our_validator(dialect: str, wire: bool) -> None:
    schemas, calls, expected = [], [], []
    for api, operation, direction in SIDES:
        if wire and direction == "response":
            continue
        schemas.append(single_file_schema(api, operation, direction, wire=wire, dialect=dialect))  # type: ignore[arg-type]
        for instance, ours in cases(api, operation, direction, wire):
            calls.append([len(schemas) - 1, instance])
            expected.append((api, operation, direction, ours))
    done = subprocess.run(
        ["node", str(JS / "ajv_verdicts.mjs")],
        input=json.dumps({"schemas": schemas, "cases": calls}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    verdicts = json.loads(done.stdout)
    wrong = [(e, calls[n][1]) for n, (e, verdict) in enumerate(zip(expected, verdicts, strict=True)) if verdict != e[3]]
    assert len(verdicts) > 500 and not wrong, f"{len(wrong)} disagree, e.g. {wrong[:1]}"


def test_patterns_refuse_a_trailing_line_break_in_every_dialect() -> None:
    import re

    pattern = single_file_schema("aws-emr-serverless", "StartJobRun")["$defs"]["ApplicationId"]["pattern"]
    assert re.search(pattern, "00fabc") and not re.search(pattern, "00fabc\n") and not re.search(pattern, "my_app")
    assert whole_value(r"^(?:a$)$") == r"^(?:a(?![\s\S]))(?![\s\S])"
    assert whole_value(r"[$]\$") == r"[$]\$"  # a literal dollar stays one


def test_the_token_is_optional_unless_wire() -> None:
    spec = single_file_schema("aws-emr-serverless", "StartJobRun")
    wire = single_file_schema("aws-emr-serverless", "StartJobRun", wire=True)
    assert "clientToken" not in spec["required"] and "clientToken" in wire["required"]
    refs = json.dumps(spec)
    assert "shapes.json" not in refs.replace("botocore", "")  # every reference is the document's own


def test_catalog_refuses_the_options_it_would_ignore(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    result = CliRunner().invoke(cli, ["schema", "--catalog", str(tmp_path), "--api", "aws-emr-serverless"])
    assert result.exit_code == 2 and "leave out --api" in result.output
    assert not any(tmp_path.iterdir())
