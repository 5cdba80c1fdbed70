"""Our signers and verifiers agree with the official SDKs: botocore for SigV4, the Alibaba client for ACS3.

Requests are captured from the real clients (botocore short-circuited at ``before-send``, the
Alibaba SDK against a loopback HTTP server), so what is verified is exactly what each SDK sends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

from jobrun_contracts.wire import acs3, sigv4
from jobrun_contracts.wire.messages import HttpRequest

AKID = "AKIDEXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
LTAI = "LTAI5tExample"
ALI_SECRET = "aliyun/secret+example"
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"


# -- AWS: capture what botocore sends ---------------------------------------------------------


class _Raw:
    """Just enough of a urllib3 response for botocore to parse an empty JSON answer."""

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield b"{}"


def _botocore_sends(service: str, call: Callable[[Any], Any], **credentials: str) -> HttpRequest:
    client = botocore.session.get_session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id=AKID,
        aws_secret_access_key=AWS_SECRET,
        **credentials,
    )
    sent: list[Any] = []

    def short_circuit(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register("before-send", short_circuit)
    call(client)
    prepared = sent[0]
    url = urlsplit(prepared.url)
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    headers["host"] = url.netloc  # urllib3 adds it on the wire; botocore signed it from the URL
    body = prepared.body or b""
    return HttpRequest(
        prepared.method,
        url.path + (f"?{url.query}" if url.query else ""),
        headers,
        body.encode() if isinstance(body, str) else body,
    )


def _start_job_run(client: Any) -> Any:
    return client.start_job_run(
        applicationId="00fabcdefghij012",
        executionRoleArn=ROLE,
        name="pi estimate",
        jobDriver={"sparkSubmit": {"entryPoint": "s3://bucket/pi.py", "entryPointArguments": ["100"]}},
        tags={"team": "data eng"},
    )


def _list_job_runs(client: Any) -> Any:
    return client.list_job_runs(
        virtualClusterId="vc0123456789abcdefghijklmn", states=["RUNNING", "PENDING"], name="nightly etl+1 ~*"
    )


AWS_CALLS = {
    "emr-serverless StartJobRun": ("emr-serverless", _start_job_run),
    "emr-containers ListJobRuns": ("emr-containers", _list_job_runs),
}


@pytest.fixture(scope="module")
def aws_captured() -> dict[str, HttpRequest]:
    """One capture per call for the module: a botocore client takes a quarter second to build."""
    return {name: _botocore_sends(service, call) for name, (service, call) in AWS_CALLS.items()}


@pytest.fixture(params=list(AWS_CALLS))
def aws_sent(request: pytest.FixtureRequest, aws_captured: dict[str, HttpRequest]) -> tuple[str, HttpRequest]:
    return AWS_CALLS[request.param][0], aws_captured[request.param]


def _signed_at(request: HttpRequest) -> datetime:
    return datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def _signing_name(request: HttpRequest) -> str:
    """The API the path belongs to, as the emulator routes it (not read from the signature under test)."""
    return "emr-serverless" if request.target.startswith("/applications") else "emr-containers"


def _aws_verify(request: HttpRequest, secrets: dict[str, str] | None = None, **kwargs: Any) -> Any:
    options = {"now": _signed_at(request), "regions": ("us-east-1",), "service": _signing_name(request)} | kwargs
    return sigv4.verify(request, host=request.headers["host"], secrets=secrets or {AKID: AWS_SECRET}, **options)


def test_captured_aws_requests_are_what_we_think(aws_sent: tuple[str, HttpRequest]) -> None:
    service, sent = aws_sent
    if service == "emr-serverless":
        assert sent.method == "POST"
        assert json.loads(sent.body)["jobDriver"]["sparkSubmit"]["entryPoint"] == "s3://bucket/pi.py"
    else:
        assert sent.method == "GET"
        assert "states=RUNNING&states=PENDING" in sent.target
        assert "name=nightly%20etl%2B1%20~%2A" in sent.target
    assert sent.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AKID}/")
    assert f"/us-east-1/{service}/aws4_request" in sent.headers["authorization"]


def test_verify_accepts_what_botocore_signed(aws_sent: tuple[str, HttpRequest]) -> None:
    assert _aws_verify(aws_sent[1]) is None


def test_verify_refuses_a_wrong_secret(aws_sent: tuple[str, HttpRequest]) -> None:
    failure = _aws_verify(aws_sent[1], {AKID: AWS_SECRET + "x"})
    assert failure == sigv4.MISMATCH
    assert (failure.status, failure.code) == (403, "InvalidSignatureException")
    assert failure.message.startswith("The request signature we calculated does not match")


def test_verify_refuses_an_unknown_key(aws_sent: tuple[str, HttpRequest]) -> None:
    failure = _aws_verify(aws_sent[1], {"AKIDOTHER": AWS_SECRET})
    assert failure == sigv4.UNRECOGNIZED
    assert (failure.status, failure.code) == (403, "UnrecognizedClientException")
    assert failure.message == "The security token included in the request is invalid."


def test_verify_refuses_a_tampered_body(aws_captured: dict[str, HttpRequest]) -> None:
    sent = aws_captured["emr-serverless StartJobRun"]
    tampered = replace(sent, body=sent.body.replace(b"pi.py", b"xx.py"))
    assert _aws_verify(tampered) == sigv4.MISMATCH


def test_verify_refuses_a_tampered_query(aws_captured: dict[str, HttpRequest]) -> None:
    sent = aws_captured["emr-containers ListJobRuns"]
    assert _aws_verify(replace(sent, target=sent.target.replace("PENDING", "FAILED"))) == sigv4.MISMATCH
    assert _aws_verify(replace(sent, target=sent.target.replace("&states=PENDING", ""))) == sigv4.MISMATCH


def test_verify_refuses_a_tampered_path_or_method(aws_sent: tuple[str, HttpRequest]) -> None:
    sent = aws_sent[1]
    assert _aws_verify(replace(sent, target=sent.target.replace("/jobruns", "/jobruns/x", 1))) == sigv4.MISMATCH
    assert _aws_verify(replace(sent, method="DELETE")) == sigv4.MISMATCH


def test_unsigned_headers_may_change_in_transit(aws_sent: tuple[str, HttpRequest]) -> None:
    sent = aws_sent[1]
    headers = dict(sent.headers) | {"user-agent": "something else", "content-length": "12345"}
    assert _aws_verify(replace(sent, headers=headers)) is None


def test_sign_reproduces_botocore(aws_sent: tuple[str, HttpRequest]) -> None:
    """Same request, same moment: the same Authorization header, character for character."""
    service, sent = aws_sent
    signed_names = sigv4.parse_authorization(sent.headers["authorization"])
    assert isinstance(signed_names, sigv4.Authorization)
    bare = {k: v for k, v in sent.headers.items() if k in signed_names.signed_headers and k != "x-amz-date"}
    ours = sigv4.sign(
        replace(sent, headers=bare),
        host=sent.headers["host"],
        service=service,
        region="us-east-1",
        access_key=AKID,
        secret_key=AWS_SECRET,
        now=_signed_at(sent),
    )
    assert ours.headers["authorization"] == sent.headers["authorization"]
    assert ours.headers["x-amz-date"] == sent.headers["x-amz-date"]
    assert _aws_verify(ours) is None


def test_sign_reproduces_botocore_with_a_session_token() -> None:
    sent = _botocore_sends("emr-serverless", _start_job_run, aws_session_token="FQoGZXIvYXdzEXAMPLE")
    assert sent.headers["x-amz-security-token"] == "FQoGZXIvYXdzEXAMPLE"
    parsed = sigv4.parse_authorization(sent.headers["authorization"])
    assert isinstance(parsed, sigv4.Authorization)
    assert "x-amz-security-token" in parsed.signed_headers
    keep = set(parsed.signed_headers) - {"x-amz-date", "x-amz-security-token"}
    ours = sigv4.sign(
        replace(sent, headers={k: v for k, v in sent.headers.items() if k in keep}),
        host=sent.headers["host"],
        service="emr-serverless",
        region="us-east-1",
        access_key=AKID,
        secret_key=AWS_SECRET,
        session_token="FQoGZXIvYXdzEXAMPLE",
        now=_signed_at(sent),
    )
    assert ours.headers["authorization"] == sent.headers["authorization"]
    assert ours.headers["x-amz-security-token"] == "FQoGZXIvYXdzEXAMPLE"


def test_a_request_botocore_would_refuse_can_still_be_signed_and_verified() -> None:
    """The runner sends invalid input on purpose; its signature must still be good."""
    request = HttpRequest(
        "POST",
        "/applications/not%20an%20id/jobruns?b=2&a=%2A&a=1&flag",
        {"content-type": "application/json", "user-agent": "jobrun-contracts"},
        b'{"clientToken": "", "jobDriver": {"unexpected": true}}',
    )
    signed = sigv4.sign(
        request, host="emr.test:8443", service="emr-serverless", region="eu-west-1", access_key=AKID, secret_key="s"
    )
    assert signed.headers["host"] == "emr.test:8443"
    assert "SignedHeaders=content-type;host;x-amz-date," in signed.headers["authorization"]
    scope = {"regions": ("eu-west-1",), "service": "emr-serverless"}
    assert sigv4.verify(signed, host="emr.test:8443", secrets={AKID: "s"}, **scope) is None
    assert sigv4.verify(signed, host="emr.test:8443", secrets={AKID: "t"}, **scope) == sigv4.MISMATCH
    swapped = replace(signed, target="/applications/not%20an%20id/jobruns?a=1&a=%2A&flag=&b=2")
    assert sigv4.verify(swapped, host="emr.test:8443", secrets={AKID: "s"}, **scope) is None, "'flag' vs 'flag='"


def test_an_old_or_future_timestamp_is_refused(aws_sent: tuple[str, HttpRequest]) -> None:
    sent = aws_sent[1]
    at = _signed_at(sent)
    assert _aws_verify(sent, now=at + timedelta(minutes=15)) is None
    late = _aws_verify(sent, now=at + timedelta(minutes=16))
    assert late is not None
    assert (late.status, late.code) == (403, "InvalidSignatureException")
    assert late.message.startswith(f"Signature expired: {sent.headers['x-amz-date']} is now earlier than ")
    assert late.message.endswith(" - 15 min.)")
    early = _aws_verify(sent, now=at - timedelta(minutes=16))
    assert early is not None
    assert early.message.startswith(f"Signature not yet current: {sent.headers['x-amz-date']} is still later than ")


def test_a_missing_or_garbled_authorization_is_refused(aws_sent: tuple[str, HttpRequest]) -> None:
    sent = aws_sent[1]
    without = {k: v for k, v in sent.headers.items() if k != "authorization"}
    assert _aws_verify(replace(sent, headers=without)) == sigv4.MISSING
    for garbled in ("Bearer abc", "AWS4-HMAC-SHA256 Credential=AKID", "AWS4-HMAC-SHA256 Credential"):
        failure = _aws_verify(replace(sent, headers=without | {"authorization": garbled}))
        assert failure is not None
        assert (failure.status, failure.code) == (403, "IncompleteSignatureException"), garbled
    bad_scope = sent.headers["authorization"].replace("/aws4_request", "")
    failure = _aws_verify(replace(sent, headers=without | {"authorization": bad_scope}))
    assert failure is not None
    assert failure.message.startswith("Credential must have exactly 5 slash-delimited elements")


def test_a_named_header_must_exist_and_host_must_be_signed(aws_sent: tuple[str, HttpRequest]) -> None:
    sent = aws_sent[1]
    named = sent.headers["authorization"].replace("SignedHeaders=", "SignedHeaders=accept;")
    failure = _aws_verify(replace(sent, headers=dict(sent.headers) | {"authorization": named}))
    assert failure is not None
    assert failure.message == "'accept' is named as a SignedHeader, but it does not exist in the HTTP request."
    hostless = sent.headers["authorization"].replace("host;", "")
    failure = _aws_verify(replace(sent, headers=dict(sent.headers) | {"authorization": hostless}))
    assert failure is not None
    assert failure.message == "'Host' must be a 'SignedHeader' in the AWS Authorization."


def test_a_content_hash_header_must_match_the_body() -> None:
    request = HttpRequest("POST", "/applications/a/jobruns", {"x-amz-content-sha256": "0" * 64}, b"{}")
    signed = sigv4.sign(
        request, host="h", service="emr-serverless", region="us-east-1", access_key=AKID, secret_key="s"
    )
    assert _aws_verify(signed, {AKID: "s"}) == sigv4.MISMATCH


# -- the credential scope: region, service and date must be the endpoint's -----------------


def _sigv4auth_signed(service: str, region: str, *, scope_stamp: str | None = None) -> HttpRequest:
    """A ListJobRuns signed by botocore's SigV4Auth, its public steps only, for any scope.

    ``scope_stamp`` replaces the moment the scope, string-to-sign and key are made from, while
    ``x-amz-date`` stays the current time: botocore's own signer with a scope date of its choosing.
    """
    request = AWSRequest(method="GET", url="http://emulator.test/applications/00fabcdefghij012/jobruns")
    signer = SigV4Auth(Credentials(AKID, AWS_SECRET), service, region)
    now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = now
    request.context["timestamp"] = scope_stamp or now
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    names = signer.signed_headers(signer.headers_to_sign(request))
    authorization = f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, SignedHeaders={names}, Signature={signature}"
    headers = {"host": "emulator.test", "x-amz-date": now, "authorization": authorization}
    return HttpRequest("GET", "/applications/00fabcdefghij012/jobruns", headers, b"")


def _strict(request: HttpRequest, **kwargs: Any) -> Any:
    """Verified as the emulator verifies an EMR Serverless request: us-east-1, emr-serverless, the wall clock."""
    options = {"regions": ("us-east-1",), "service": "emr-serverless"} | kwargs
    return sigv4.verify(request, host="emulator.test", secrets={AKID: AWS_SECRET}, **options)


def test_sigv4auth_signed_for_the_endpoint_verifies() -> None:
    assert _strict(_sigv4auth_signed("emr-serverless", "us-east-1")) is None


@pytest.mark.parametrize("region", ["eu-west-1", "mars-1"])
def test_a_signature_for_another_region_is_refused(region: str) -> None:
    failure = _strict(_sigv4auth_signed("emr-serverless", region))
    assert failure == sigv4.AuthFailure(
        403, "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'. "
    )


def test_every_configured_region_is_accepted() -> None:
    signed = _sigv4auth_signed("emr-serverless", "eu-west-1")
    assert _strict(signed, regions=("us-east-1", "eu-west-1")) is None


def test_a_signature_for_another_service_is_refused() -> None:
    failure = _strict(_sigv4auth_signed("s3", "us-east-1"))
    assert failure == sigv4.AuthFailure(
        403, "InvalidSignatureException", "Credential should be scoped to correct service: 'emr-serverless'. "
    )
    # a signature for the sibling API is just as wrong
    containers = _strict(_sigv4auth_signed("emr-serverless", "us-east-1"), service="emr-containers")
    assert containers is not None
    assert containers.message == "Credential should be scoped to correct service: 'emr-containers'. "


def test_a_scope_date_other_than_the_requests_date_is_refused() -> None:
    signed = _sigv4auth_signed("emr-serverless", "us-east-1", scope_stamp="19990101T000000Z")
    stamp = signed.headers["x-amz-date"]
    failure = _strict(signed)
    assert failure is not None
    assert (failure.status, failure.code) == (403, "InvalidSignatureException")
    assert failure.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'19990101' != '{stamp[:8]}', from '{stamp}'."
    )


def test_a_scope_date_rewritten_after_signing_is_refused() -> None:
    """The signature is right for today; only the Credential says 1999. It used to get in."""
    signed = _sigv4auth_signed("emr-serverless", "us-east-1")
    stamp = signed.headers["x-amz-date"]
    rewritten = signed.headers["authorization"].replace(f"/{stamp[:8]}/", "/19990101/")
    failure = _strict(replace(signed, headers=dict(signed.headers) | {"authorization": rewritten}))
    assert failure is not None
    assert failure.message.startswith("Date in Credential scope does not match YYYYMMDD")


def test_a_request_signed_in_1999_is_refused_as_expired() -> None:
    signed = _sigv4auth_signed("emr-serverless", "us-east-1")
    old = sigv4.sign(
        replace(signed, headers={"host": "emulator.test"}),
        host="emulator.test",
        service="emr-serverless",
        region="us-east-1",
        access_key=AKID,
        secret_key=AWS_SECRET,
        now=datetime(1999, 1, 1, tzinfo=timezone.utc),
    )
    failure = _strict(old)
    assert failure is not None
    assert failure.code == "InvalidSignatureException"
    assert failure.message.startswith("Signature expired: 19990101T000000Z is now earlier than ")


def test_every_wrong_part_of_the_scope_is_named_in_one_answer_before_the_key_is_looked_up() -> None:
    signed = _sigv4auth_signed("s3", "mars-1", scope_stamp="19990101T000000Z")
    stamp = signed.headers["x-amz-date"]
    failure = sigv4.verify(signed, host="emulator.test", secrets={}, regions=("us-east-1",), service="emr-serverless")
    assert failure == sigv4.AuthFailure(
        403,
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'mars-1'. "
        "Credential should be scoped to correct service: 'emr-serverless'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'19990101' != '{stamp[:8]}', from '{stamp}'.",
    )


# -- Alibaba: capture what the official SDK sends -------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: list[HttpRequest]

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.received.append(HttpRequest(self.command, self.path, headers, self.rfile.read(length)))
        body = json.dumps({"requestId": "x", "jobRunId": "jr-1"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def alibaba_sent() -> dict[str, HttpRequest]:
    from alibabacloud_emr_serverless_spark20230808 import models
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    handler = type("Recorder", (_Recorder,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = Config(
            access_key_id=LTAI,
            access_key_secret=ALI_SECRET,
            endpoint=f"127.0.0.1:{server.server_port}",
            protocol="http",
        )
        client = Client(config)
        driver = models.JobDriver(
            spark_submit=models.JobDriverSparkSubmit(entry_point="oss://bucket/pi.py", entry_point_arguments=["100"])
        )
        started = client.start_job_run(
            "w-1a2b3c4d5e6f", models.StartJobRunRequest(name="pi estimate", code_type="PYTHON", job_driver=driver)
        )
        listed = client.list_job_runs(
            "w-1a2b3c4d5e6f",
            models.ListJobRunsRequest(
                states=["Running", "Success"],
                tags=[models.ListJobRunsRequestTags(key="team", value="data eng+ops")],
                name="nightly etl ~*",
                max_results=20,
            ),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert started.body.job_run_id == "jr-1"
    assert listed.body.request_id == "x"
    start, listing = handler.received
    return {"StartJobRun": start, "ListJobRuns": listing}


@pytest.fixture(params=["StartJobRun", "ListJobRuns"])
def ali(request: pytest.FixtureRequest, alibaba_sent: dict[str, HttpRequest]) -> HttpRequest:
    return alibaba_sent[request.param]


def _routed_action(request: HttpRequest) -> str:
    """The operation the method and path denote, as the emulator routes them (not the x-acs-action header)."""
    collection = request.target.partition("?")[0].endswith("/jobRuns")
    actions = {
        ("POST", True): "StartJobRun",
        ("GET", True): "ListJobRuns",
        ("GET", False): "GetJobRun",
        ("DELETE", False): "CancelJobRun",
    }
    return actions[(request.method, collection)]


def _ali_verify(request: HttpRequest, secrets: dict[str, str] | None = None, **kwargs: Any) -> Any:
    at = datetime.strptime(request.headers["x-acs-date"], acs3.DATE_FORMAT).replace(tzinfo=timezone.utc)
    options = {"now": at, "action": _routed_action(request)} | kwargs
    return acs3.verify(request, secrets=secrets or {LTAI: ALI_SECRET}, **options)


def test_captured_alibaba_requests_are_what_we_think(alibaba_sent: dict[str, HttpRequest]) -> None:
    start, listing = alibaba_sent["StartJobRun"], alibaba_sent["ListJobRuns"]
    assert (start.method, start.target) == ("POST", "/api/v1/workspaces/w-1a2b3c4d5e6f/jobRuns")
    assert json.loads(start.body)["jobDriver"]["sparkSubmit"]["entryPoint"] == "oss://bucket/pi.py"
    assert listing.method == "GET"
    # the SDK JSON-encodes list parameters into the query, and form-encodes the query (space as '+')
    assert "states=%5B%22Running%22%2C%22Success%22%5D" in listing.target
    assert "tags=%5B%7B%22key%22%3A%22team%22%2C%22value%22%3A%22data+eng%2Bops%22%7D%5D" in listing.target
    assert "name=nightly+etl+~%2A" in listing.target
    for sent in (start, listing):
        assert sent.headers["authorization"].startswith(f"ACS3-HMAC-SHA256 Credential={LTAI},SignedHeaders=")
        assert sent.headers["x-acs-action"] in ("StartJobRun", "ListJobRuns")


def test_verify_accepts_what_the_alibaba_sdk_signed(ali: HttpRequest) -> None:
    assert _ali_verify(ali) is None


def test_alibaba_verify_refuses_a_wrong_secret(ali: HttpRequest) -> None:
    failure = _ali_verify(ali, {LTAI: ALI_SECRET + "x"})
    assert failure is not None
    assert (failure.status, failure.code) == (400, "SignatureDoesNotMatch")
    assert failure.message.startswith("Specified signature does not match our calculation. server StringToSign is [")
    assert failure.message.endswith("]")


def test_alibaba_verify_refuses_an_unknown_key(ali: HttpRequest) -> None:
    failure = _ali_verify(ali, {"LTAIother": ALI_SECRET})
    assert failure == acs3.UNKNOWN_KEY
    assert (failure.status, failure.code, failure.message) == (
        404,
        "InvalidAccessKeyId.NotFound",
        "Specified access key is not found.",
    )


def test_alibaba_verify_refuses_a_tampered_body(alibaba_sent: dict[str, HttpRequest]) -> None:
    sent = alibaba_sent["StartJobRun"]
    tampered = replace(sent, body=sent.body.replace(b"pi.py", b"xx.py"))
    failure = _ali_verify(tampered)
    assert failure is not None
    assert failure.code == "SignatureDoesNotMatch"


def test_alibaba_verify_refuses_a_tampered_query_or_header(alibaba_sent: dict[str, HttpRequest]) -> None:
    sent = alibaba_sent["ListJobRuns"]
    for tampered in (
        replace(sent, target=sent.target.replace("Running", "Failed")),
        replace(sent, target=sent.target.replace("maxResults=20", "maxResults=21")),
        replace(sent, headers=dict(sent.headers) | {"x-acs-action": "CancelJobRun"}),
    ):
        failure = _ali_verify(tampered)
        assert failure is not None
        assert failure.code == "SignatureDoesNotMatch"


def test_alibaba_sign_reproduces_the_sdk(ali: HttpRequest) -> None:
    """Same request, moment and nonce: the SDK's Authorization header, character for character."""
    parsed = acs3.parse_authorization(ali.headers["authorization"])
    assert parsed is not None
    bare = {k: v for k, v in ali.headers.items() if k in parsed.signed_headers}
    ours = acs3.sign(
        replace(ali, headers=bare),
        access_key_id=LTAI,
        access_key_secret=ALI_SECRET,
        action=ali.headers["x-acs-action"],
        host=ali.headers["host"],
        now=datetime.strptime(ali.headers["x-acs-date"], acs3.DATE_FORMAT),
        nonce=ali.headers["x-acs-signature-nonce"],
    )
    assert ours.headers["authorization"] == ali.headers["authorization"]
    assert _ali_verify(ours) is None


