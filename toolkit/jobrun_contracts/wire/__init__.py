"""What travels between a client and a service, used by both sides: HTTP messages, the SDKs' wire
encoding (codec), the services' error bodies, and the SigV4 and ACS3 signatures."""

from .messages import AuthFailure, HttpRequest, HttpResponse

__all__ = ["AuthFailure", "HttpRequest", "HttpResponse"]
