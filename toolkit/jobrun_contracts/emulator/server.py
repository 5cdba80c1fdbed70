"""Serve an :class:`Emulator` over real HTTP on loopback: strict framing, bounded connections, stoppable.

One thread (the loop) owns every connection that is waiting for a request: it accepts, reads
request heads and bodies without blocking and enforces the limits below. Only a request that
arrived whole is handed to a worker thread, which calls the emulator and writes the answer; a
kept-alive connection then goes back to the loop. A slow or idle client costs a socket and a
buffer, never a thread.

Framing follows RFC 9112 strictly. Anything the server cannot frame without guessing is refused
with an answer in the API's JSON error format (chosen from the path; AWS style when the path tells
nothing) and the connection is closed: a request line that is not ``METHOD SP target SP HTTP/1.x``
(400; another major version, such as an HTTP/2 preface, 505), bare CR or LF, folded or malformed
header fields, several ``Host`` or a missing one on HTTP/1.1, ``Transfer-Encoding`` other than
exactly ``chunked`` (400; exactly ``chunked`` is 411, bodies need ``Content-Length``), both
``Transfer-Encoding`` and ``Content-Length``, several ``Content-Length`` or one that is not
digits, and a body that ends (the client half-closes) before ``Content-Length`` bytes came (400).
The emulator never sees a request that did not arrive whole.

Limits (all settable on :class:`EmulatorServer`): the request line and headers must arrive within
``header_timeout`` seconds of the request's first byte and the body within ``body_timeout`` of
the headers (else 408); a connection waiting for its first or next request is closed after
``idle_timeout``; the head may not exceed ``max_header_bytes`` nor ``max_headers`` fields (431;
a request line over 64 KiB is 414). Beyond ``max_connections`` open connections a new one is
answered 503 at once and closed: nothing is queued.
"""

from __future__ import annotations

import collections
import contextlib
import ipaddress
import json
import re
import selectors
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit

from ..wire.messages import HttpRequest, HttpResponse
from ..wire.service_errors import ServiceError
from .app import CONTROL_PREFIX, MAX_BODY, Emulator
from .flavours import AlibabaServerlessSpark

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

HEADER_TIMEOUT = 5.0  # seconds from a request's first byte to the end of its headers
BODY_TIMEOUT = 10.0  # seconds from the end of the headers to the end of the body
IDLE_TIMEOUT = 5.0  # seconds a connection may wait for its first or next request
MAX_CONNECTIONS = 4096  # or fewer when the open-file limit is lower: see _connection_cap
MAX_HEADER_BYTES = 128 * 1024  # the request line and every header field, with their line ends
MAX_HEADERS = 100
MAX_REQUEST_LINE = 64 * 1024  # as the standard library allows
WORKERS = 16  # threads that call the emulator (it serialises on one lock: more would only wait)
BACKLOG = 128  # the standard library's 5 stalls bursts of new connections for seconds

_LINGER = 1.0  # after a refusal, seconds to read and drop what the client still sends, so it sees the answer
_MAX_LINGERING = 256  # connections lingering at once; past that, a refused connection is closed at once
_TICK = 0.1  # the loop looks at deadlines and at stop this often
_ACCEPTS_PER_TURN = 64
_READ = 64 * 1024

