"""`jobrun-contracts drift`: no drift against the locked sources; every doctored change is named."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobrun_contracts.cli.main import cli
from jobrun_contracts.core import registry, resources
from jobrun_contracts.sources import alibaba_sdk, botocore_model
from jobrun_contracts.sources.record import content_digest, load_record

SERVERLESS = botocore_model.SERVICES["aws-emr-serverless"]
CONTAINERS = botocore_model.SERVICES["aws-emr-containers"]


def drift(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["drift", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def model_copy(service: botocore_model.Service) -> dict[str, Any]:
    return json.loads(json.dumps(botocore_model.installed_model(service).document))


def write(tmp_path: Path, model: dict[str, Any], name: str = "service-2.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(model))
    return path


def test_no_drift_against_the_locked_sources() -> None:
    code, output = drift()
    assert code == 0, output
    assert output.count("no drift") == 3


def test_the_record_names_each_source_once_and_digests_what_is_installed() -> None:
    record = load_record()
    assert set(record) == set(registry.APIS)
    for service in (SERVERLESS, CONTAINERS):
        entry = record[service.api]
        assert entry["source"] == "botocore" and entry["version"] and entry["model"] == service.model_file
        assert entry["sha256"] == content_digest(botocore_model.installed_model(service).document)
    assert record["alibaba-emr-serverless-spark"]["source"] == alibaba_sdk.DISTRIBUTION


def test_no_schema_carries_a_version_in_its_sources() -> None:
    for api in registry.APIS:
        for name in resources.schema_names(api):
            text = json.dumps(resources.schema_document(api, name))
            assert not re.search(r"(botocore|alibabacloud-[a-z0-9-]+) [0-9]+\.[0-9]", text), f"{api}/{name}"


def test_the_same_content_in_other_bytes_is_no_drift(tmp_path: Path) -> None:
    """Re-indented and gzipped, the model is the same model: exit 0."""
    text = json.dumps(model_copy(SERVERLESS), indent=4, sort_keys=True)
    path = tmp_path / "service-2.json.gz"
    path.write_bytes(gzip.compress(text.encode()))
    code, output = drift("--model", str(path))
    assert code == 0, output
    assert "aws-emr-serverless: no drift" in output


def test_a_doctored_model_is_reported_change_by_change(tmp_path: Path) -> None:
    model = model_copy(SERVERLESS)
    shapes = model["shapes"]
    shapes["ClientToken"]["max"] = 128  # a changed limit
    shapes["StartJobRunRequest"]["members"]["priority"] = {"shape": "String256"}  # an added member
    shapes["StartJobRunRequest"]["required"].append("name")  # a new required member
    shapes["JobRunMode"]["enum"].remove("STREAMING")  # a removed enum value
    shapes["ApplicationId"]["pattern"] = "[0-9a-z-]+"  # a changed pattern
    model["operations"]["StartJobRun"]["errors"].append({"shape": "ServiceQuotaExceededException"})
    shapes["ServiceQuotaExceededException"] = {
        "type": "structure",
        "members": {"message": {"shape": "String1024"}},
        "error": {"httpStatusCode": 402, "senderFault": True},
        "exception": True,
    }
    model["operations"]["PauseJobRun"] = dict(model["operations"]["CancelJobRun"], name="PauseJobRun")
    shapes["PolicyDocument"]["pattern"] = "([\\u0009\\u000A\\u000D\\u0020-\\u00FF]+)"  # now agrees with our correction
    code, output = drift("--model", str(write(tmp_path, model)), "--format", "json")
    assert code == 1, output
    (api,) = json.loads(output)["apis"]
    assert api["api"] == "aws-emr-serverless" and api["drift"] is True
    said = {(c["where"], c["message"]) for c in api["changes"]}
    assert ("shapes.json#/$defs/ClientToken", "maxLength changed from 64 to 128") in said
    assert ("StartJobRun.request.json#/properties/priority", "member priority added") in said
    assert ("StartJobRun.request.json#", "name is now required") in said
    assert ("shapes.json#/$defs/JobRunMode", "values removed: STREAMING") in said
    assert ("shapes.json#/$defs/ApplicationId", "pattern changed from '[0-9a-z]+' to '[0-9a-z-]+'") in said
    assert any("error ServiceQuotaExceededException (HTTP 402) added" in m for _, m in said)
    assert any(m == "operation PauseJobRun added to the model" for _, m in said)
    assert any("the correction to PolicyDocument is no longer needed" in m for _, m in said)
    kinds = {c["kind"] for c in api["changes"]}
    assert {"limit", "member", "required", "enum", "pattern", "error", "operation", "correction"} <= kinds


def test_a_removed_member_and_a_union_the_model_now_marks(tmp_path: Path) -> None:
    model = model_copy(CONTAINERS)
    del model["shapes"]["JobRun"]["members"]["retryPolicyExecution"]
    model["shapes"]["JobDriver"]["union"] = True
    code, output = drift("--model", str(write(tmp_path, model)))
    assert code == 1
    assert "aws-emr-containers:" in output  # the API is read off the model's endpoint prefix
    assert "shapes.json#/$defs/JobRun/properties/retryPolicyExecution: member retryPolicyExecution removed" in output
    assert "the correction to JobDriver is no longer needed: the model marks it a union" in output


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"not json at all", "not a botocore model (not JSON"),
        (b'{"operations": {}}', "not a botocore model (no 'operations' and 'shapes')"),
        (b"\x1f\x8b\x08broken gzip", "cannot read the model"),
        (b'{"operations": {}, "shapes": {}, "metadata": {"endpointPrefix": "emr-serverless"}}', "lacks what"),
    ],
)
def test_an_unreadable_model_is_one_line_and_exit_2(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "service-2.json"
    path.write_bytes(content)
    code, output = drift("--api", "aws-emr-serverless", "--model", str(path))
    assert code == 2
    assert said in output and output.count("\n") == 1 and "Traceback" not in output


def test_a_model_of_another_service_needs_api(tmp_path: Path) -> None:
    path = write(tmp_path, {"metadata": {"endpointPrefix": "s3"}, "operations": {}, "shapes": {}})
    code, output = drift("--model", str(path))
    assert code == 2 and "not of an API we transcribe" in output


@pytest.fixture
def sdk_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "sdk"
    shutil.copytree(alibaba_sdk.Sdk.installed().root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_a_doctored_alibaba_sdk_is_reported(sdk_copy: Path) -> None:
    edit(sdk_copy / "models" / "_job_driver.py", "result['entryPoint'] =", "result['entryPointUri'] =")
    edit(sdk_copy / "client.py", "query['regionId'] = request.region_id", "body['regionId'] = request.region_id")
    edit(
        sdk_copy / "models" / "_start_job_run_request.py",
        "execution_timeout_seconds: int = None",
        "execution_timeout_seconds: str = None",
    )
    code, output = drift("--model", str(sdk_copy), "--format", "json")
    assert code == 1
    (api,) = json.loads(output)["apis"]
    said = {(c["where"], c["message"]) for c in api["changes"]}
    where = "StartJobRun.request.json#/properties/jobDriver/properties/sparkSubmit/properties"
    assert (f"{where}/entryPointUri", "member entryPointUri added in the SDK (JobDriverSparkSubmit)") in said
    assert (f"{where}/entryPoint", "member entryPoint is not in the SDK (JobDriverSparkSubmit)") in said
    assert (
        "StartJobRun.request.json#/properties/regionId",
        "travels in the body in the SDK, in the query here",
    ) in said
    assert (
        "StartJobRun.request.json#/properties/executionTimeoutSeconds",
        "the SDK types it string, we say integer",
    ) in said


def test_alibaba_model_must_be_the_sdk_folder(tmp_path: Path) -> None:
    code, output = drift("--api", "alibaba-emr-serverless-spark", "--model", str(tmp_path))
    assert code == 2 and "not the Alibaba SDK's package folder" in output
