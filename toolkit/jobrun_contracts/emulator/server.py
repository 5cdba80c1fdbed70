"""Serve an :class:`Emulator` over real HTTP on loopback: threaded, keep-alive, quiet, stoppable."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ..wire.messages import HttpRequest, HttpResponse
from .app import MAX_BODY, Emulator

_IDLE_TIMEOUT = 30.0  # seconds a kept-alive or slow client may hold a thread


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jobrun-emulator"
    sys_version = ""
    server: _Server
    timeout = _IDLE_TIMEOUT

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle and delayed ACKs add 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length_header = self.headers.get("content-length")
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            self._send(_plain(411, "chunked request bodies are not supported; send Content-Length"), close=True)
            return
        try:
            length = int(length_header) if length_header else 0
        except ValueError:
            self._send(_plain(400, "invalid Content-Length"), close=True)
            return
        if length < 0 or length > MAX_BODY:
            self._send(_plain(413, f"request bodies are limited to {MAX_BODY} bytes"), close=True)
            return
        body = self.rfile.read(length) if length else b""
        if self.server.closing:  # stopped while this kept-alive connection waited: no more answers
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = HttpRequest(self.command.upper(), self.path, headers, body)
        try:
            response = self.server.emulator(request)
        except Exception as error:  # a bug of ours must still answer, and answer like the service
            message = f"Internal error in the emulator: {type(error).__name__}: {error}"
            response = HttpResponse(
                500,
                {"content-type": "application/json", "x-amzn-errortype": "InternalServerException"},
                json.dumps({"message": message, "code": "InternalError"}).encode(),
            )
        self._send(response)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _serve

    def _send(self, response: HttpResponse, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        if close:
            self.send_header("connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the standard library's 5 stalls bursts of new connections for seconds
    emulator: Emulator
    closing = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-request is not the server's problem to print


class _Server6(_Server):
    address_family = socket.AF_INET6


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

    def __init__(self, emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator or Emulator()
        server_class = _Server6 if _family(host, port) == socket.AF_INET6 else _Server
        self._server = server_class((host.strip("[]"), port), _Handler, bind_and_activate=True)
        self._server.emulator = self.emulator
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
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
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="jobrun-emulator", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.closing = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps({"message": message}).encode())
