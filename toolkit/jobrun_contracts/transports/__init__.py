"""How requests reach an implementation: over HTTP, or in-process to a WSGI app or a callable."""

from .base import Transport
from .http import HttpTransport
from .inprocess import CallableTransport, WsgiTransport

__all__ = ["CallableTransport", "HttpTransport", "Transport", "WsgiTransport"]
