"""AWS Signature Version 4 both ways: sign what the conformance runner sends, verify what the emulator receives.

botocore does the canonicalisation (double-encoded path, sorted query, trimmed headers, scope, key
derivation), so a request we sign is the request botocore would sign and a request botocore signed
verifies here. Only its lower-level steps are used: ``add_auth`` reads the wall clock and would
re-sign every header, while a verifier needs the request's own ``x-amz-date`` and exactly the
headers the client named in ``SignedHeaders``.

The query is decoded and re-encoded the RFC 3986 way before signing (botocore signs its own URL's
query verbatim, which is already in that form), so a hand-built target with looser encoding signs
the way the service will recompute it.

Refusals carry the codes and messages AWS answers; they are observed service behaviour, not
documented API, and the sources are named next to each one below.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from ..core.extras import missing

try:
    from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth  # type: ignore[import-untyped, unused-ignore]
    from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped, unused-ignore]
    from botocore.credentials import Credentials  # type: ignore[import-untyped, unused-ignore]
except ImportError:
    raise missing("botocore", "AWS Signature Version 4 (signing and checking AWS requests)") from None

from ..core.formats import as_utc
from .messages import AuthFailure, HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
# http.client recomputes Content-Length from the body, and botocore never signs it (it is set after signing).
_NEVER_SIGNED = frozenset({"authorization", "content-length"})

# Observed answers. MissingAuthenticationToken / IncompleteSignature codes and 403: AWS "Common Errors"
# (e.g. docs.aws.amazon.com/emr/latest/APIReference/CommonErrors.html); REST APIs answer 403 with the
# "Exception" suffix (aws/chalice#828, iann0036/iamlive#58). Messages as quoted in the issues named.
MISSING = AuthFailure(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
UNRECOGNIZED = AuthFailure(  # iann0036/iamlive#58 (403 from a REST API), boto/botocore#1775
    403, "UnrecognizedClientException", "The security token included in the request is invalid."
)
MISMATCH = AuthFailure(  # smithy545/aws-apps-scripts#12, mhart/aws4fetch#73
    403,
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.",
)


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``AWS4-HMAC-SHA256`` Authorization header."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def sign(
    request: HttpRequest,
    *,
    host: str,
    service: str,
    region: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    now: datetime | None = None,
) -> HttpRequest:
    """The request with ``authorization``, ``x-amz-date`` (and ``x-amz-security-token``) added.

    ``host`` becomes the Host header unless the request already names one: the signature must cover
    the Host that travels. ``service`` is the signing name (``emr-serverless``, ``emr-containers``).
    Every header present is signed except the ones botocore never signs (user-agent, hop-by-hop...)
    and Content-Length, so a runner may still alter or drop unsigned ones after signing.
    """
    timestamp = as_utc(now).strftime(SIGV4_TIMESTAMP)
    headers = {k: v for k, v in request.headers.items() if k not in ("authorization", "x-amz-security-token")}
    headers.setdefault("host", host)
    headers["x-amz-date"] = timestamp
    if session_token:
        headers["x-amz-security-token"] = session_token
    to_sign = {k: v for k, v in headers.items() if k not in _NEVER_SIGNED}
    signer = SigV4Auth(Credentials(access_key, secret_key, session_token), service, region)
    aws_request = _aws_request(replace(request, headers=to_sign), host, timestamp)
    signature = _signature(signer, aws_request)
    names = str(signer.signed_headers(signer.headers_to_sign(aws_request)))
    scope = str(signer.scope(aws_request))
    headers["authorization"] = f"{ALGORITHM} Credential={scope}, SignedHeaders={names}, Signature={signature}"
    return replace(request, headers=headers)


def verify(
    request: HttpRequest,
    *,
    host: str,
    secrets: Mapping[str, str],
    regions: Collection[str],
    service: str,
    now: datetime | None = None,
) -> AuthFailure | None:
    """None when the request carries a valid signature by a key in ``secrets`` (access key id → secret).

    The signature is recomputed over the headers the client named and its own ``x-amz-date``;
    that timestamp must lie within 15 minutes of ``now`` (the wall clock by default), as AWS requires.
    The credential scope must name one of ``regions``, the signing name ``service`` and the date of
    ``x-amz-date``: a signature made for another region or service is refused even when it is right.
    """
    header = request.headers.get("authorization", "").strip()
    if not header:
        return MISSING
    parsed = parse_authorization(header)
    if isinstance(parsed, AuthFailure):
        return parsed
    missing = [name for name in parsed.signed_headers if name not in request.headers]
    if missing:  # aws-mobile-appsync-sdk-js#702
        return _incomplete(f"'{missing[0]}' is named as a SignedHeader, but it does not exist in the HTTP request.")
    if "host" not in parsed.signed_headers:  # NetSPI/AWSSigner#3
        return _incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    timestamp = request.headers.get("x-amz-date")
    if timestamp is None:  # aws/chalice#828 quotes this sentence
        return _incomplete(
            f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            f"Authorization={header}"
        )
    try:
        moment = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=timezone.utc)
    except ValueError:  # wording ours
        return _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'.")
    skew = _skew(moment, as_utc(now))
    if skew is not None:
        return skew
    scope = _scope_problem(parsed, timestamp, regions, service)
    if scope is not None:
        return scope
    secret = secrets.get(parsed.access_key)  # after the scope, as AWS orders them (mhart/dynalite, below)
    if secret is None:
        return UNRECOGNIZED
    claimed = request.headers.get("x-amz-content-sha256")
    if claimed is not None and claimed != hashlib.sha256(request.body).hexdigest():
        return MISMATCH
    signed = {name: request.headers[name] for name in parsed.signed_headers}
    aws_request = _aws_request(replace(request, headers=signed), host, timestamp)
    signer = SigV4Auth(Credentials(parsed.access_key, secret), parsed.service, parsed.region)
    expected = _signature(signer, aws_request)
    if not hmac.compare_digest(expected.encode(), parsed.signature.encode("utf-8", "replace")):
        return MISMATCH
    return None


def parse_authorization(header: str) -> Authorization | AuthFailure:
    """The header's parts, or the IncompleteSignatureException AWS answers for a malformed one.

    Wording from aws/chalice#828 and brendanhay/amazonka#316 (missing parameters) and
    iann0036/cloud9-sync#10 (a part without ``=``); the credential-shape sentence is ours.
    """
    algorithm, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for part in (p.strip() for p in rest.split(",")):
            if not part:
                continue
            key, equals, value = part.partition("=")
            if not equals:
                return _incomplete(
                    f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
                )
            params[key.strip()] = value.strip()
    absent = [name for name in ("Credential", "Signature", "SignedHeaders") if not params.get(name)]
    if absent:
        return _incomplete(
            " ".join(f"Authorization header requires '{name}' parameter." for name in absent)
            + f" Authorization={header}"
        )
    scope = params["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        return _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{params['Credential']}'"
        )
    return Authorization(
        access_key=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(params["SignedHeaders"].lower().split(";")),
        signature=params["Signature"],
    )


def _scope_problem(parsed: Authorization, timestamp: str, regions: Collection[str], service: str) -> AuthFailure | None:
    """The InvalidSignatureException AWS answers for a credential scope that is not this endpoint's.

    AWS checks every part of the scope and answers one 403 InvalidSignatureException whose message
    names each wrong part, in this order and wording, as recorded from DynamoDB in mhart/dynalite
    (index.js, "THEN check Credential pieces"): "Credential should be scoped to a valid region, not
    'c'. Credential should be scoped to correct service: 'dynamodb'. ... Date in Credential scope does
    not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20130609', from
    '20130609T095204Z'." Each sentence alone, with its trailing space, from REST JSON APIs:
    fsouza/s3-upload-proxy#241 (region, InvalidSignatureException; aws/aws-sdk-js-v3#5576 shows the
    403) and cllunsford/aws-signing-proxy#25 (service, AWS Batch). Query-protocol APIs (STS, IAM)
    answer the same sentences as SignatureDoesNotMatch (cognitect-labs/aws-api#27, JuliaCloud/AWS.jl#565);
    EMR's APIs are REST JSON, so InvalidSignatureException. The wrong terminator is already refused
    by :func:`parse_authorization`.
    """
    problems = []
    if parsed.region not in regions:
        problems.append(f"Credential should be scoped to a valid region, not '{parsed.region}'. ")
    if parsed.service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if parsed.date != timestamp[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{parsed.date}' != '{timestamp[:8]}', from '{timestamp}'."
        )
    if not problems:
        return None
    return AuthFailure(403, "InvalidSignatureException", "".join(problems))


def _incomplete(message: str) -> AuthFailure:
    return AuthFailure(403, "IncompleteSignatureException", message)


def _skew(moment: datetime, now: datetime) -> AuthFailure | None:
    """The expiry answers, worded as in aws/aws-sdk-js#254 and NickWaterton/Roomba980-Python#118."""

    def stamp(value: datetime) -> str:
        return value.strftime(SIGV4_TIMESTAMP)

    if moment < now - MAX_SKEW:
        message = (
            f"Signature expired: {stamp(moment)} is now earlier than {stamp(now - MAX_SKEW)} ({stamp(now)} - 15 min.)"
        )
    elif moment > now + MAX_SKEW:
        message = (
            f"Signature not yet current: {stamp(moment)} is still later than {stamp(now + MAX_SKEW)} "
            f"({stamp(now)} + 15 min.)"
        )
    else:
        return None
    return AuthFailure(403, "InvalidSignatureException", message)


def _aws_request(request: HttpRequest, host: str, timestamp: str) -> AWSRequest:
    """botocore's view of the request: raw path in the URL, query as decoded pairs it re-encodes."""
    path, _, query = request.target.partition("?")
    pairs = [(unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    aws_request = AWSRequest(
        method=request.method.upper(),
        url=f"http://{host}{path or '/'}",
        headers=dict(request.headers),
        data=request.body,
        params=pairs,
    )
    aws_request.context["timestamp"] = timestamp
    return aws_request


def _signature(signer: SigV4Auth, aws_request: AWSRequest) -> str:
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
