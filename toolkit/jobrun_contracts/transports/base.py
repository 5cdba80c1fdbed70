"""The one thing every transport does: send a request, return the response or raise TargetError."""

from __future__ import annotations

from typing import Protocol

from ..wire.messages import HttpRequest, HttpResponse


class Transport(Protocol):
    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        """The response, whatever its status; :class:`TargetError` when there is none to be had."""
        ...

    def close(self) -> None: ...
