"""The HTTP side: hostile and malformed requests get a clear answer, and the command stops cleanly on signals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

from jobrun_contracts.emulator import Emulator, EmulatorServer


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


def _alibaba_runs(server: EmulatorServer) -> str:
    return f"/api/v1/workspaces/{server.defaults['alibaba-emr-serverless-spark']}/jobRuns"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "applications", b'{"executionRoleArn": "arn:aws:iam::123456789012:role/R", "name": "\\ud800"}', 400),
        ("GET", "alibaba", b"", 400),  # a page token that decodes to 3,000 nested lists
        ("GET", "applications?maxResults=" + "9" * 4400, b"", 400),
        ("GET", "applications?createdAtAfter=0001-01-01T00:00:00%2B01:00", b"", 200),
    ],
    ids=["lone-surrogate", "deep-page-token", "4400-digit-integer", "year-one-with-offset"],
)
def test_hostile_values_get_a_4xx_or_an_answer_never_a_500(
    server: EmulatorServer, method: str, path: str, body: bytes, status: int
) -> None:
    import base64

    server.emulator.create_container("aws-emr-serverless", "00fhostile")
    if path == "alibaba":
        token = base64.urlsafe_b64encode(b"[" * 3000).decode()
        target = f"{_alibaba_runs(server)}?nextToken={token}"
    else:
        target = jobruns(server) + path.removeprefix("applications")
    got, _, answer = raw(server, method, target, body)
    assert got == status, answer


def test_config_filters_nested_too_deep_are_ignored(server: EmulatorServer, alibaba: object) -> None:
    from .test_alibaba import start

    start(alibaba, server.defaults["alibaba-emr-serverless-spark"])
    got, _, answer = raw(server, "GET", f"{_alibaba_runs(server)}?applicationConfigs=" + "%5B" * 5000)
    assert got == 200 and json.loads(answer)["jobRuns"]


@pytest.mark.parametrize("step", ["NaN", "Infinity", "1e300", "-1"])
def test_the_clock_refuses_steps_that_would_break_it(server: EmulatorServer, step: str) -> None:
    before = server.emulator.clock.now()
    got, _, answer = raw(server, "POST", "/_emulator/clock", ('{"advance": ' + step + "}").encode())
    assert got == 400 and "clock moves forward by 0 to" in json.loads(answer)["error"]
    assert server.emulator.clock.now() == before


def test_a_kept_alive_connection_gets_no_answer_after_stop() -> None:
    with EmulatorServer() as running:
        parsed = urllib.parse.urlsplit(running.url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
        connection.request("GET", "/_emulator")
        assert connection.getresponse().read()
        running.stop()
        with pytest.raises((http.client.HTTPException, OSError)):
            connection.request("GET", "/_emulator")
            connection.getresponse()
        connection.close()


def _ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_the_emulator_serves_on_ipv6_loopback() -> None:
    import urllib.request

    from jobrun_contracts.emulator import EmulatorServer

    with EmulatorServer(host="::1") as server:
        assert server.url.startswith("http://[::1]:")
        application = server.defaults["aws-emr-serverless"]
        with urllib.request.urlopen(f"{server.url}/applications/{application}/jobruns", timeout=5) as answer:
            assert answer.status == 200 and b"jobRuns" in answer.read()


# -- connections: timeouts, limits and a cap (slow clients cannot hold the server) -------------


def test_a_slow_client_is_answered_408_once_its_header_time_is_up() -> None:
    from .test_http_framing import connect, parse, read_until_closed

    with EmulatorServer(Emulator(), header_timeout=0.5) as running, connect(running) as sock:
        began = time.monotonic()
        sock.sendall(b"GET /applications HTTP/1.1\r\nHost: x\r\n")
        for _ in range(30):  # a byte every 0.1 s: each arrives well within any per-read timeout
            try:
                sock.sendall(b"X")
            except OSError:
                break
            time.sleep(0.1)
        received, closed = read_until_closed(sock, seconds=3)
        elapsed = time.monotonic() - began
    answers = parse(received)
    assert closed and [a.status for a in answers] == [408] and 0.4 < elapsed < 2.5
    assert answers[0].headers["x-amzn-errortype"] == "RequestTimeoutException"


def test_idle_connections_are_closed_after_the_idle_timeout() -> None:
    from .test_http_framing import connect, parse, read_until_closed

    with EmulatorServer(Emulator(), idle_timeout=0.5) as running:
        with connect(running) as silent:  # connected, never sends
            began = time.monotonic()
            received, closed = read_until_closed(silent, seconds=3)
        assert closed and received == b"" and time.monotonic() - began < 2
        with connect(running) as kept:  # kept alive after one answer, then idle
            kept.sendall(b"GET /_emulator HTTP/1.1\r\nHost: x\r\n\r\n")
            received, closed = read_until_closed(kept, seconds=3)
        assert closed and [a.status for a in parse(received)] == [200]
        assert running.max_connections >= 16


def test_beyond_max_connections_a_new_one_gets_503_in_json_and_a_slot_frees_when_one_closes() -> None:
    from .test_http_framing import connect, parse, read_until_closed

    with EmulatorServer(Emulator(), max_connections=3) as running:
        held = [connect(running) for _ in range(3)]
        try:
            for sock in held:  # each is accepted and holding a slot
                sock.sendall(b"GET /_emulator HTTP/1.1\r\nHost: x\r\n\r\n")
                assert parse(sock.recv(65536))[0].status == 200
            with connect(running) as extra:
                extra.sendall(b"GET /_emulator HTTP/1.1\r\nHost: x\r\n\r\n")
                received, closed = read_until_closed(extra, seconds=3)
            answers = parse(received)
            assert closed and [a.status for a in answers] == [503]
            assert answers[0].headers["x-amzn-errortype"] == "ServiceUnavailableException"
            assert "limit of 3 connections" in json.loads(answers[0].body)["message"]
            held.pop().close()
            statuses = []
            for _ in range(50):  # the loop notices the close within a moment
                with connect(running) as again:
                    again.sendall(b"GET /_emulator HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    statuses = [a.status for a in parse(read_until_closed(again, seconds=3)[0])]
                if statuses == [200]:
                    break
                time.sleep(0.05)
            assert statuses == [200]
        finally:
            for sock in held:
                sock.close()


def test_hundreds_of_slow_connections_cost_no_threads_and_do_not_slow_a_request() -> None:
    import threading

    from .test_http_framing import connect

    with EmulatorServer(Emulator()) as running:
        raw(running, "GET", "/_emulator")  # a worker exists already
        threads_before = threading.active_count()
        slow = []
        try:
            for _ in range(300):
                sock = connect(running)
                sock.sendall(b"GET /applications HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never finishes
                slow.append(sock)
            time.sleep(0.3)
            began = time.monotonic()
            status, _, _ = raw(running, "GET", "/_emulator")
            elapsed = time.monotonic() - began
            grown = threading.active_count() - threads_before
        finally:
            for sock in slow:
                sock.close()
    assert status == 200 and elapsed < 0.5, elapsed
    assert grown <= 2, f"{grown} more threads with 300 slow connections open"
