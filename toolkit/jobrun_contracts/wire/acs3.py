"""Alibaba Cloud ACS3-HMAC-SHA256 (the V3 signature) both ways, computed as the official Python SDK computes it.

Source of truth: ``alibabacloud_tea_openapi`` 0.4 — ``Client.do_request`` sets the headers and
``utils.get_authorization`` / ``get_canonical_query_string`` / ``get_canonicalized_headers`` build::

    ACS3-HMAC-SHA256\\n hex(sha256(canonical request))
    canonical request = METHOD \\n path \\n query \\n headers \\n signed-header names \\n x-acs-content-sha256

The path is signed as sent (the SDK percent-encodes path parameters itself and sends the path
untouched). The query is signed decoded and re-encoded with ``quote(value, safe="~")``, while the
SDK sends it form-encoded (``urlencode``: a space travels as ``+``), so the server side must decode
``+`` as a space. The SDK leaves query *names* unencoded; we encode them the documented RFC 3986
way, which is the same string for every name an operation has. The SDK signs every header it set,
lower-cased and stripped (values are not whitespace-collapsed as in SigV4).

Refusals carry Alibaba Cloud's common error codes; they are observed gateway behaviour, with the
source named next to each.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote_plus

from ..core.formats import as_utc
from .messages import AuthFailure, HttpRequest

ALGORITHM = "ACS3-HMAC-SHA256"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_SKEW = timedelta(minutes=15)
# The SDK never signs these: the HTTP library adds Content-Length after signing; Authorization is the result.
_NEVER_SIGNED = frozenset({"authorization", "content-length"})
_MUST_SIGN = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version")

# MissingAccessKeyId: what the gateway answers a call that names no AccessKey
# (cooperlyt/keycloak-phone-provider#118; aliyun/alibabacloud-csharp-sdk#40 for a V3 client).
MISSING = AuthFailure(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
# IncompleteSignature, 400: help.aliyun.com/document_detail/51132 (client error codes) and
# fog/fog-aliyun#32, where PopGw answered 400 with this message.
INCOMPLETE = AuthFailure(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
# 404 with this message from a V3 (ROA) API in aliyun/ack-set-context#2; also honwen/aliyun-ddns-cli#24.
UNKNOWN_KEY = AuthFailure(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
# InvalidTimeStamp.Expired, 400: jeessy2/ddns-go#1291; 15 minutes: overtrue/laravel-mail-aliyun#4.
EXPIRED = AuthFailure(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
# SignatureNonceUsed, 400, from the gateway (PopGw) to a request sent again with its nonce:
# aliyun/alibaba-cloud-sdk-go#39 (an SDK retry resent the same request) and aliyun/aliyun-openapi-net-sdk#344.
NONCE_USED = AuthFailure(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
# InvalidAction.NotFound, 404: what the gateway answers when the action does not match the path and
# method (a ROA call to the wrong path, aliyun/openapi-sdk-php-client#230; wording also aliyun/aliyun-cli#415).
WRONG_ACTION = AuthFailure(
    404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
)


class NonceStore:
    """The nonces of accepted requests, each kept only while its request could still be accepted.

    A request is accepted while its ``x-acs-date`` lies within :data:`MAX_SKEW` of now, so its
    nonce is forgotten once that date is more than :data:`MAX_SKEW` in the past: after that, a
    replay fails as expired anyway. Memory is bounded by the requests of one window. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()
        self._expiry: list[tuple[datetime, tuple[str, str]]] = []  # a heap, soonest first

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def first_use(self, access_key_id: str, nonce: str, signed_at: datetime, now: datetime) -> bool:
        """Record the nonce; False when it was already recorded (a replay)."""
        key = (access_key_id, nonce)
        with self._lock:
            while self._expiry and self._expiry[0][0] < now:
                self._seen.discard(heapq.heappop(self._expiry)[1])
            if key in self._seen:
                return False
            self._seen.add(key)
            heapq.heappush(self._expiry, (signed_at + MAX_SKEW, key))
            return True


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``ACS3-HMAC-SHA256`` Authorization header."""

    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def sign(
    request: HttpRequest,
    *,
    access_key_id: str,
    access_key_secret: str,
    action: str,
    version: str = "2023-08-08",
    host: str,
    now: datetime | None = None,
    nonce: str | None = None,
    security_token: str | None = None,
) -> HttpRequest:
    """The request with the headers the SDK adds (x-acs-*, accept, host) and ``authorization``.

    ``host`` becomes the Host header unless the request names one. Every header present is signed,
    as the SDK signs every header it set, except Content-Length; with ``security_token`` (STS) the
    SDK's ``x-acs-accesskey-id`` and ``x-acs-security-token`` are added too.
    """
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    headers.setdefault("host", host)
    headers.setdefault("accept", "application/json")
    headers.update(
        {
            "x-acs-version": version,
            "x-acs-action": action,
            "x-acs-date": as_utc(now).strftime(DATE_FORMAT),
            "x-acs-signature-nonce": nonce if nonce is not None else uuid.uuid4().hex,
            "x-acs-content-sha256": hashlib.sha256(request.body).hexdigest(),
        }
    )
    if security_token:
        headers["x-acs-accesskey-id"] = access_key_id
        headers["x-acs-security-token"] = security_token
    names = sorted(k for k in headers if k not in _NEVER_SIGNED)
    string_to_sign = _string_to_sign(replace(request, headers=headers), names)
    signature = _hmac(access_key_secret, string_to_sign)
    headers["authorization"] = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return replace(request, headers=headers)


def verify(
    request: HttpRequest,
    *,
    secrets: Mapping[str, str],
    action: str | None,
    nonces: NonceStore | None = None,
    now: datetime | None = None,
) -> AuthFailure | None:
    """None when the request carries a valid signature by a key in ``secrets`` (AccessKey id → secret).

    Recomputed over the headers the client named, with the body's own SHA-256 as payload hash, so
    a body that no longer matches ``x-acs-content-sha256`` fails as a signature mismatch. The
    ``x-acs-date`` must lie within 15 minutes of ``now`` (the wall clock by default). A correctly
    signed ``x-acs-action`` must be ``action``, the operation the path and method denote (None: the
    caller routes no operation, nothing to compare). With ``nonces``, a nonce already accepted within
    the window is a replay; the nonce is recorded only once everything else has passed.
    """
    header = request.headers.get("authorization", "").strip()
    if not header:
        return MISSING
    parsed = parse_authorization(header)
    if parsed is None:
        return INCOMPLETE
    if any(name not in request.headers for name in parsed.signed_headers):
        return INCOMPLETE
    if any(name not in parsed.signed_headers for name in _MUST_SIGN):
        return INCOMPLETE
    if not request.headers["x-acs-signature-nonce"].strip():  # ours: a nonce must be something
        return INCOMPLETE
    secret = secrets.get(parsed.access_key_id)
    if secret is None:
        return UNKNOWN_KEY
    try:
        moment = datetime.strptime(request.headers["x-acs-date"], DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return INCOMPLETE
    current = as_utc(now)
    if abs(moment - current) > MAX_SKEW:
        return EXPIRED
    string_to_sign = _string_to_sign(request, list(parsed.signed_headers))
    expected = _hmac(secret, string_to_sign)
    if not hmac.compare_digest(expected.encode(), parsed.signature.encode("utf-8", "replace")):
        return mismatch(string_to_sign)
    # After the signature: a header altered in transit stays a mismatch; a signed wrong action is not found.
    if action is not None and request.headers["x-acs-action"].strip() != action:
        return WRONG_ACTION
    nonce = request.headers["x-acs-signature-nonce"].strip()
    if nonces is not None and not nonces.first_use(parsed.access_key_id, nonce, moment, current):
        return NONCE_USED
    return None


def mismatch(string_to_sign: str) -> AuthFailure:
    """SignatureDoesNotMatch as the V3 gateway words it, quoting the server's StringToSign.

    400 and the wording: developer.aliyun.com/ask/678646 and aliyun/alibabacloud-csharp-sdk#40
    (the older RPC gateway said "Specified signature is not matched with our calculation.",
    acmesh-official/acme.sh#1049).
    """
    return AuthFailure(
        400,
        "SignatureDoesNotMatch",
        f"Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]",
    )


def parse_authorization(header: str) -> Authorization | None:
    """The header's parts, or None when it is not a complete ``ACS3-HMAC-SHA256`` header."""
    algorithm, _, rest = header.partition(" ")
    if algorithm != ALGORITHM:
        return None
    params: dict[str, str] = {}
    for part in rest.split(","):
        key, equals, value = part.strip().partition("=")
        if not equals:
            return None
        params[key] = value
    if not all(params.get(name) for name in ("Credential", "SignedHeaders", "Signature")):
        return None
    names = tuple(params["SignedHeaders"].split(";"))
    if any(not name or name != name.lower() for name in names):
        return None
    return Authorization(params["Credential"], names, params["Signature"])


def canonical_request(request: HttpRequest, signed_headers: list[str]) -> str:
    """The SDK's canonical request for the raw target, over ``signed_headers`` (lower-case, sorted)."""
    path, _, query = request.target.partition("?")
    headers = "".join(f"{name}:{request.headers[name].strip()}\n" for name in sorted(signed_headers))
    return "\n".join(
        [
            request.method.upper(),
            path or "/",
            _canonical_query(query),
            headers,
            ";".join(sorted(signed_headers)),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )


def _canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((_encode(unquote_plus(key)), _encode(unquote_plus(value))))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _encode(text: str) -> str:
    return quote(text, safe="~", encoding="utf-8")


def _string_to_sign(request: HttpRequest, signed_headers: list[str]) -> str:
    digest = hashlib.sha256(canonical_request(request, signed_headers).encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{digest}"


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