_TCHAR = rb"!#$%&'*+\-.^_`|~0-9A-Za-z"
_TOKEN = re.compile(rb"[" + _TCHAR + rb"]+")
_REQUEST_LINE = re.compile(rb"([" + _TCHAR + rb"]+) ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
_BARE_CR_OR_LF = re.compile(rb"(?<!\r)\n|\r(?=[^\n])")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # controls other than HTAB
_DIGITS = re.compile(rb"[0-9]{1,19}")

#: The code a framing error carries: AWS appends "Exception" (x-amzn-ErrorType), Alibaba uses it as is.
_CODES = {
    400: "BadRequest",
    408: "RequestTimeout",
    411: "LengthRequired",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLong",
    431: "RequestHeaderFieldsTooLarge",
    500: "InternalServer",
    503: "ServiceUnavailable",
    505: "HTTPVersionNotSupported",
}


class _Refusal(Exception):
    """A request the server will not pass on: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.target = status, message, target


@dataclass
class _Head:
    method: str  # upper case
    target: str  # origin-form ("/path?query"), or "*"
    headers: dict[str, str]  # lower-cased names; repeated fields joined with ", "
    length: int  # of the body
    keep_alive: bool
    http10: bool
    expect_continue: bool
    size: int  # bytes of the head, its final blank line included


def _parse_head(buffer: bytes | bytearray, max_bytes: int, max_fields: int) -> _Head | None:
    """The head at the start of ``buffer`` once it is complete (None before), or a :class:`_Refusal`."""
    end = buffer.find(b"\r\n\r\n")
    head = buffer if end < 0 else buffer[: end + 4]
    if buffer[:1] == b"\x16":
        raise _Refusal(400, "This is a TLS handshake; the emulator serves plain HTTP (http://, not https://).")
    if buffer and not _TOKEN.match(buffer[:1]):
        raise _Refusal(400, "Not an HTTP/1.1 request: a request line starts with a method.")
    if _BARE_CR_OR_LF.search(head):
        raise _Refusal(400, "A bare CR or LF in the request head; lines end in CRLF.")
    line_end = buffer.find(b"\r\n")
    if line_end < 0 or line_end > MAX_REQUEST_LINE:
        if len(buffer) > MAX_REQUEST_LINE:
            raise _Refusal(414, f"The request line is longer than {MAX_REQUEST_LINE} bytes.")
        return None
    method, target, http10 = _request_line(bytes(buffer[:line_end]))
    size = len(head) if end >= 0 else len(buffer)
    if size > max_bytes:
        raise _Refusal(431, f"The request head is larger than {max_bytes} bytes.", target)
    if head.count(b"\r\n") - 1 - (end >= 0) > max_fields:  # the request line's CRLF, the blank line's
        raise _Refusal(431, f"The request has more than {max_fields} header fields.", target)
    if end < 0:
        return None
    fields: dict[str, list[str]] = {}
    for line in bytes(buffer[line_end + 2 : end]).split(b"\r\n") if end > line_end else []:
        if line[:1] in (b" ", b"\t"):
            raise _Refusal(400, "Obsolete line folding in a header field.", target)
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise _Refusal(400, f"A malformed header field: {line[:80]!r}.", target)
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise _Refusal(400, f"A control character in header field {name.decode()}.", target)
        fields.setdefault(name.decode().lower(), []).append(value.decode("latin-1"))
    hosts = fields.get("host", [])
    if len(hosts) > 1 or (not hosts and not http10):
        raise _Refusal(400, "An HTTP/1.1 request carries exactly one Host header field.", target)
    length = _body_length(fields, http10, target)
    connection = {token.strip().lower() for value in fields.get("connection", []) for token in value.split(",")}
    keep_alive = "keep-alive" in connection if http10 else "close" not in connection
    expect = not http10 and any(v.lower() == "100-continue" for v in fields.get("expect", []))
    headers = {name: ", ".join(values) for name, values in fields.items()}
    return _Head(method, target, headers, length, keep_alive, http10, expect, end + 4)


def _request_line(line: bytes) -> tuple[str, str, bool]:
    """Method (upper case), origin-form target and whether it is HTTP/1.0; a :class:`_Refusal` otherwise."""
    found = _REQUEST_LINE.fullmatch(line)
    if found is None:
        if len(line.split(b" ")) == 2:
            raise _Refusal(400, "A request line without a version (HTTP/0.9) is not served; send HTTP/1.1.")
        raise _Refusal(400, "A malformed request line: it must be 'METHOD target HTTP/1.1'.")
    method, raw_target = found.group(1).decode().upper(), found.group(2).decode()
    major, minor = int(found.group(3)), int(found.group(4))
    target = raw_target
    if raw_target.startswith(("http://", "https://")):  # absolute-form: keep the path and query
        parts = urlsplit(raw_target)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if major != 1:
        raise _Refusal(505, f"HTTP/{major}.{minor} is not supported; this server speaks HTTP/1.1.", target)
    if not (target.startswith("/") or (target == "*" and method == "OPTIONS")):
        raise _Refusal(400, f"A request target must be a path starting with '/', not {raw_target[:80]!r}.")
    return method, target, minor == 0


def _body_length(fields: dict[str, list[str]], http10: bool, target: str) -> int:
    codings, lengths = fields.get("transfer-encoding", []), fields.get("content-length", [])
    if codings and lengths:
        raise _Refusal(400, "Both Transfer-Encoding and Content-Length: the body's length is ambiguous.", target)
    if codings:
        if len(codings) == 1 and codings[0].lower() == "chunked" and not http10:
            raise _Refusal(411, "Chunked request bodies are not supported; send Content-Length.", target)
        raise _Refusal(400, f"Transfer-Encoding must be exactly 'chunked', not {', '.join(codings)[:80]!r}.", target)
    if len(lengths) > 1:
        raise _Refusal(400, "Several Content-Length header fields.", target)
    if not lengths:
        return 0
    if not _DIGITS.fullmatch(lengths[0].encode("latin-1")):
        if lengths[0].isdigit():  # many digits: too large to be a body we accept
            raise _Refusal(413, f"Request bodies are limited to {MAX_BODY} bytes.", target)
        raise _Refusal(400, f"Content-Length must be decimal digits, not {lengths[0][:40]!r}.", target)
    length = int(lengths[0])
    if length > MAX_BODY:
        raise _Refusal(413, f"Request bodies are limited to {MAX_BODY} bytes.", target)
    return length


def error_for(emulator: Emulator, target: str | None, status: int, message: str) -> HttpResponse:
    """A refusal the server makes itself, in the error format of the API ``target`` belongs to."""
    path = urlsplit(target).path if target else ""
    if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
        return HttpResponse(status, {"content-type": "application/json"}, json.dumps({"error": message}).encode())
    first = path.split("/")[1:2]
    api = {"api": "alibaba-emr-serverless-spark", "virtualclusters": "aws-emr-containers"}.get(
        first[0] if first else "", "aws-emr-serverless"
    )
    flavour = emulator.flavours[api]
    code = _CODES.get(status, "BadRequest")
    if isinstance(flavour, AlibabaServerlessSpark):
        return flavour.error_response(ServiceError(status, code, message), str(uuid.uuid4()).upper())
    return flavour.error_response(ServiceError(status, code + "Exception", message), str(uuid.uuid4()))


def _serialize(response: HttpResponse, head: _Head | None, keep_alive: bool) -> bytes:
    status = response.status
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP/1.1 {status} {reason}", "Server: jobrun-emulator", f"Date: {formatdate(usegmt=True)}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items() if name.lower() != "content-length"]
    lines.append(f"content-length: {len(response.body)}")
    if not keep_alive:
        lines.append("connection: close")
    elif head is not None and head.http10:
        lines.append("connection: keep-alive")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data if head is not None and head.method == "HEAD" else data + response.body


_IDLE, _HEAD, _BODY, _BUSY, _LINGERING = range(5)


class _Connection:
    __slots__ = ("buffer", "deadline", "head", "sock", "state")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.head: _Head | None = None
        self.state = _IDLE
        self.deadline = deadline


class _Server:
    """The listening socket, the loop that owns waiting connections, and the workers."""

    def __init__(self, address: tuple[str, int], family: int, emulator: Emulator) -> None:
        self.emulator = emulator
        self.header_timeout, self.body_timeout, self.idle_timeout = HEADER_TIMEOUT, BODY_TIMEOUT, IDLE_TIMEOUT
        self.max_connections = _connection_cap(MAX_CONNECTIONS)
        self.max_header_bytes, self.max_headers = MAX_HEADER_BYTES, MAX_HEADERS
        self.write_timeout = BODY_TIMEOUT
        self.closing = False
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(address)
            self._listener.listen(BACKLOG)
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.server_address: tuple[str, int] = self._listener.getsockname()[:2]
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._listening = True
        self._connections: set[_Connection] = set()  # open and not lingering: what max_connections counts
        self._lingering: set[_Connection] = set()
        self._returned: collections.deque[tuple[_Connection, bool]] = collections.deque()
        self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="jobrun-emulator-worker")
        self._started, self._done = threading.Event(), threading.Event()
        self._closed = False
        self._lock = threading.Lock()

    # -- the loop ---------------------------------------------------------------------------

    def serve_forever(self) -> None:
        self._started.set()
        next_sweep = 0.0
        try:
            while not self.closing:
                events = self._selector.select(_TICK)
                now = time.monotonic()
                for key, _ in events:
                    if key.data == "accept":
                        self._accept(now)
                    elif key.data == "wake":
                        self._drain_wake()
                    elif isinstance(key.data, _Connection):
                        self._readable(key.data, now)
                self._take_back(now)
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + _TICK
        finally:
            self.server_close()
            self._done.set()

    def _accept(self, now: float) -> None:
        for _ in range(_ACCEPTS_PER_TURN):
            try:
                sock, _ = self._listener.accept()
            except BlockingIOError:
                return
            except OSError:  # out of file descriptors: stop listening for a tick rather than spin
                self._selector.unregister(self._listener)
                self._listening = False
                return
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # two writes, no 40 ms Nagle stall
            conn = _Connection(sock, now + self.idle_timeout)
            if len(self._connections) >= self.max_connections:
                message = f"The emulator is at its limit of {self.max_connections} connections; try again shortly."
                self._refuse(conn, _Refusal(503, message), now, registered=False)
                continue
            self._connections.add(conn)
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _readable(self, conn: _Connection, now: float) -> None:
        try:
            data = conn.sock.recv(_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if conn.state == _LINGERING:
            if not data:
                self._close(conn)
            return  # read and dropped
        if not data:  # the client closed (or half-closed) its side
            if conn.buffer.strip(b"\r\n") or conn.head is not None:
                target = conn.head.target if conn.head else None
                self._refuse(conn, _Refusal(400, "The request ended before it was complete.", target), now)
            else:
                self._close(conn)
            return
        conn.buffer += data
        self._progress(conn, now)

    def _progress(self, conn: _Connection, now: float) -> None:
        """Move a connection on with what its buffer holds: wait for more, refuse, or hand a whole request on."""
        if conn.head is None:
            while conn.buffer[:2] == b"\r\n":  # RFC 9112 2.2: ignore empty lines before a request line
                del conn.buffer[:2]
            if not conn.buffer:
                return
            if conn.state == _IDLE:
                conn.state, conn.deadline = _HEAD, now + self.header_timeout
            try:
                conn.head = _parse_head(conn.buffer, self.max_header_bytes, self.max_headers)
            except _Refusal as refusal:
                self._refuse(conn, refusal, now)
                return
            if conn.head is None:
                return
            conn.state, conn.deadline = _BODY, now + self.body_timeout
            if conn.head.expect_continue and conn.head.length and len(conn.buffer) < conn.head.size + 1:
                _send_some(conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
        head = conn.head
        end = head.size + head.length
        if len(conn.buffer) < end:
            return
        body = bytes(conn.buffer[head.size : end])
        del conn.buffer[:end]
        conn.head, conn.state = None, _BUSY
        self._selector.unregister(conn.sock)
        try:
            self._workers.submit(self._answer, conn, head, body)
        except RuntimeError:  # the workers are shut down: we are stopping
            self._close(conn)

    def _sweep(self, now: float) -> None:
        if not self._listening:
            self._selector.register(self._listener, selectors.EVENT_READ, "accept")
            self._listening = True
        for conn in [c for c in (*self._connections, *self._lingering) if c.state != _BUSY and c.deadline <= now]:
            if conn.state in (_IDLE, _LINGERING):
                self._close(conn)
            else:
                what = "request line and headers" if conn.state == _HEAD else "request body"
                limit = self.header_timeout if conn.state == _HEAD else self.body_timeout
                target = conn.head.target if conn.head else None
                self._refuse(conn, _Refusal(408, f"The {what} did not arrive within {limit:g} s.", target), now)

    def _refuse(self, conn: _Connection, refusal: _Refusal, now: float, registered: bool = True) -> None:
        """Answer the refusal, stop sending, and read what the client still sends for a moment, then close."""
        response = error_for(self.emulator, refusal.target, refusal.status, refusal.message)
        _send_some(conn.sock, _serialize(response, None, keep_alive=False))
        self._connections.discard(conn)
        if len(self._lingering) >= _MAX_LINGERING:
            self._close(conn, registered)
            return
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn, registered)
            return
        conn.state, conn.deadline, conn.head = _LINGERING, now + _LINGER, None
        conn.buffer.clear()
        self._lingering.add(conn)
        if not registered:
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _close(self, conn: _Connection, registered: bool = True) -> None:
        self._connections.discard(conn)
        self._lingering.discard(conn)
        if registered and conn.state != _BUSY:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(conn.sock)
        conn.sock.close()

    # -- workers ----------------------------------------------------------------------------

    def _answer(self, conn: _Connection, head: _Head, body: bytes) -> None:
        keep = False
        try:
            if self.closing:  # stopped while this request waited: no more answers
                conn.sock.close()
                return
            response = self._call(HttpRequest(head.method, head.target, head.headers, body))
            keep = head.keep_alive and not self.closing
            conn.sock.settimeout(self.write_timeout)
            conn.sock.sendall(_serialize(response, head, keep))
        except OSError:
            keep = False
            conn.sock.close()
            conn.state = _LINGERING  # closed: the loop only forgets it
        finally:
            with self._lock:
                self._returned.append((conn, keep))
            _send_some(self._wake_write, b"\0")

    def _call(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.emulator(request)
        except Exception as error:  # a bug of ours must still answer, and answer like the service
            message = f"Internal error in the emulator: {type(error).__name__}: {error}"
            return error_for(self.emulator, request.target, 500, message)

    def _take_back(self, now: float) -> None:
        while True:
            with self._lock:
                if not self._returned:
                    return
                conn, keep = self._returned.popleft()
            if conn.sock.fileno() < 0:  # the worker closed it
                self._connections.discard(conn)
                continue
            conn.sock.setblocking(False)
            if not keep or self.closing:
                conn.state = _IDLE
                self._refuse_quietly(conn, now)
                continue
            conn.state, conn.deadline = _IDLE, now + self.idle_timeout
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            self._progress(conn, now)  # a pipelined request may be waiting in the buffer

    def _refuse_quietly(self, conn: _Connection, now: float) -> None:
        """Close after an answer that said ``connection: close``: stop sending, linger to drain, close."""
        self._connections.discard(conn)
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            conn.sock.close()
            return
        if len(self._lingering) >= _MAX_LINGERING or self.closing:
            conn.sock.close()
            return
        conn.state, conn.deadline = _LINGERING, now + _LINGER
        self._lingering.add(conn)
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _drain_wake(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    # -- stopping ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Ask the loop to stop and wait (a few seconds at most) until it has."""
        self.closing = True
        _send_some(self._wake_write, b"\0")
        if self._started.is_set():
            self._done.wait(5)

    def server_close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.closing = True
        self._workers.shutdown(wait=False, cancel_futures=True)
        for conn in (*self._connections, *self._lingering):
            conn.sock.close()  # a worker writing to a busy one gets an OSError and lets it go
        self._connections.clear()
        self._lingering.clear()
        self._selector.close()
        self._listener.close()
        self._wake_read.close()
        self._wake_write.close()


def _send_some(sock: socket.socket, data: bytes) -> None:
    """Send what fits without waiting; a client that does not read loses the rest."""
    with contextlib.suppress(OSError):
        sock.send(data)  # every socket the loop holds, and the wake-up pair, is non-blocking


def _connection_cap(wanted: int) -> int:
    """``wanted``, or fewer so that accepting never runs out of file descriptors."""
    if resource is None:
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - 64))


