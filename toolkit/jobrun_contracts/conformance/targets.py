"""Targets: an implementation under test, how to reach it, how to prepare it, and what it can do.

``builtin`` starts our emulator in-process on a loopback port; ``moto`` starts moto's server
in-process (the two AWS APIs); a URL reaches any endpoint, with requests signed (SigV4 through
botocore's credential chain for AWS, ACS3-HMAC-SHA256 for Alibaba); a callable or WSGI app is
called in-process. Capabilities a target lacks (``time``, ``fail``) make the clauses that need
them skip, with the reason.

A target also records what a run made on it (:meth:`Target.record`, :meth:`Target.created`), from
its own answers, so that ``cleanup`` can remove it at the end: the job runs StartJobRun started,
the EMR on EKS job templates, and the application or virtual cluster it prepared itself (never
one given to it, never an Alibaba workspace). :class:`DryTarget` is a target as ``--dry-run``
sees it: what it is, which containers it would create, and a transport that sends nothing.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..core import registry
from ..core.extras import require
from ..errors import TargetError, UsageError
from ..transports import AsgiTransport, CallableTransport, HttpTransport, Transport, WsgiTransport
from ..wire.messages import HttpRequest, HttpResponse

ALIBABA = "alibaba-emr-serverless-spark"


@dataclass(frozen=True)
class Credentials:
    key_id: str
    secret: str
    token: str | None = None


class Unsupported(TargetError):
    """The target cannot do this by its nature (not a fault): clauses that need it are skipped."""


#: The kinds of thing a run creates, as reports name them.
APPLICATION, VIRTUAL_CLUSTER, JOB_RUN, JOB_TEMPLATE = "application", "virtual cluster", "job run", "job template"
_CONTAINER_KIND = {"aws-emr-serverless": APPLICATION, "aws-emr-containers": VIRTUAL_CLUSTER}
#: What a 2xx answer to these operations made, and the member of the answer that names it.
_CREATES = {"StartJobRun": JOB_RUN, "CreateJobTemplate": JOB_TEMPLATE}


def container_kind(api: str) -> str:
    """What a run creates to hold its runs when none is given: an application, or a virtual cluster."""
    return _CONTAINER_KIND[api]


@dataclass(frozen=True)
class Created:
    """Something a run made on its target, as the target's own answer named it."""

    api: str
    kind: str  # APPLICATION, VIRTUAL_CLUSTER, JOB_RUN or JOB_TEMPLATE
    id: str
    container: str | None = None  # the application, virtual cluster or workspace a job run is in

    def __str__(self) -> str:
        where = f" in {self.container}" if self.container else ""
        return f"{self.api} {self.kind} {self.id}{where}"


LOCAL_CREDENTIALS = Credentials("AKIDJOBRUNCONTRACTS", "jobrun-contracts-local-secret")
_SIGNATURE = re.compile(r"Signature=([0-9A-Za-z+/=_-]+)")
_KEPT_SIGNATURES = 16  # the latest requests' (each exchange is scrubbed as it is taken, its own one known)


