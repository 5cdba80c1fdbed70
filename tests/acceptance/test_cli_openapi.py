"""``jobrun-contracts openapi``: a valid OpenAPI 3.1 document per API, the same bytes every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from jobrun_contracts import APIS
from jobrun_contracts.openapi import openapi_document
from support import Run


@pytest.mark.parametrize("api", APIS)
def test_writes_the_document_as_sorted_json(run: Run, api: str) -> None:
    first, second = run("openapi", "--api", api), run("openapi", "--api", api)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert first.stdout == second.stdout
    assert first.stdout.endswith("}\n")
    document = json.loads(first.stdout)
    OpenAPIV31SpecValidator(document).validate()
    assert document == openapi_document(api)
    assert first.stdout == json.dumps(document, indent=2, sort_keys=True) + "\n"


def test_writes_a_file_with_the_server_asked_for(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "emr-serverless.json"
    args = ("openapi", "--api", "aws-emr-serverless", "--server-url", "http://127.0.0.1:8787", "--output", str(target))
    result = run(*args)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    written = target.read_bytes()
    assert written.endswith(b"}\n") and b"\r\n" not in written
    assert json.loads(written)["servers"] == [{"url": "http://127.0.0.1:8787", "description": "given by the caller"}]
    run(*args)
    assert target.read_bytes() == written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--api", "aws-emr"), "jobrun-contracts: error: unknown API 'aws-emr'"),
        ((), "jobrun-contracts: error: --api is required"),
        (("--api", "aws-emr-serverless", "--output", "."), "jobrun-contracts: error: cannot write ."),
    ],
)
def test_errors_are_one_line_and_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run("openapi", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(message)
