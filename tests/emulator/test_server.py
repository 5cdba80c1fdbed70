"""The HTTP side: hostile and malformed requests get a clear answer, and the command stops cleanly on signals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.parse

import pytest

from jobrun_contracts.emulator import EmulatorServer


def raw(
    server: EmulatorServer, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    parsed = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def jobruns(server: EmulatorServer) -> str:
    return f"/applications/{server.emulator.defaults['aws-emr-serverless']}/jobruns"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b"\xff\xfe\x00", b"[" * 100_000 + b"]" * 100_000, b'"just a string"'],
    ids=["malformed", "array", "not-utf8", "deeply-nested", "string"],
)
def test_bodies_that_are_not_json_objects_get_a_serialization_error(server: EmulatorServer, body: bytes) -> None:
    status, headers, answer = raw(server, "POST", jobruns(server), body, {"content-type": "application/json"})
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert json.loads(answer)["message"]


def test_alibaba_bad_body_is_invalid_parameter(server: EmulatorServer) -> None:
    path = f"/api/v1/workspaces/{server.emulator.defaults['alibaba-emr-serverless-spark']}/jobRuns"
    status, _, answer = raw(server, "POST", path, b"{oops")
    error = json.loads(answer)
    assert (status, error["code"]) == (400, "InvalidParameter") and error["requestId"]


def test_unknown_operations_are_named(server: EmulatorServer) -> None:
    status, headers, answer = raw(server, "PATCH", jobruns(server))
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
    assert "PATCH" in json.loads(answer)["message"]
    status, _, answer = raw(server, "GET", "/api/v1/nothing")
    assert (status, json.loads(answer)["code"]) == (404, "InvalidAction.NotFound")


def test_limits_on_the_request_itself(server: EmulatorServer) -> None:
    status, _, _ = raw(server, "POST", jobruns(server), headers={"content-length": str(64 * 1024 * 1024)})
    assert status == 413
    status, _, _ = raw(server, "POST", jobruns(server), headers={"content-length": "many"})
    assert status == 400
    status, _, _ = raw(server, "POST", jobruns(server), headers={"transfer-encoding": "chunked"})
    assert status == 411


def test_an_encoded_slash_stays_inside_its_path_parameter(server: EmulatorServer) -> None:
    status, headers, answer = raw(server, "GET", jobruns(server) + "/abc%2Fdef")
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert "'abc/def' at 'jobRunId'" in json.loads(answer)["message"]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_command_prints_its_url_and_stops_cleanly_on_a_signal(stop_signal: int) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "jobrun_contracts", "emulator", "--clock", "manual", "--workspace", "w-team"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = process.stdout.readline() if process.stdout else ""
        assert first.startswith("jobrun-contracts emulator serving at http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        parsed = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        connection.request("GET", "/api/v1/workspaces/w-team/jobRuns")
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["jobRuns"] == []
        connection.close()
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.rstrip().endswith("jobrun-contracts emulator stopped")
    assert "Traceback" not in err


def test_the_command_refuses_a_busy_port_in_one_line(server: EmulatorServer) -> None:
    port = urllib.parse.urlsplit(server.url).port
    result = subprocess.run(
        [sys.executable, "-m", "jobrun_contracts", "emulator", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
