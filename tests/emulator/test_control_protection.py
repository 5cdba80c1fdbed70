"""With credentials, the HTTP control routes need the control token; without, they stay open as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from jobrun_contracts.emulator import CONTROL_PREFIX, Emulator, EmulatorServer

from .clients import ROLE, aws_client

SECRETS = {"AKIDGOOD": "right-secret"}
ROUTES = [
    ("GET", "", None),
    ("GET", "/clock", None),
    ("POST", "/clock", {"advance": 3600}),
    ("POST", "/runs/00fnothing/fail", {"reason": "x"}),
    ("POST", "/outcome", {"fail": True}),
    ("POST", "/containers", {"api": "aws-emr-serverless", "id": "00fsneaky"}),
    ("POST", "/reset", None),
    ("GET", "/openapi/aws-emr-serverless", None),
]


def call(server: EmulatorServer, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    request = urllib.request.Request(server.url + CONTROL_PREFIX + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.fixture
def strict() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(("aws-emr-serverless",), credentials=SECRETS)) as server:
        yield server


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_unsigned_control_requests_are_refused_when_credentials_are_set(
    strict: EmulatorServer, method: str, path: str, body: Any
) -> None:
    before = strict.emulator.clock.now()
    status, answer = call(strict, method, path, body)
    assert status == 401
    assert "control token" in answer["error"]
    assert strict.emulator.clock.now() == before
    assert "00fsneaky" not in strict.emulator.state.containers["aws-emr-serverless"]


def test_a_wrong_token_or_scheme_is_refused(strict: EmulatorServer) -> None:
    token = strict.emulator.control_token
    assert token
    assert call(strict, "POST", "/clock", {"advance": 1}, token + "x")[0] == 401
    assert call(strict, "POST", "/clock", {"advance": 1}, "")[0] == 401
    request = urllib.request.Request(strict.url + CONTROL_PREFIX, headers={"authorization": f"Basic {token}"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    caught.value.close()
    assert caught.value.code == 401 and caught.value.headers["www-authenticate"].startswith("Bearer")


def test_a_signed_api_request_is_not_a_control_request(strict: EmulatorServer) -> None:
    """The API credentials do not open control: only the control token does."""
    token = strict.emulator.control_token
    assert call(strict, "POST", "/clock", {"advance": 1}, "AKIDGOOD:right-secret")[0] == 401
    assert call(strict, "GET", "", None, token)[0] == 200


def test_with_the_token_every_control_route_answers(strict: EmulatorServer) -> None:
    token = strict.emulator.control_token
    client = aws_client(
        "emr-serverless", strict.url, aws_access_key_id="AKIDGOOD", aws_secret_access_key="right-secret"
    )
    app = strict.defaults["aws-emr-serverless"]
    run_id = client.start_job_run(
        applicationId=app, executionRoleArn=ROLE, jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py"}}
    )["jobRunId"]
    status, info = call(strict, "GET", "", None, token)
    assert status == 200 and info["signatures"] == "checked"
    before = info["now"]
    assert call(strict, "POST", "/clock", {"advance": 12}, token) == (200, {"now": before + 12})
    assert call(strict, "POST", f"/runs/{run_id}/fail", {"reason": "disk full"}, token)[1]["state"] == "FAILED"
    assert call(strict, "POST", "/reset", None, token)[0] == 200
    assert client.list_job_runs(applicationId=app)["jobRuns"] == []


def test_a_given_token_is_the_one_required() -> None:
    with EmulatorServer(Emulator(("aws-emr-serverless",), credentials=SECRETS, control_token="let-me-in")) as server:
        assert server.emulator.control_token == "let-me-in"
        assert call(server, "POST", "/reset", None, "let-me-in")[0] == 200
        assert call(server, "POST", "/reset")[0] == 401


def test_a_token_protects_control_even_without_credentials() -> None:
    with EmulatorServer(Emulator(("aws-emr-serverless",), control_token="let-me-in")) as server:
        assert call(server, "GET", "")[0] == 401
        assert call(server, "GET", "", None, "let-me-in")[0] == 200


def test_without_credentials_control_stays_open(server: EmulatorServer) -> None:
    assert server.emulator.control_token is None
    for method, path, body in ROUTES:
        status, _ = call(server, method, path, body)
        assert status in (200, 404), (method, path)  # 404: the run that does not exist


def test_the_python_controls_need_no_token(strict: EmulatorServer) -> None:
    before = strict.advance(0)
    assert strict.advance(30) == before + 30
    strict.reset()
    assert strict.defaults["aws-emr-serverless"]


def test_the_cli_takes_regions_and_a_control_token() -> None:
    command = [
        sys.executable,
        "-m",
        "jobrun_contracts",
        "emulator",
        "--api",
        "aws-emr-serverless",
        "--credentials",
        "AKIDGOOD:right-secret",
        "--region",
        "eu-west-1",
        "--region",
        "us-east-1",
        "--control-token",
        "cli-token",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        url = lines[0].split()[-1]
        assert "  regions: eu-west-1, us-east-1\n" in lines
        assert any(line.startswith("  control token: cli-token ") for line in lines), lines
        refused = urllib.request.Request(url + CONTROL_PREFIX)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(refused, timeout=5)
        caught.value.close()
        assert caught.value.code == 401
        allowed = urllib.request.Request(url + CONTROL_PREFIX, headers={"authorization": "Bearer cli-token"})
        with urllib.request.urlopen(allowed, timeout=5) as response:
            assert json.loads(response.read())["signatures"] == "checked"
        client = aws_client("emr-serverless", url, aws_access_key_id="AKIDGOOD", aws_secret_access_key="right-secret")
        assert client.list_job_runs(applicationId=lines[1].split()[-1])["jobRuns"] == []
    finally:
        process.terminate()
        process.communicate(timeout=10)
