"""The request and answer records shared by the emulator, the signers and the transports.

They are plain data so that one server, a WSGI app, an in-process callable and a signer can all
speak about the same request without a web framework in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as it travelled: the raw target keeps the client's percent-encoding, which signatures cover."""

    method: str  # upper case
    target: str  # raw request-target as sent: path plus optional "?query", percent-encoding untouched
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes = b""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class AuthFailure:
    """Why a request's signature was refused, in the words the service uses."""

    status: int
    code: str
    message: str
