"""Targets other than the default: a signed URL, WSGI and ASGI apps in-process, and servers that misbehave."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from jobrun_contracts.conformance import Credentials, InProcessTarget, Settings, UrlTarget, all_clauses, run
from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.wire.messages import HttpRequest

ALL = ("aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark")


def test_a_url_target_signs_every_request_as_a_strict_server_demands() -> None:
    secrets = {"AKIDTEST": "aws-secret", "LTAItest": "alibaba-secret"}
    with EmulatorServer(Emulator(credentials=secrets)) as server:
        target = UrlTarget(
            server.url,
            ALL,
            containers=server.defaults,
            aws_credentials=Credentials("AKIDTEST", "aws-secret"),
            alibaba_credentials=Credentials("LTAItest", "alibaba-secret"),
        )
        with target:
            report = run(target, all_clauses(ALL, level="MUST", examples=2), Settings(poll_limit=1))
    assert [f"{r.clause.node_id}: {r.reason}" for r in report.must_failures] == []
    skipped = {r.clause.id for r in report.results if r.outcome == "skipped" and "--wait" in r.reason}
    assert "lifecycle-reaches-a-terminal-state" in skipped  # no time control over plain HTTP: skipped, with the reason


def test_a_wrong_secret_fails_clauses_with_the_services_refusal() -> None:
    with EmulatorServer(Emulator(credentials={"AKIDTEST": "aws-secret"})) as server:
        target = UrlTarget(
            server.url,
            ("aws-emr-serverless",),
            containers=server.defaults,
            aws_credentials=Credentials("AKIDTEST", "nope"),
        )
        clauses = [
            c for c in all_clauses(["aws-emr-serverless"], level="MUST", examples=0) if c.id == "start-valid-run"
        ]
        with target:
            (result,) = run(target, clauses).results
    assert result.outcome == "failed" and "403" in result.reason and "InvalidSignatureException" in result.reason


def test_a_wsgi_app_is_checked_in_process() -> None:
    emulator = Emulator(("aws-emr-containers",))
    target = InProcessTarget(
        emulator.wsgi,
        wsgi=True,
        apis=emulator.apis,
        capabilities=("time",),
        advance=emulator.advance,
        containers=emulator.defaults,
    )
    with target:
        report = run(target, all_clauses(["aws-emr-containers"], level="MUST", examples=2))
    assert report.must_failures == [] and report.counts()["passed"] > 30


def test_an_asgi_app_is_checked_in_process() -> None:
    emulator = Emulator(("alibaba-emr-serverless-spark",))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # a thin ASGI face on the emulator
        message = await receive()
        target = scope["raw_path"].decode() + (("?" + scope["query_string"].decode()) if scope["query_string"] else "")
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        response = emulator(HttpRequest(scope["method"], target, headers, message["body"]))
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    target = InProcessTarget(
        app,
        asgi=True,
        apis=emulator.apis,
        capabilities=("time",),
        advance=emulator.advance,
        containers=emulator.defaults,
    )
    with target:
        report = run(target, all_clauses(["alibaba-emr-serverless-spark"], level="MUST", examples=2))
    assert report.must_failures == [] and report.counts()["passed"] > 30


@functools.cache
def _body(kind: str) -> bytes:
    if kind == "big":  # a valid JSON object of about 16 MB
        return b'{"pad": "' + b"x" * (16 * 1024 * 1024 - 64) + b'"}'
    if kind == "keys":  # a million keys, within the 16 MB the transport accepts
        return json.dumps({f"k{i}": 0 for i in range(1_000_000)}, separators=(",", ":")).encode()
    return b'{"jobRuns": [' + b",".join([b"0"] * 700_000) + b"]}"  # 1.4 MB, but 700,000 values


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = "html"

    def _json(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        mode = self.server.mode  # type: ignore[attr-defined]
        self.server.seen = dict(self.headers.items())  # type: ignore[attr-defined]
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "slow":  # answers, but takes its time: a run against it lasts long enough to interrupt
            time.sleep(0.3)
            mode = "html"
        if mode == "echo":  # quotes the credentials back, as an AWS error message can
            authorization = self.headers.get("authorization", "")
            signature = authorization.rpartition("Signature=")[2]
            self.server.__dict__.setdefault("echoed", []).append(signature)
            token = self.headers.get("x-amz-security-token", "")
            message = f"The request signature we calculated does not match. Header: {authorization}; token {token}"
            body = {"message": message, "expected": signature, "token": token, "header": authorization}
            self._json(403, json.dumps(body).encode())
            return
        if mode == "truncated":  # 81 of the 5,000 bytes it declares, then the connection closes
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "5000")
            self.end_headers()
            self.wfile.write(b'{"jobRunId": "' + b"x" * 66 + b'"')
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "big":
            self._json(200, _body("big"))
            return
        if mode == "keys":
            self._json(200, _body("keys"))
            return
        if mode == "values":
            self._json(200, _body("values"))
            return
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.rfile.close()
            self.wfile.close()
            self.connection.close()  # linger 0 and no other reference left: the peer gets a reset
            return
        if mode == "huge":
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(64 * 1024 * 1024))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(1024):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        body = b"<html><body>Service Unavailable</body></html>"
        self.send_response(503 if mode == "html" else 200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[ThreadingHTTPServer]:
    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the hostile handler breaks connections on purpose

    server = Quiet(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("html", "not JSON (text/html)"),
        ("html200", "not JSON (text/html)"),
        ("hang", "no answer within 1 s"),
        ("reset", "connection"),
        ("huge", "larger than"),
    ],
)
def test_a_misbehaving_server_fails_clauses_with_a_reason_and_the_run_goes_on(
    hostile: ThreadingHTTPServer, mode: str, reason: str
) -> None:
    hostile.mode = mode  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{hostile.server_address[1]}"
    clauses = [c for c in all_clauses(["aws-emr-serverless"], level="MUST", examples=0) if not c.skip][:3]
    began = time.monotonic()
    with UrlTarget(url, ("aws-emr-serverless",), containers={"aws-emr-serverless": "00fhostile"}) as target:
        target.transport._max = 1024 * 1024  # type: ignore[attr-defined]
        report = run(target, clauses, Settings(timeout=1))
    assert [r.outcome for r in report.results] == ["failed"] * 3
    assert all(reason in r.reason for r in report.results), [r.reason for r in report.results]
    assert time.monotonic() - began < 20


def test_an_unreachable_target_fails_every_clause_once_prepared() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clauses = all_clauses(["aws-emr-containers"], level="MUST", examples=0)[:5]
    with UrlTarget(f"http://127.0.0.1:{port}", ("aws-emr-containers",)) as target:
        report = run(target, clauses, Settings(timeout=1))
    failed = [r for r in report.results if r.outcome == "failed"]
    assert failed and all("connection refused" in r.reason for r in failed)
    assert all(r.outcome != "passed" for r in report.results)
