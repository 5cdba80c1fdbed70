"""How requests reach an implementation: over HTTP, or in-process to a callable, a WSGI or an ASGI app."""

from .base import Transport
from .http import HttpTransport
from .inprocess import AsgiTransport, CallableTransport, WsgiTransport

__all__ = ["AsgiTransport", "CallableTransport", "HttpTransport", "Transport", "WsgiTransport"]