def _family(host: str, port: int) -> int:
    """IPv6 for ``::1`` (or a name that resolves only to IPv6), IPv4 otherwise."""
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host.strip("[]")).version == 6 else socket.AF_INET
    except ValueError:
        pass
    try:
        return int(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0])
    except OSError:
        return socket.AF_INET


class EmulatorServer:
    """A running emulator on a real socket; use as a context manager or call start/stop."""

    def __init__(
        self,
        emulator: Emulator | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int | None = None,
        max_header_bytes: int = MAX_HEADER_BYTES,
        max_headers: int = MAX_HEADERS,
    ) -> None:
        """The limits are described in this module's docstring and docs/emulator.md ("Connections and framing").

        ``max_connections`` defaults to 4,096, or to the open-file limit less 64 when that is lower.
        """
        self.emulator = emulator or Emulator()
        self._server = _Server((host.strip("[]"), port), _family(host, port), self.emulator)
        self._server.header_timeout, self._server.body_timeout = header_timeout, body_timeout
        self._server.idle_timeout, self._server.write_timeout = idle_timeout, body_timeout
        if max_connections is not None:
            self._server.max_connections = max_connections
        self._server.max_header_bytes, self._server.max_headers = max_header_bytes, max_headers
        self._thread: threading.Thread | None = None

    @property
    def max_connections(self) -> int:
        return self._server.max_connections

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    # -- the control handle: the emulator's test controls, reachable from the server ----------

    @property
    def defaults(self) -> dict[str, str]:
        """The id of the ready-made application, virtual cluster and workspace, by API."""
        return dict(self.emulator.defaults)

    def advance(self, seconds: float) -> float:
        return self.emulator.advance(seconds)

    def fail(self, run_id: str, reason: str = "Job run failed: failure injected by the test.") -> str:
        return self.emulator.fail(run_id, reason)

    def reset(self) -> None:
        self.emulator.reset()

    def start(self) -> EmulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="jobrun-emulator", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()  # also stops a loop run by serve_forever() in a thread of the caller's
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
