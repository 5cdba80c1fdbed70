"""Requests handed to an implementation inside this process: a callable over HttpRequest, a WSGI or an ASGI app.

No sockets, so a handler can be checked before it is ever deployed behind a server.
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import TargetError
from ..wire.messages import HttpRequest, HttpResponse


class CallableTransport:
    """``handler(HttpRequest) -> HttpResponse``, e.g. :class:`jobrun_contracts.emulator.Emulator` itself."""

    def __init__(self, handler: Callable[[HttpRequest], HttpResponse]) -> None:
        self._handler = handler

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        return _bounded(lambda: self._handler(request), timeout)

    def close(self) -> None:
        pass


class WsgiTransport:
    """A PEP 3333 application, called with an environ built from the request."""

    def __init__(self, app: Callable[..., Iterable[bytes]], host: str = "localhost") -> None:
        self._app = app
        self._host = host

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        return _bounded(lambda: self._call(request), timeout)

    def _call(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.target)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path, encoding="latin-1"),
            "RAW_URI": request.target,
            "REQUEST_URI": request.target,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": self._host.split(":")[0],
            "SERVER_PORT": self._host.split(":")[1] if ":" in self._host else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(request.body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ[f"HTTP_{key}"] = value
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Callable[[bytes], None]:
            started["status"], started["headers"] = status, headers
            return lambda chunk: None

        chunks = self._app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if "status" not in started:
            raise TargetError("the WSGI app returned without calling start_response")
        status = int(str(started["status"]).split(" ", 1)[0])
        return HttpResponse(status, {k.lower(): v for k, v in started["headers"]}, body)

    def close(self) -> None:
        pass


class AsgiTransport:
    """An ASGI 3 application (HTTP scope), each request run to completion on its own event loop."""

    def __init__(self, app: Callable[..., Any], host: str = "localhost") -> None:
        self._app = app
        self._host = host

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        return _bounded(lambda: asyncio.run(self._call(request)), timeout)

    async def _call(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.target)
        host, _, port = self._host.partition(":")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": unquote(parts.path),
            "raw_path": parts.path.encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()],
            "server": (host, int(port or 80)),
            "client": ("127.0.0.1", 0),
        }
        pending = [{"type": "http.request", "body": request.body, "more_body": False}]
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                started["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._app(scope, receive, send)
        if "status" not in started:
            raise TargetError("the ASGI app finished without starting a response")
        headers = {bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1") for k, v in started["headers"]}
        return HttpResponse(int(started["status"]), headers, b"".join(chunks))

    def close(self) -> None:
        pass


def _bounded(call: Callable[[], HttpResponse], timeout: float) -> HttpResponse:
    """Run the handler in a worker thread so a hang becomes a TargetError instead of a stuck run."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["response"] = call()
        except BaseException as error:  # the implementation's own crash is a finding, reported below
            outcome["error"] = error

    worker = threading.Thread(target=work, name="jobrun-inprocess", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TargetError(f"the handler gave no answer within {timeout:g} s")
    if "error" in outcome:
        error = outcome["error"]
        raise TargetError(f"the handler raised {type(error).__name__}: {error}")
    response = outcome["response"]
    if not isinstance(response, HttpResponse):
        raise TargetError(f"the handler returned {type(response).__name__}, not an HttpResponse")
    return response
