"""Strict authentication: with credentials configured, only correctly signed requests get through."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from darabonba.runtime import RuntimeOptions

from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.wire import acs3

from .clients import ROLE, alibaba_client, aws_client

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


# -- the SigV4 credential scope ------------------------------------------------------------


def _client_in(region: str, url: str) -> Any:
    """A real EMR Serverless client signing for ``region``, pointed at the emulator."""
    config = Config(retries={"max_attempts": 1})
    return boto3.client(
        "emr-serverless",
        endpoint_url=url,
        region_name=region,
        config=config,
        aws_access_key_id="AKIDGOOD",
        aws_secret_access_key="right-secret",
    )


def test_a_client_for_another_region_is_refused_as_aws_refuses_it(strict: EmulatorServer) -> None:
    with pytest.raises(ClientError) as caught:
        _client_in("eu-west-1", strict.url).list_job_runs(applicationId=strict.defaults["aws-emr-serverless"])
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidSignatureException",
        403,
    )
    assert error["Message"].strip() == "Credential should be scoped to a valid region, not 'eu-west-1'."


def test_the_emulators_regions_are_configurable() -> None:
    with EmulatorServer(Emulator(credentials=SECRETS, regions=("us-east-1", "eu-west-1"))) as server:
        app = server.defaults["aws-emr-serverless"]
        for region in ("us-east-1", "eu-west-1"):
            assert _client_in(region, server.url).list_job_runs(applicationId=app)["jobRuns"] == []
        with pytest.raises(ClientError) as caught:
            _client_in("mars-1", server.url).list_job_runs(applicationId=app)
        assert caught.value.response["Error"]["Message"].strip() == (
            "Credential should be scoped to a valid region, not 'mars-1'."
        )


def _send_sigv4auth_signed(
    server: EmulatorServer, path: str, service: str, *, scope_date: str | None = None
) -> tuple[int, str, str]:
    """GET ``path`` signed by botocore's SigV4Auth for ``service`` in us-east-1; (status, error type, message).

    ``scope_date`` rewrites the Credential's date after signing: the signature stays right for today.
    """
    host = urlsplit(server.url).netloc
    request = AWSRequest(method="GET", url=f"http://{host}{path}")
    SigV4Auth(Credentials("AKIDGOOD", "right-secret"), service, "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.headers.items()}
    if scope_date is not None:
        today = headers["X-Amz-Date"][:8]
        headers["Authorization"] = headers["Authorization"].replace(f"/{today}/", f"/{scope_date}/")
    connection = http.client.HTTPConnection(host, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status, response.getheader("x-amzn-errortype", ""), body.get("message", "")
    finally:
        connection.close()


def test_a_request_signed_for_another_service_is_refused(strict: EmulatorServer) -> None:
    path = f"/applications/{strict.defaults['aws-emr-serverless']}/jobruns"
    assert _send_sigv4auth_signed(strict, path, "emr-serverless")[0] == 200
    assert _send_sigv4auth_signed(strict, path, "s3") == (
        403,
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'emr-serverless'. ",
    )
    clusters = f"/virtualclusters/{strict.defaults['aws-emr-containers']}/jobruns"
    assert _send_sigv4auth_signed(strict, clusters, "emr-containers")[0] == 200
    assert _send_sigv4auth_signed(strict, clusters, "emr-serverless")[2] == (
        "Credential should be scoped to correct service: 'emr-containers'. "
    )


def test_a_request_whose_scope_date_is_1999_is_refused(strict: EmulatorServer) -> None:
    path = f"/applications/{strict.defaults['aws-emr-serverless']}/jobruns"
    status, code, message = _send_sigv4auth_signed(strict, path, "emr-serverless", scope_date="19990101")
    assert (status, code) == (403, "InvalidSignatureException")
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    assert message.startswith(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'19990101' != '{today}'"
    )


# -- ACS3: the action and replays ----------------------------------------------------------


def test_alibaba_sdk_calls_in_a_row_each_get_through(strict: EmulatorServer) -> None:
    client = alibaba_client(strict.url, "LTAIgood", "right-secret")
    workspace = strict.defaults["alibaba-emr-serverless-spark"]
    for _ in range(3):
        assert client.list_job_runs(workspace, models.ListJobRunsRequest()).body.job_runs == []


def test_alibaba_a_signed_action_the_path_does_not_denote_is_refused(strict: EmulatorServer) -> None:
    """The official client's generic call: ListJobRuns' path and method, but x-acs-action CancelJobRun."""
    client = alibaba_client(strict.url, "LTAIgood", "right-secret")
    workspace = strict.defaults["alibaba-emr-serverless-spark"]
    params = utils_models.Params(
        action="CancelJobRun",
        version="2023-08-08",
        protocol="HTTP",
        pathname=f"/api/v1/workspaces/{workspace}/jobRuns",
        method="GET",
        auth_type="AK",
        style="ROA",
        req_body_type="json",
        body_type="json",
    )
    with pytest.raises(ClientException) as caught:
        client.call_api(params, utils_models.OpenApiRequest(headers={}, query={}), RuntimeOptions())
    assert (caught.value.status_code, caught.value.code) == (404, "InvalidAction.NotFound")
    params.action = "ListJobRuns"
    assert (
        client.call_api(params, utils_models.OpenApiRequest(headers={}, query={}), RuntimeOptions())["body"]["jobRuns"]
        == []
    )


def _sdk_bytes(call: Any) -> bytes:
    """The exact bytes the official SDK sends for ``call(url)``, captured on a one-shot loopback socket."""
    listener = socket.create_server(("127.0.0.1", 0))
    captured = bytearray()

    def answer() -> None:
        connection, _ = listener.accept()
        with connection:
            while b"\r\n\r\n" not in captured:
                captured.extend(connection.recv(65536))
            head = bytes(captured).split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
            length = next(
                (int(line.split(":", 1)[1]) for line in head.split("\r\n") if line.startswith("content-length:")), 0
            )
            while len(captured) - len(head) - 4 < length:
                captured.extend(connection.recv(65536))
            body = json.dumps({"requestId": "captured", "jobRuns": [], "totalCount": 0}).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        call(f"http://127.0.0.1:{listener.getsockname()[1]}")
        thread.join(timeout=5)
    finally:
        listener.close()
    return bytes(captured)


def _send_raw(server: EmulatorServer, raw: bytes) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def test_alibaba_the_same_signed_bytes_sent_twice_are_refused_the_second_time(strict: EmulatorServer) -> None:
    workspace = strict.defaults["alibaba-emr-serverless-spark"]

    def list_runs(url: str) -> None:
        alibaba_client(url, "LTAIgood", "right-secret").list_job_runs(workspace, models.ListJobRunsRequest())

    raw = _sdk_bytes(list_runs)
    assert b"x-acs-signature-nonce" in raw.lower()
    status, body = _send_raw(strict, raw)
    assert (status, body.get("jobRuns")) == (200, [])
    status, body = _send_raw(strict, raw)
    assert (status, body["code"], body["message"]) == (
        400,
        "SignatureNonceUsed",
        "Specified signature nonce was used already.",
    )
    assert acs3.NONCE_USED.code == body["code"]