class Target:
    """Send requests to one implementation; subclasses add preparation and capabilities."""

    name = "target"
    capabilities: frozenset[str] = frozenset()
    #: The implementation goes away with the target (``builtin``, ``moto``): what a run made needs no cleanup.
    disposable = False

    def __init__(
        self,
        transport: Transport,
        host: str,
        *,
        apis: Iterable[str] = registry.APIS,
        containers: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        aws_credentials: Credentials | None = None,
        alibaba_credentials: Credentials | None = None,
        sign: bool = True,
    ) -> None:
        self.transport = transport
        self.host = host
        self.apis = tuple(apis)
        self.region = region
        self.sign = sign
        self._containers = dict(containers or {})
        self._unpreparable: dict[str, TargetError] = {}
        self._aws = aws_credentials
        self._alibaba = alibaba_credentials
        self._signatures: deque[str] = deque(maxlen=_KEPT_SIGNATURES)
        self.support_timeout = 30.0  # seconds for a support call (creating a container); runs set their --timeout
        self._created: dict[tuple[str, str, str], Created] = {}  # in creation order; one entry per thing
        self._created_lock = threading.Lock()

    # -- what a clause asks of a target ------------------------------------------------------

    def unsupported(self, api: str) -> str | None:
        """Why this target cannot be checked for an API, or None."""
        return None if api in self.apis else f"{self.name} does not serve {api}"

    def container(self, api: str, *, timeout: float | None = None) -> str:
        """The application, virtual cluster or workspace clauses run in; prepared on first use.

        ``timeout`` bounds each support call the preparation makes (default :attr:`support_timeout`).
        """
        if api in self._unpreparable:
            raise self._unpreparable[api]  # tried once already: do not wait on a dead target per clause
        if api not in self._containers:
            if timeout is not None:
                self.support_timeout = timeout
            try:
                self._containers[api] = self.prepare(api)
            except TargetError as error:
                self._unpreparable[api] = error
                raise
        return self._containers[api]

    def prepare(self, api: str) -> str:
        raise Unsupported(f"{self.name}: no {registry.CONTAINER_PARAMETER[api]} given for {api}")

    def advance(self, seconds: float) -> None:
        raise Unsupported(f"{self.name} cannot advance time")

    def fail(self, run_id: str) -> None:
        raise Unsupported(f"{self.name} cannot make a run fail")

    def send(self, api: str, operation: str, request: HttpRequest, *, timeout: float) -> HttpResponse:
        return self.deliver(self.outgoing(api, operation, request), timeout=timeout)

    def outgoing(self, api: str, operation: str, request: HttpRequest) -> HttpRequest:
        """The request exactly as it will be sent: under the base URL's path, and signed."""
        prefix = getattr(self.transport, "prefix", "")
        if prefix:  # a base URL with a path: the signature must cover the path as sent
            request = replace(request, target=prefix + request.target)
        return self._signed(api, operation, request) if self.sign else request

    def deliver(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        return self.transport.send(request, timeout=timeout)

    def close(self) -> None:
        self.transport.close()

    # -- what a run made here ----------------------------------------------------------------

    def record(self, api: str, operation: str, request: Mapping[str, Any], status: int, body: Any) -> None:
        """Note what a 2xx answer says was made: a job run (StartJobRun), a job template (CreateJobTemplate);
        a job template a 2xx DeleteJobTemplate removed is forgotten.

        From the answer, not from what the clause meant to do, so that it holds for any target: a
        target that wrongly accepts an invalid StartJobRun has still started a run.
        """
        if operation == "DeleteJobTemplate" and 200 <= status < 300 and isinstance(request.get("id"), str):
            self.forget(Created(api, JOB_TEMPLATE, request["id"]))  # a clause deleted it: nothing to remove
            return
        kind = _CREATES.get(operation)
        if kind is None or not 200 <= status < 300 or not isinstance(body, Mapping):
            return
        made = body.get(registry.RUN_ID[api] if kind == JOB_RUN else "id")
        if not isinstance(made, str) or not made:
            return
        container = request.get(registry.CONTAINER_PARAMETER[api]) if kind == JOB_RUN else None
        self._note(Created(api, kind, made, container if isinstance(container, str) else None))

    def created(self) -> list[Created]:
        """Everything this target has recorded as made by the run, oldest first, each once."""
        with self._created_lock:
            return list(self._created.values())

    def forget(self, item: Created) -> None:
        """``item`` is gone from the target (the cleanup removed it)."""
        with self._created_lock:
            self._created.pop((item.api, item.kind, item.id), None)

    def _note(self, item: Created) -> None:
        with self._created_lock:
            self._created.setdefault((item.api, item.kind, item.id), item)

    def secrets(self) -> list[str]:
        """Every secret value this target knows of, for reports to replace wherever it shows up.

        Key ids, secret keys and session tokens of the credentials in use, and the signatures of the
        latest requests it signed: a target may echo any of them (an AWS error can quote the
        Authorization header).
        """
        found = [*self._signatures]
        for creds in (self._aws, self._alibaba):
            if creds is not None:
                found += [creds.key_id, creds.secret, *([creds.token] if creds.token else [])]
        return found

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- signing -------------------------------------------------------------------------------

    def _signed(self, api: str, operation: str, request: HttpRequest) -> HttpRequest:
        if api == ALIBABA:
            from ..wire import acs3

            if self._alibaba is None:
                self._alibaba = _alibaba_credentials()
            creds = self._alibaba
            signed = acs3.sign(
                request,
                access_key_id=creds.key_id,
                access_key_secret=creds.secret,
                action=operation,
                host=self.host,
                security_token=creds.token,  # STS: x-acs-accesskey-id and x-acs-security-token, as the SDK sends
            )
            return self._remember(signed)
        from ..wire import sigv4

        if self._aws is None:
            self._aws = _aws_credentials()  # resolved once: the chain may read files or call a metadata service
        creds = self._aws
        signed = sigv4.sign(
            request,
            host=self.host,
            service=registry.SIGNING_NAME[api],
            region=self.region,
            access_key=creds.key_id,
            secret_key=creds.secret,
            session_token=creds.token,
        )
        return self._remember(signed)

    def _remember(self, request: HttpRequest) -> HttpRequest:
        found = _SIGNATURE.search(request.headers.get("authorization", ""))
        if found:
            self._signatures.append(found.group(1))
        return request

    def _call_json(self, api: str, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """A support call (create an application...) outside the job-run operations."""
        payload = json.dumps(body).encode() if body is not None else b""
        headers = {"host": self.host, "accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        request = HttpRequest(method, path, headers, payload)
        response = self.send(api, "Prepare", request, timeout=self.support_timeout)
        if response.status >= 300:
            raise TargetError(f"{self.name}: {method} {path} answered {response.status}: {response.body[:200]!r}")
        try:
            return json.loads(response.body or b"{}")
        except ValueError:
            raise TargetError(f"{self.name}: {method} {path} answered with a body that is not JSON") from None

    def _create_aws_container(self, api: str) -> str:
        path, body = container_request(api, uuid.uuid4().hex)
        answer = self._call_json(api, "POST", path, body)
        member = "applicationId" if api == "aws-emr-serverless" else "id"
        made = answer.get(member) if isinstance(answer, dict) else None
        if not isinstance(made, str) or not made:
            raise TargetError(f"{self.name}: POST {path} answered without the id of what it created")
        self._note(Created(api, _CONTAINER_KIND[api], made))
        return made


def container_request(api: str, token: str) -> tuple[str, dict[str, Any]]:
    """The path and body of the request that creates an AWS API's container: CreateApplication or
    CreateVirtualCluster, with ``token`` as its client token."""
    if api == "aws-emr-serverless":
        body = {"name": "jobrun-contracts", "releaseLabel": "emr-7.1.0", "type": "SPARK", "clientToken": token}
        return "/applications", body
    provider = {"type": "EKS", "id": "jobrun-contracts", "info": {"eksInfo": {"namespace": "default"}}}
    return "/virtualclusters", {"name": "jobrun-contracts", "containerProvider": provider, "clientToken": token}


class BuiltinTarget(Target):
    """Our reference emulator on a loopback port, in this process; time and failures are controllable."""

    name = "builtin"
    capabilities = frozenset({"time", "fail"})
    disposable = True

    def __init__(self, apis: Iterable[str] = registry.APIS, **options: Any) -> None:
        from ..emulator import Emulator, EmulatorServer

        self.server = EmulatorServer(Emulator(apis, **options)).start()
        transport = HttpTransport(self.server.url)
        super().__init__(
            transport,
            transport.netloc,
            apis=apis,
            containers=self.server.defaults,
            aws_credentials=LOCAL_CREDENTIALS,  # never send real credentials to a local emulator
            alibaba_credentials=LOCAL_CREDENTIALS,
        )

    def advance(self, seconds: float) -> None:
        self.server.advance(seconds)

    def fail(self, run_id: str) -> None:
        self.server.fail(run_id)

    def close(self) -> None:
        super().close()
        self.server.stop()


class MotoTarget(Target):
    """moto's server in this process (``moto[server]`` must be installed); the two AWS APIs only."""

    name = "moto"
    disposable = True

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as error:
            raise UsageError(f"the moto target needs moto[server] installed ({error})") from None
        import logging

        logging.getLogger("werkzeug").disabled = True  # its request log and tracebacks would bury the report
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # 0: the OS picks, no race
        self._server.start()
        host, port = self._server.get_host_and_port()
        url = f"http://{host}:{port}"
        transport = HttpTransport(url)
        super().__init__(
            transport,
            transport.netloc,
            apis=("aws-emr-serverless", "aws-emr-containers"),
            aws_credentials=LOCAL_CREDENTIALS,
        )

    def unsupported(self, api: str) -> str | None:
        if api == ALIBABA:
            return "moto does not emulate Alibaba EMR Serverless Spark"
        return super().unsupported(api)

    def prepare(self, api: str) -> str:
        return self._create_aws_container(api)

    def close(self) -> None:
        super().close()
        self._server.stop()


class UrlTarget(Target):
    """Any endpoint: requests are signed; AWS containers are created unless given, Alibaba's must be given."""

    name = "url"

    def __init__(self, url: str, apis: Iterable[str] = registry.APIS, **options: Any) -> None:
        transport = HttpTransport(url)  # refuses a URL with credentials, and never shows them
        super().__init__(transport, transport.netloc, apis=apis, **options)
        self.name = url

    def prepare(self, api: str) -> str:
        if api == ALIBABA:
            raise Unsupported(f"{self.name}: give a workspace id for {api} (--container {api}=w-...)")
        return self._create_aws_container(api)


class InProcessTarget(Target):
    """A callable over :class:`HttpRequest`, a WSGI app (``wsgi=True``) or an ASGI app (``asgi=True``), no server."""

    name = "in-process"

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        wsgi: bool = False,
        asgi: bool = False,
        apis: Iterable[str] = registry.APIS,
        capabilities: Iterable[str] = (),
        advance: Callable[[float], Any] | None = None,
        fail: Callable[[str], Any] | None = None,
        **options: Any,
    ) -> None:
        transport: Transport = WsgiTransport(app) if wsgi else AsgiTransport(app) if asgi else CallableTransport(app)
        super().__init__(transport, "localhost", apis=apis, **options)
        self.capabilities = frozenset(capabilities)
        self._advance, self._fail = advance, fail

    def prepare(self, api: str) -> str:
        if api == ALIBABA:
            return super().prepare(api)
        return self._create_aws_container(api)

    def advance(self, seconds: float) -> None:
        if self._advance is None:
            super().advance(seconds)
        else:
            self._advance(seconds)

    def fail(self, run_id: str) -> None:
        if self._fail is None:
            super().fail(run_id)
        else:
            self._fail(run_id)


def emulator_target(emulator: Any, *, wsgi: bool = False) -> InProcessTarget:
    """An in-process target over an :class:`Emulator` (or a variant of one), with its controls."""
    app = emulator.wsgi if wsgi else emulator
    return InProcessTarget(
        app,
        wsgi=wsgi,
        apis=emulator.apis,
        capabilities=("time", "fail"),
        advance=emulator.advance,
        fail=emulator.fail,
        containers=emulator.defaults,
    )


def open_target(spec: str, apis: Iterable[str] = registry.APIS, *, dry: bool = False, **options: Any) -> Target:
    """``builtin``, ``moto``, or an ``http(s)://`` base URL; with ``dry``, its :class:`DryTarget` (nothing started)."""
    apis = tuple(apis)
    if spec in ("builtin", "moto") and options.get("containers"):
        raise UsageError(f"--container is for URL targets; {spec} creates its own containers")
    if dry and (spec in ("builtin", "moto") or spec.startswith(("http://", "https://"))):
        return DryTarget(spec, apis, containers=options.get("containers"), region=options.get("region", "us-east-1"))
    if any(api in registry.SIGNING_NAME for api in apis):
        require("botocore", "conformance runs against the AWS APIs (their requests are signed)", "conform")
    if spec == "builtin":
        return BuiltinTarget(apis)
    if spec == "moto":
        return MotoTarget()
    if spec.startswith(("http://", "https://")):
        return UrlTarget(spec, apis, **options)
    raise UsageError(f"unknown target '{spec}': give builtin, moto or an http(s):// URL")


class _Unsent:
    """The transport of a :class:`DryTarget`: it has a base path, and refuses to send anything."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        raise TargetError("a dry run sends nothing")

    def close(self) -> None:
        pass


class DryTarget(Target):
    """A target as ``--dry-run`` sees it, opened without starting a server or sending a request.

    It serves the APIs and has the capabilities the real one would (so the same clauses are
    skipped), knows the containers it was given, and says what preparing the others would send.
    Nothing is signed: a dry run needs no credentials and shows no signature.
    """

    def __init__(
        self,
        spec: str,
        apis: Iterable[str] = registry.APIS,
        *,
        containers: Mapping[str, str] | None = None,
        region: str = "us-east-1",
    ) -> None:
        apis = tuple(apis)
        self._kind = spec if spec in ("builtin", "moto") else "url"
        prefix, host = "", "127.0.0.1"
        if self._kind == "url":
            transport = HttpTransport(spec)  # checks the URL; connects to nothing
            prefix, host = transport.prefix, transport.netloc
        elif self._kind == "moto":
            apis = tuple(api for api in apis if api != ALIBABA)
        super().__init__(_Unsent(prefix), host, apis=apis, containers=containers, region=region, sign=False)
        self.name = spec
        self.capabilities = frozenset({"time", "fail"}) if self._kind == "builtin" else frozenset()
        self.disposable = self._kind != "url"

    def unsupported(self, api: str) -> str | None:
        if self._kind == "moto" and api == ALIBABA:
            return "moto does not emulate Alibaba EMR Serverless Spark"
        return super().unsupported(api)

    def given(self, api: str) -> str | None:
        """The container given for ``api`` (``--container``), or None."""
        return self._containers.get(api)

    def preparation(self, api: str, token: str) -> HttpRequest | None:
        """The request that would create the container clauses of ``api`` run in, with ``token`` as its client
        token; None when none would be sent (one was given, or the built-in emulator has one ready).
        Raises :class:`Unsupported` when the target cannot make one (an Alibaba workspace must be given)."""
        if api in self._containers or self._kind == "builtin":
            return None
        if api == ALIBABA:
            raise Unsupported(f"{self.name}: give a workspace id for {api} (--container {api}=w-...)")
        path, body = container_request(api, token)
        headers = {"host": self.host, "accept": "application/json", "content-type": "application/json"}
        return self.outgoing(api, "Prepare", HttpRequest("POST", path, headers, json.dumps(body).encode()))

    def container(self, api: str, *, timeout: float | None = None) -> str:
        raise TargetError("a dry run prepares nothing")


def _aws_credentials() -> Credentials:
    """botocore's standard chain (environment, shared files, instance roles); dummy ones when none."""
    require("botocore", "signing requests to an AWS endpoint", "conform")
    import botocore.session  # type: ignore[import-untyped, unused-ignore]

    found = botocore.session.get_session().get_credentials()
    if found is None:
        return LOCAL_CREDENTIALS
    frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)


def _alibaba_credentials() -> Credentials:
    key = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key and secret:
        return Credentials(key, secret, os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"))
    return LOCAL_CREDENTIALS