def test_alibaba_sign_adds_the_sdk_headers() -> None:
    request = HttpRequest("GET", "/api/v1/workspaces/w-1/jobRuns?maxResults=0", {}, b"")
    signed = acs3.sign(request, access_key_id=LTAI, access_key_secret="s", action="ListJobRuns", host="h.test")
    assert set(signed.headers) == {
        "accept",
        "authorization",
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    }
    assert signed.headers["x-acs-version"] == "2023-08-08"
    assert signed.headers["x-acs-content-sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert acs3.verify(signed, secrets={LTAI: "s"}, action="ListJobRuns") is None
    again = acs3.sign(request, access_key_id=LTAI, access_key_secret="s", action="ListJobRuns", host="h.test")
    assert again.headers["x-acs-signature-nonce"] != signed.headers["x-acs-signature-nonce"]


def test_alibaba_a_missing_malformed_or_stale_signature_is_refused(ali: HttpRequest) -> None:
    without = {k: v for k, v in ali.headers.items() if k != "authorization"}
    assert _ali_verify(replace(ali, headers=without)) == acs3.MISSING
    for garbled in ("ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 Credential=x", "Bearer t", "ACS3-HMAC-SM3 Credential=a"):
        assert _ali_verify(replace(ali, headers=without | {"authorization": garbled})) == acs3.INCOMPLETE, garbled
    hostless = ali.headers["authorization"].replace(";host;", ";")
    assert _ali_verify(replace(ali, headers=dict(ali.headers) | {"authorization": hostless})) == acs3.INCOMPLETE
    at = datetime.strptime(ali.headers["x-acs-date"], acs3.DATE_FORMAT).replace(tzinfo=timezone.utc)
    assert _ali_verify(ali, now=at + timedelta(minutes=15)) is None
    assert _ali_verify(ali, now=at + timedelta(minutes=16)) == acs3.EXPIRED
    assert _ali_verify(ali, now=at - timedelta(minutes=16)) == acs3.EXPIRED


# -- Alibaba: the action, and replays ------------------------------------------------------


def test_alibaba_a_signed_action_other_than_the_routed_operation_is_refused(ali: HttpRequest) -> None:
    wrong = "CancelJobRun" if ali.method != "DELETE" else "GetJobRun"
    failure = _ali_verify(ali, action=wrong)
    assert failure == acs3.WRONG_ACTION
    assert (failure.status, failure.code, failure.message) == (
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
    )
    request = HttpRequest("GET", "/api/v1/workspaces/w-1/jobRuns", {}, b"")
    signed = acs3.sign(request, access_key_id=LTAI, access_key_secret="s", action="StartJobRun", host="h.test")
    assert acs3.verify(signed, secrets={LTAI: "s"}, action="ListJobRuns") == acs3.WRONG_ACTION


def test_alibaba_a_replayed_request_is_refused_the_second_time(ali: HttpRequest) -> None:
    nonces = acs3.NonceStore()
    assert _ali_verify(ali, nonces=nonces) is None
    assert _ali_verify(ali, nonces=nonces) == acs3.NONCE_USED
    assert (acs3.NONCE_USED.status, acs3.NONCE_USED.code) == (400, "SignatureNonceUsed")
    assert _ali_verify(ali, nonces=acs3.NonceStore()) is None, "another store has not seen it"


def test_alibaba_a_refused_request_does_not_use_up_its_nonce(ali: HttpRequest) -> None:
    nonces = acs3.NonceStore()
    assert _ali_verify(ali, {LTAI: ALI_SECRET + "x"}, nonces=nonces) is not None
    assert _ali_verify(ali, action="Nothing", nonces=nonces) == acs3.WRONG_ACTION
    assert len(nonces) == 0
    assert _ali_verify(ali, nonces=nonces) is None


def test_alibaba_nonces_are_kept_only_for_the_skew_window() -> None:
    nonces = acs3.NonceStore()
    start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    request = HttpRequest("GET", "/api/v1/workspaces/w-1/jobRuns", {}, b"")
    for minute in range(40):
        at = start + timedelta(minutes=minute)
        signed = acs3.sign(request, access_key_id=LTAI, access_key_secret="s", action="ListJobRuns", host="h", now=at)
        assert acs3.verify(signed, secrets={LTAI: "s"}, action="ListJobRuns", nonces=nonces, now=at) is None
        assert len(nonces) <= 16, "only the nonces of the last 15 minutes are kept"
    first = acs3.sign(request, access_key_id=LTAI, access_key_secret="s", action="ListJobRuns", host="h", now=start)
    late = start + timedelta(minutes=16)
    assert acs3.verify(first, secrets={LTAI: "s"}, action="ListJobRuns", nonces=nonces, now=late) == acs3.EXPIRED
    assert nonces.first_use(LTAI, first.headers["x-acs-signature-nonce"], start, late), "forgotten: expired anyway"


def test_alibaba_the_same_nonce_from_two_access_keys_is_two_nonces() -> None:
    nonces = acs3.NonceStore()
    at = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert nonces.first_use("LTAIone", "n-1", at, at)
    assert nonces.first_use("LTAItwo", "n-1", at, at)
    assert not nonces.first_use("LTAIone", "n-1", at, at)
