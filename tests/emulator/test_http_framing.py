"""Strict HTTP/1.1 framing over raw sockets: smuggling, truncated bodies and malformed requests are refused.

Each case sends exact bytes on a real loopback socket and reads until the server closes, so what is
checked is the wire itself: how many answers came, their status and JSON error format, and that
nothing the refused bytes asked for happened (the smuggled request is a control request that would
move the emulated clock).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from jobrun_contracts.emulator import Emulator, EmulatorServer

ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"
SMUGGLED_BODY = b'{"advance": 1000}'
SMUGGLED = b"POST /_emulator/clock HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (
    len(SMUGGLED_BODY),
    SMUGGLED_BODY,
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        found = json.loads(self.body)
        assert isinstance(found, dict)
        return found


def address(server: EmulatorServer) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(server.url)
    assert parsed.hostname and parsed.port
    return parsed.hostname, parsed.port


def connect(server: EmulatorServer, timeout: float = 5) -> socket.socket:
    return socket.create_connection(address(server), timeout=timeout)


def read_until_closed(sock: socket.socket, seconds: float = 5) -> tuple[bytes, bool]:
    """Everything the server sends within ``seconds``, and whether it closed the connection."""
    data = bytearray()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return bytes(data), True
        if not chunk:
            return bytes(data), True
        data += chunk
    return bytes(data), False


def parse(data: bytes) -> list[Answer]:
    """The HTTP/1.1 responses, one after another, in ``data`` (each framed by its Content-Length)."""
    answers = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"an incomplete response head: {data[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        version, status, _ = lines[0].split(" ", 2)
        assert version == "HTTP/1.1"
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        answers.append(Answer(int(status), headers, rest[:length]))
        data = rest[length:]
    return answers


def exchange(server: EmulatorServer, data: bytes, *, half_close: bool = False, seconds: float = 5) -> list[Answer]:
    """Send ``data`` on a new connection; the answers, once the server has closed it (which it must)."""
    with connect(server) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received, closed = read_until_closed(sock, seconds)
    assert closed, f"the server kept the connection open after {received[:200]!r}"
    return parse(received)


def refused(server: EmulatorServer, data: bytes, status: int, **options: bool) -> Answer:
    """Exactly one answer, with ``status``, and the connection closed."""
    answers = exchange(server, data, **options)
    assert [a.status for a in answers] == [status], answers
    assert answers[0].headers.get("connection") == "close"
    return answers[0]


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(seed=7), header_timeout=2, body_timeout=2, idle_timeout=2) as running:
        yield running


def jobruns(server: EmulatorServer) -> str:
    return f"/applications/{server.defaults['aws-emr-serverless']}/jobruns"


def start_body() -> bytes:
    driver = {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}}
    return json.dumps({"executionRoleArn": ROLE, "jobDriver": driver, "clientToken": "t1"}).encode()


def run_count(server: EmulatorServer) -> int:
    with connect(server) as sock:
        sock.sendall(f"GET {jobruns(server)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answers = parse(read_until_closed(sock)[0])
    assert answers[0].status == 200
    runs = answers[0].json()["jobRuns"]
    assert isinstance(runs, list)
    return len(runs)


# -- 7. request smuggling and truncated bodies ------------------------------------------------


@pytest.mark.parametrize(
    "framing",
    [
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
        b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(SMUGGLED),
        b"Content-Length: %d\r\nContent-Length: 0\r\n" % len(SMUGGLED),
        b"Content-Length: 0, %d\r\n" % len(SMUGGLED),
        b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
    ],
    ids=["te-gzip-chunked", "two-te", "cl-0-then-n", "cl-n-then-0", "cl-list", "cl-and-te", "te-and-cl"],
)
def test_ambiguous_framing_is_refused_and_the_hidden_request_never_runs(server: EmulatorServer, framing: bytes) -> None:
    before = server.emulator.clock.now()
    body = b"0\r\n\r\n" + SMUGGLED
    request = b"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n" + body
    answer = refused(server, request, 400)
    assert "error" in answer.json()  # a control path: the control API's own error format
    assert server.emulator.clock.now() == before, "the smuggled control request ran"


@pytest.mark.parametrize("value", ["1_3", "+13", "-1", "0x0d", "13.0", "١٣", " ", "13 13", ""])
def test_a_content_length_that_is_not_digits_is_refused(server: EmulatorServer, value: str) -> None:
    request = f"POST {jobruns(server)} HTTP/1.1\r\nHost: x\r\nContent-Length: {value}\r\n\r\n".encode() + start_body()
    answer = refused(server, request, 400)
    assert answer.headers["x-amzn-errortype"] == "BadRequestException"
    assert "Content-Length" in str(answer.json()["message"])
    assert run_count(server) == 0


def test_chunked_alone_is_411_and_te_on_http_1_0_is_400(server: EmulatorServer) -> None:
    chunked = b"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"
    assert "Content-Length" in str(refused(server, chunked, 411).json()["error"])
    old = b"POST /_emulator/reset HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    refused(server, old, 400)


def test_a_short_body_then_a_half_close_starts_no_run(server: EmulatorServer) -> None:
    body = start_body()
    head = f"POST {jobruns(server)} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body) + 10}\r\n\r\n".encode()
    answer = refused(server, head + body, 400, half_close=True)
    assert answer.headers["x-amzn-errortype"] == "BadRequestException"
    assert "before it was complete" in str(answer.json()["message"])
    assert run_count(server) == 0


def test_a_body_that_stops_arriving_times_out_and_starts_no_run(server: EmulatorServer) -> None:
    body = start_body()
    head = f"POST {jobruns(server)} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body) + 10}\r\n\r\n".encode()
    began = time.monotonic()
    answer = refused(server, head + body, 408)
    assert 1.5 < time.monotonic() - began < 4.5  # body_timeout is 2 s
    assert answer.headers["x-amzn-errortype"] == "RequestTimeoutException"
    assert run_count(server) == 0


def test_well_framed_requests_still_work_pipelined_and_with_expect_continue(server: EmulatorServer) -> None:
    body = start_body()
    start = f"POST {jobruns(server)} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    get = f"GET {jobruns(server)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    answers = exchange(server, start + b"\r\n" + get)  # a stray CRLF between requests is ignored (RFC 9112 2.2)
    assert [a.status for a in answers] == [200, 200]
    assert len(answers[1].json()["jobRuns"]) == 1  # type: ignore[arg-type]
    with connect(server) as sock:
        expecting = f"POST {jobruns(server)} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        sock.sendall(f"{expecting}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        interim = sock.recv(100)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        final = parse(read_until_closed(sock)[0])
    assert [a.status for a in final] == [200]  # the same client token: the same run, answered again


# -- 8. malformed HTTP gets a JSON answer and a close, never HTML and never silence -------------

TLS_CLIENT_HELLO = bytes.fromhex("16030100c4010000c00303") + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET / http/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        (b"GET /\r\n", 400),  # HTTP/0.9: answered as soon as the line ends, not held
        (TLS_CLIENT_HELLO, 400),
        (b"\x00\x01\x02\x03", 400),
        (b"GET / HTTP/1.1\nHost: x\n\n", 400),
        (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        (b"GET example.com HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ],
    ids=[
        "garbage",
        "four-words",
        "bad-version",
        "lowercase-version",
        "http-3",
        "http2-preface",
        "http-0.9",
        "tls-client-hello",
        "binary",
        "bare-lf",
        "space-before-colon",
        "obs-fold",
        "nul-in-value",
        "no-host",
        "two-hosts",
        "bad-target",
    ],
)
def test_malformed_requests_get_a_prompt_json_answer_and_a_close(
    server: EmulatorServer, data: bytes, status: int
) -> None:
    with connect(server) as sock:
        began = time.monotonic()
        sock.sendall(data)  # and the client keeps its side open: the server must not wait for more
        received, closed = read_until_closed(sock, seconds=5)
        elapsed = time.monotonic() - began
    assert closed and elapsed < 1.5, (received, elapsed)  # header_timeout is 2 s: this is not a timeout
    answers = parse(received)
    assert [a.status for a in answers] == [status]
    answer = answers[0]
    assert answer.headers["content-type"] == "application/json" and b"<html" not in answer.body.lower()
    assert answer.headers["x-amzn-errortype"].endswith("Exception") and answer.json()["message"]


def test_options_and_unknown_methods_are_answered_by_the_api_in_json(server: EmulatorServer) -> None:
    workspace = server.defaults["alibaba-emr-serverless-spark"]
    options = exchange(server, f"OPTIONS {jobruns(server)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert [a.status for a in options] == [404]
    assert options[0].headers["x-amzn-errortype"] == "UnknownOperationException"
    assert "OPTIONS" in str(options[0].json()["message"])
    path = f"/api/v1/workspaces/{workspace}/jobRuns"
    brew = exchange(server, f"BREW {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert [a.status for a in brew] == [404]
    assert brew[0].json()["code"] == "InvalidAction.NotFound" and brew[0].json()["requestId"]
    star = exchange(server, b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert [a.status for a in star] == [404] and star[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("path", "check"),
    [
        ("/api/v1/workspaces/w-1/jobRuns", lambda a: a.json()["code"] == "BadRequest" and a.json()["requestId"]),
        ("/virtualclusters/vc/jobruns", lambda a: a.headers["x-amzn-errortype"] == "BadRequestException"),
        ("/applications/app/jobruns", lambda a: a.headers["x-amzn-errortype"] == "BadRequestException"),
        ("/_emulator/clock", lambda a: "Content-Length" in a.json()["error"]),
    ],
    ids=["alibaba", "emr-containers", "emr-serverless", "control"],
)
def test_framing_errors_use_the_error_format_of_the_api_the_path_names(
    server: EmulatorServer, path: str, check: object
) -> None:
    answer = refused(server, f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1_3\r\n\r\n".encode(), 400)
    assert callable(check) and check(answer), answer


def test_header_size_count_and_request_line_limits() -> None:
    with EmulatorServer(Emulator(), max_header_bytes=4096, max_headers=10) as server:
        many = b"".join(b"X-%d: 1\r\n" % n for n in range(11))
        answer = refused(server, b"GET /applications HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", 431)
        assert answer.headers["x-amzn-errortype"] == "RequestHeaderFieldsTooLargeException"
        big = b"X-Big: " + b"a" * 5000 + b"\r\n"
        refused(server, b"GET /applications HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n", 431)
        ten = b"".join(b"X-%d: 1\r\n" % n for n in range(8))  # with Host and Connection: ten
        fine = exchange(server, b"GET /_emulator HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + ten + b"\r\n")
        assert [a.status for a in fine] == [200]
    with EmulatorServer(Emulator()) as server:
        refused(server, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)
