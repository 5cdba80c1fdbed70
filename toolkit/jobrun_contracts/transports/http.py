"""Requests over real HTTP, with a hard deadline per request and a cap on what a server may send back.

A hostile or broken server can hang, trickle bytes, or answer with gigabytes; each becomes a
:class:`TargetError` with a one-line reason, so the clause fails and the run goes on.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.parse

from ..errors import TargetError, UsageError
from ..wire.messages import HttpRequest, HttpResponse

MAX_RESPONSE = 16 * 1024 * 1024


class HttpTransport:
    def __init__(self, base_url: str, *, max_response: int = MAX_RESPONSE) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise UsageError(f"not an http(s) URL: '{base_url}'")
        if parsed.username is not None or parsed.password is not None:
            raise UsageError("put no credentials in the target URL: they would travel in every request and report")
        self.base_url = base_url.rstrip("/")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self.prefix = parsed.path.rstrip("/")  # the target adds it before signing
        self.netloc = parsed.netloc
        self._max = max_response
        self._local = threading.local()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        for attempt in (1, 2):  # a kept-alive connection the server closed gets one fresh try
            connection = self._connection(timeout)
            expired = threading.Event()
            watchdog = threading.Timer(timeout, _abort, args=(connection, expired))
            watchdog.start()
            try:
                headers = {k: v for k, v in request.headers.items() if k != "content-length"}
                connection.request(request.method, request.target, body=request.body, headers=headers)
                response = connection.getresponse()
                body = response.read(self._max + 1)
                if len(body) > self._max:
                    self._drop()
                    raise TargetError(f"{self.base_url}: response body larger than {self._max} bytes")
                if response.will_close:
                    self._drop()
                return HttpResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
            except TargetError:
                raise
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                if expired.is_set() or isinstance(error, (TimeoutError, socket.timeout)):
                    raise TargetError(f"{self.base_url}: no complete answer within {timeout:g} s") from None
                if isinstance(error, ConnectionRefusedError):
                    raise TargetError(f"{self.base_url}: connection refused") from None
                closed = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                if isinstance(error, closed):
                    if attempt == 1:
                        continue
                    raise TargetError(f"{self.base_url}: connection closed by the server ({error})") from None
                raise TargetError(f"{self.base_url}: {type(error).__name__}: {error}") from None
            finally:
                watchdog.cancel()
        raise AssertionError("unreachable")

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=timeout)
            self._local.connection = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def close(self) -> None:
        self._drop()


def _abort(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline passed: shut the socket so a blocked read returns at once."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
