"""Strict authentication: with credentials configured, only correctly signed requests get through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from botocore.exceptions import ClientError

from jobrun_contracts.emulator import Emulator, EmulatorServer

from .conftest import ROLE, alibaba_client, aws_client

SECRETS = {"AKIDGOOD": "right-secret", "LTAIgood": "right-secret"}


@pytest.fixture
def strict() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(credentials=SECRETS, check_responses=True)) as server:
        yield server
    assert server.emulator.response_problems == []


def _serverless(server: EmulatorServer, key: str, secret: str) -> Any:
    return aws_client("emr-serverless", server.url, aws_access_key_id=key, aws_secret_access_key=secret)


def test_aws_requests_signed_with_the_right_secret_get_through(strict: EmulatorServer) -> None:
    client = _serverless(strict, "AKIDGOOD", "right-secret")
    app = strict.defaults["aws-emr-serverless"]
    run = client.start_job_run(
        applicationId=app, executionRoleArn=ROLE, jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py"}}
    )
    assert client.get_job_run(applicationId=app, jobRunId=run["jobRunId"])["jobRun"]["state"] == "SUBMITTED"
    containers = aws_client(
        "emr-containers", strict.url, aws_access_key_id="AKIDGOOD", aws_secret_access_key="right-secret"
    )
    assert containers.list_job_runs(virtualClusterId=strict.defaults["aws-emr-containers"])["jobRuns"] == []


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [
        ("AKIDGOOD", "wrong-secret", "InvalidSignatureException"),
        ("AKIDUNKNOWN", "right-secret", "UnrecognizedClientException"),
    ],
)
def test_aws_requests_with_bad_credentials_are_refused_as_aws_refuses_them(
    strict: EmulatorServer, key: str, secret: str, code: str
) -> None:
    client = _serverless(strict, key, secret)
    with pytest.raises(ClientError) as caught:
        client.list_job_runs(applicationId=strict.defaults["aws-emr-serverless"])
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_alibaba_requests_signed_with_the_right_secret_get_through(strict: EmulatorServer) -> None:
    client = alibaba_client(strict.url, "LTAIgood", "right-secret")
    workspace = strict.defaults["alibaba-emr-serverless-spark"]
    body = client.list_job_runs(workspace, models.ListJobRunsRequest(states=["Running"], max_results=5)).body
    assert body.job_runs == [] and body.request_id


@pytest.mark.parametrize(
    ("key", "secret", "status", "code"),
    [
        ("LTAIgood", "wrong-secret", 400, "SignatureDoesNotMatch"),
        ("LTAIunknown", "right-secret", 404, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_alibaba_requests_with_bad_credentials_are_refused_as_alibaba_refuses_them(
    strict: EmulatorServer, key: str, secret: str, status: int, code: str
) -> None:
    client = alibaba_client(strict.url, key, secret)
    with pytest.raises(ClientException) as caught:
        client.get_job_run(strict.defaults["alibaba-emr-serverless-spark"], "jr-1", models.GetJobRunRequest())
    assert (caught.value.status_code, caught.value.code) == (status, code)


def test_the_support_operations_are_checked_too(strict: EmulatorServer) -> None:
    with pytest.raises(ClientError) as caught:
        _serverless(strict, "AKIDGOOD", "wrong-secret").create_application(releaseLabel="emr-7.1.0", type="SPARK")
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
