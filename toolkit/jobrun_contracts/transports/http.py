"""Requests over real HTTP, with a hard deadline per request and a cap on what a server may send back.

A hostile or broken server can hang, trickle bytes, cut a body short, or answer with gigabytes;
each becomes a :class:`TargetError` with a one-line reason, so the clause fails and the run goes
on. :class:`NoAnswer` (a refused connection, or no response begun within the deadline) says the
target may be down altogether, which a runner may use to stop asking.

A base URL never carries credentials: :func:`split_userinfo` finds them (a secret may hold ``/``,
so the userinfo ends at the last ``@`` before any ``?`` or ``#``), and errors show the URL without them.
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
_CHUNK = 64 * 1024


class NoAnswer(TargetError):
    """Nothing came back: the connection was refused or failed, or no response began within the deadline."""


def split_userinfo(url: str) -> tuple[str, str | None]:
    """The URL without its userinfo, and the userinfo (None when there is none).

    The userinfo ends at the last ``@`` before any ``?`` or ``#`` (not at the first ``/``, as
    :func:`urllib.parse.urlsplit` has it), so that a secret holding ``/`` is never taken for a host,
    port or path. A base URL whose path holds an ``@`` is therefore read as carrying credentials.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None
    end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    if at < 0:
        return url, None
    return f"{scheme}://{rest[at + 1 :]}", rest[:at]


def shown_url(url: str) -> str:
    """The URL as messages may show it: any userinfo replaced."""
    bare, userinfo = split_userinfo(url)
    if userinfo is None:
        return url
    scheme, _, rest = bare.partition("://")
    return f"{scheme}://<redacted>@{rest}"


class HttpTransport:
    def __init__(self, base_url: str, *, max_response: int = MAX_RESPONSE) -> None:
        bare, userinfo = split_userinfo(base_url)
        if userinfo is not None:
            raise UsageError(
                f"put no credentials in the target URL ({shown_url(base_url)}): they would travel in every request "
                "and report; give them through the environment"
            )
        try:
            parsed = urllib.parse.urlsplit(bare)
            port = parsed.port
        except ValueError:
            raise UsageError(f"not an http(s) URL with a valid host and port: '{bare}'") from None
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise UsageError(f"not an http(s) URL: '{bare}'")
        self.base_url = bare.rstrip("/")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = port
        self.prefix = parsed.path.rstrip("/")  # the target adds it before signing
        self.netloc = parsed.netloc
        self._max = max_response
        self._local = threading.local()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        for attempt in (1, 2):  # a kept-alive connection the server closed gets one fresh try
            connection = self._connection(timeout)
            expired = threading.Event()
            watchdog = threading.Timer(timeout, _abort, args=(connection, expired))
            watchdog.daemon = True
            watchdog.start()
            answered = False  # a status line came back: the target is alive, whatever follows
            try:
                headers = {k: v for k, v in request.headers.items() if k != "content-length"}
                connection.request(request.method, request.target, body=request.body, headers=headers)
                response = connection.getresponse()
                answered = True
                body = self._read(response)
                if response.will_close:
                    self._drop()
                return HttpResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
            except TargetError:
                self._drop()
                raise
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                if expired.is_set() or isinstance(error, (TimeoutError, socket.timeout)):
                    if answered:
                        raise TargetError(f"{self.base_url}: no complete answer within {timeout:g} s") from None
                    raise NoAnswer(f"{self.base_url}: no answer within {timeout:g} s") from None
                if isinstance(error, http.client.IncompleteRead):
                    raise TargetError(f"{self.base_url}: truncated response: {_incomplete(error)}") from None
                if isinstance(error, ConnectionRefusedError):
                    raise NoAnswer(f"{self.base_url}: connection refused") from None
                closed = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                if isinstance(error, closed):
                    if attempt == 1 and not answered:
                        continue
                    raise TargetError(f"{self.base_url}: connection closed by the server ({error})") from None
                if not answered and isinstance(error, OSError):  # unreachable host, unknown name...
                    raise NoAnswer(f"{self.base_url}: {type(error).__name__}: {error}") from None
                raise TargetError(f"{self.base_url}: {type(error).__name__}: {error}") from None
            except BaseException:  # Ctrl-C mid-request: the connection is half used, and the next send needs a new one
                self._drop()
                raise
            finally:
                watchdog.cancel()
        raise AssertionError("unreachable")

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        """The whole body, or a TargetError: larger than the cap, or shorter than its Content-Length said."""
        declared = response.length  # None unless a Content-Length came (http.client counts it down)
        body = bytearray()
        while len(body) <= self._max:
            chunk = response.read(min(_CHUNK, self._max + 1 - len(body)))
            if not chunk:
                break
            body += chunk
        if len(body) > self._max:
            raise TargetError(f"{self.base_url}: response body larger than {self._max} bytes")
        if response.length:  # bytes still owed when the connection ended
            raise TargetError(
                f"{self.base_url}: truncated response: {len(body)} of {declared} declared bytes, "
                "then the connection closed"
            )
        return bytes(body)

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


def _incomplete(error: http.client.IncompleteRead) -> str:
    got = len(error.partial)
    if error.expected is None:
        return f"{got} bytes, then the connection closed"
    return f"{got} bytes and {error.expected} more expected, then the connection closed"


def _abort(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline passed: shut the socket so a blocked read returns at once."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
