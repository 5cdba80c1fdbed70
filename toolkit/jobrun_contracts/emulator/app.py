"""The reference emulator: one request in, one response out, for all three job-run APIs.

It is a plain callable over :class:`HttpRequest` so the same object serves a real HTTP server, a
WSGI app and an in-process target. State lives behind one lock; a run's progress is computed from
the emulated clock (``_runs``), so reads never race a background thread and tests never sleep.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import quote

from ..core import registry
from ..core.extras import require
from ..core.registry import APIS, Operation
from ..core.validation import validator_for
from ..errors import JobrunContractsError, UsageError
from ..wire.codec import BodyError, decode, known_members, match, split_target
from ..wire.messages import AuthFailure, HttpRequest, HttpResponse
from ..wire.service_errors import ServiceError
from . import containers as _containers
from .clock import Clock
from .flavours import FLAVOURS, AlibabaServerlessSpark, ApiFlavour
from .runs import Run, Timings, cancel, fail_now, plan
from .state import State

#: Test control lives under this prefix, which none of the three APIs uses.
CONTROL_PREFIX = "/_emulator"
MAX_BODY = 8 * 1024 * 1024

_Input = dict[str, Any]
_Outcome = dict[str, Any] | ServiceError
_SIGNING = {"aws-emr-serverless": "aws", "aws-emr-containers": "aws", "alibaba-emr-serverless-spark": "acs3"}


@dataclass(frozen=True)
class ResponseProblem:
    """A response the emulator sent that its own schema refuses: a bug in the emulator, recorded for tests."""

    api: str
    operation: str
    pointer: str
    message: str


class Emulator:
    """All three job-run APIs in memory; call it with an :class:`HttpRequest`.

    ``credentials`` (access key id -> secret) turns on signature checking: AWS Signature V4 for
    the AWS APIs, ACS3-HMAC-SHA256 for Alibaba. Without it any credentials are accepted.
    ``check_responses`` validates every response against our response schemas and records
    what fails in :attr:`response_problems` (the test suite turns it on).
    """

    def __init__(
        self,
        apis: Iterable[str] = APIS,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        credentials: Mapping[str, str] | None = None,
        timings: Timings | None = None,
        check_responses: bool = False,
        workspaces: Iterable[str] = (),
        flavours: Mapping[str, ApiFlavour] | None = None,
    ) -> None:
        self.apis = tuple(registry.check_api(api) for api in apis)
        if not self.apis:
            raise UsageError("the emulator needs at least one API")
        self.clock = clock or Clock()
        self.timings = self._configured_timings = timings or Timings()
        self.credentials = dict(credentials) if credentials else None
        if self.credentials and any(_SIGNING[api] == "aws" for api in self.apis):
            require("botocore", "checking AWS signatures (--credentials)")
        self.check_responses = check_responses
        self.flavours = {**FLAVOURS, **(flavours or {})}  # per-API behaviour; variants swap one in
        self.response_problems: list[ResponseProblem] = []
        self._seed = seed
        self._extra_workspaces = tuple(workspaces)
        self.state = State()
        self._routes = [(api, op) for api in self.apis for op in registry.operations(api)]
        self.reset()

    # -- control, from Python ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every run and container; the default containers come back with the same ids."""
        with self.state.lock:
            self._rng = random.Random(self._seed)
            self.state.clear()
            self.timings = self._configured_timings
            self.defaults: dict[str, str] = {}
            for api in self.apis:
                self.state.containers[api] = {}
                self.defaults[api] = self.create_container(api)
            for workspace in self._extra_workspaces:
                if "alibaba-emr-serverless-spark" in self.apis:
                    self.create_container("alibaba-emr-serverless-spark", workspace)

    def create_container(self, api: str, container_id: str | None = None, **attributes: Any) -> str:
        """Add an application, virtual cluster or workspace directly (no request needed)."""
        flavour = self.flavours[api]
        with self.state.lock:
            container_id = container_id or flavour.new_container_id(self._rng)
            record = _containers.new_container(api, container_id, self.clock.now(), attributes)
            self.state.add_container(api, container_id, record)
        return container_id

    def advance(self, seconds: float) -> float:
        """Move the emulated clock forward; runs progress accordingly."""
        return self.clock.advance(seconds)

    def fail(self, run_id: str, reason: str = "Job run failed: failure injected by the test.") -> str:
        """Make a live run fail now; returns its state afterwards. Unknown runs raise KeyError."""
        with self.state.lock:
            run = self.state.find_run(run_id)
            if run is None:
                raise KeyError(run_id)
            lifecycle = self.flavours[run.api].lifecycle
            fail_now(run, lifecycle, self.clock.now(), reason)
            return run.event_at(self.clock.now()).state

    def fail_new_runs(self, fail: bool = True, api: str | None = None) -> None:
        """Runs submitted from now on end in failure (or success again with ``fail=False``)."""
        with self.state.lock:
            for name in (api,) if api else self.apis:
                self.state.fail_new_runs[name] = fail

    def state_of(self, run_id: str) -> str:
        with self.state.lock:
            run = self.state.find_run(run_id)
            if run is None:
                raise KeyError(run_id)
            return run.event_at(self.clock.now()).state

    # -- the request path --------------------------------------------------------------------

    def __call__(self, request: HttpRequest) -> HttpResponse:
        segments, query = split_target(request.target)
        path = "/" + "/".join(segments)
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            from .control import handle_control

            return handle_control(self, request, path[len(CONTROL_PREFIX) :], query)
        route = self._route(request.method, segments)
        if route is None:
            return self._support_or_unknown(request, segments)
        api, operation, path_params = route
        flavour = self.flavours[api]
        request_id = self._request_id(flavour)
        refusal = self._authenticate(api, request)
        if refusal is not None:
            return flavour.error_response(ServiceError(refusal.status, refusal.code, refusal.message), request_id)
        try:
            # The deserialiser drops unknown members at any depth before anything is checked, as services do.
            instance = known_members(operation, decode(operation, path_params, query, request.body))
        except BodyError as error:
            return flavour.error_response(flavour.bad_body(str(error)), request_id)
        try:
            violations = validator_for(api, operation.name, "request", wire=True, strict=False).validate(instance)
        except JobrunContractsError as error:  # e.g. a lone surrogate: JSON the service cannot read as text
            return flavour.error_response(flavour.bad_body(str(error)), request_id)
        invalid = flavour.invalid(violations)
        if invalid is not None:
            return flavour.error_response(invalid, request_id)
        handler: Callable[..., _Outcome] = getattr(self, self._handlers[operation.name])
        outcome = handler(flavour, operation, instance)
        if isinstance(outcome, ServiceError):
            return flavour.error_response(outcome, request_id)
        if self.check_responses:
            self._check_response(api, operation.name, outcome)
        return flavour.ok_response(outcome, request_id, operation.status)

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The emulator as a WSGI application, for servers and in-process targets that speak WSGI."""
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not target:
            target = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/")
            if environ.get("QUERY_STRING"):
                target += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        response = self(HttpRequest(environ["REQUEST_METHOD"].upper(), target, headers, body))
        reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
        start_response(f"{response.status} {reason}", list(response.headers.items()))
        return [response.body]

    def _route(self, method: str, segments: list[str]) -> tuple[str, Operation, dict[str, str]] | None:
        for api, operation in self._routes:
            if operation.method == method:
                found = match(operation.uri, segments)
                if found is not None:
                    return api, operation, found
        return None

    def _support_or_unknown(self, request: HttpRequest, segments: list[str]) -> HttpResponse:
        api = _containers.api_of(segments)
        if api is not None and api in self.apis:
            refusal = self._authenticate(api, request)
            if refusal is not None:
                return self.flavours[api].error_response(
                    ServiceError(refusal.status, refusal.code, refusal.message), str(uuid.uuid4())
                )
            return _containers.handle(self, api, request, segments)
        flavour = self.flavours["alibaba-emr-serverless-spark" if segments[:1] == ["api"] else "aws-emr-serverless"]
        message = f"No operation at {request.method} /{'/'.join(segments)}"
        code = "InvalidAction.NotFound" if isinstance(flavour, AlibabaServerlessSpark) else "UnknownOperationException"
        return flavour.error_response(ServiceError(404, code, message), str(uuid.uuid4()))

    def _authenticate(self, api: str, request: HttpRequest) -> AuthFailure | None:
        if self.credentials is None:
            return None
        if _SIGNING[api] == "aws":
            from ..wire.sigv4 import verify as verify_sigv4

            return verify_sigv4(request, host=request.headers.get("host", ""), secrets=self.credentials)
        from ..wire.acs3 import verify as verify_acs3

        return verify_acs3(request, secrets=self.credentials)

    def _request_id(self, flavour: ApiFlavour) -> str:
        """Random, apart from the seeded ids: run ids must not depend on how many requests came first."""
        request_id = str(uuid.uuid4())
        return request_id.upper() if isinstance(flavour, AlibabaServerlessSpark) else request_id

    def _check_response(self, api: str, operation: str, body: Mapping[str, Any]) -> None:
        wire_body = json.loads(json.dumps(body))
        if api == "alibaba-emr-serverless-spark":
            wire_body["requestId"] = "check"
        for violation in validator_for(api, operation, "response").validate(wire_body):
            self.response_problems.append(ResponseProblem(api, operation, violation.pointer, violation.message))

    # -- the four operations -----------------------------------------------------------------

    def _container(self, flavour: ApiFlavour, operation: Operation, container_id: str) -> _Outcome:
        container = self.state.containers[flavour.api].get(container_id)
        if container is None:
            message = f"{flavour.container_kind} {container_id} does not exist."
            return flavour.not_found(operation, message, "container")
        return container

    def _run(self, flavour: ApiFlavour, operation: Operation, request: Mapping[str, Any]) -> Run | ServiceError:
        container_id = request[registry.CONTAINER_PARAMETER[flavour.api]]
        container = self._container(flavour, operation, container_id)
        if isinstance(container, ServiceError):
            return container
        run_id = request[flavour.run_id_field]
        run = self.state.runs.get((flavour.api, run_id))
        if run is None or run.container != container_id:
            return flavour.not_found(operation, f"Job run {run_id} does not exist in {container_id}.")
        return run

    def _start(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        container_id = request[registry.CONTAINER_PARAMETER[flavour.api]]
        token_field = operation.idempotency_token
        token = request.get(token_field.name) if token_field else None
        fingerprint = json.dumps(request, sort_keys=True)
        with self.state.lock:
            container = self._container(flavour, operation, container_id)
            if isinstance(container, ServiceError):
                return container
            problem = _containers.start_problem(flavour, operation, container, request)
            if problem is not None:
                return problem
            key = (flavour.api, container_id, token) if token else None
            if key is not None and key in self.state.tokens:
                seen, run_id = self.state.tokens[key]
                if seen != fingerprint:
                    return flavour.conflict(
                        operation, f"Client token {token} was already used for a different request ({run_id})."
                    )
                return flavour.started(self.state.runs[(flavour.api, run_id)])
            now = self.clock.now()
            self.state.seq += 1
            run = Run(flavour.api, container_id, flavour.new_run_id(self._rng), self.state.seq, request, now)
            fail = self.state.fail_new_runs.get(flavour.api, False)
            run.events = plan(flavour.lifecycle, now, self.timings, fail=fail, timeout=flavour.timeout_seconds(request))
            self.state.runs[(flavour.api, run.run_id)] = run
            self.state.by_container[(flavour.api, container_id)].append(run)
            if key is not None:
                self.state.tokens[key] = (fingerprint, run.run_id)
            return flavour.started(run)

    def _get(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        with self.state.lock:
            run = self._run(flavour, operation, request)
            if isinstance(run, ServiceError):
                return run
            if request.get("attempt", 1) != 1:
                message = f"Attempt {request['attempt']} of job run {run.run_id} does not exist."
                return flavour.not_found(operation, message)
            container = self.state.containers[flavour.api][run.container]
            return {"jobRun": flavour.described(run, self.clock.now(), container)}

    def _cancel(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        with self.state.lock:
            run = self._run(flavour, operation, request)
            if isinstance(run, ServiceError):
                return run
            lifecycle, now = flavour.lifecycle, self.clock.now()
            state = run.event_at(now).state
            if state in (lifecycle.success, lifecycle.failure):
                return flavour.refused(
                    operation, f"Job run {run.run_id} is already {state} and cannot be cancelled.", "state"
                )
            cancel(run, lifecycle, now, self.timings)
            return flavour.cancelled(run)

    def _list(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        container_id = request[registry.CONTAINER_PARAMETER[flavour.api]]
        page = request.get("maxResults") or flavour.default_page
        if page < 1:  # only EMR on EKS lets this through validation: no bounds are documented there
            page = flavour.default_page
        filters = {k: v for k, v in request.items() if k not in ("nextToken", "maxResults")}
        filter_key = hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]
        with self.state.lock:
            container = self._container(flavour, operation, container_id)
            if isinstance(container, ServiceError):
                return container
            cursor = self.state.seq + 1
            if request.get("nextToken"):
                decoded = _read_token(request["nextToken"], filter_key)
                if decoded is None:
                    return flavour.refused(operation, "The pagination token is invalid or expired.", "token")
                cursor = decoded
            now = self.clock.now()
            matching = []
            for run in reversed(self.state.by_container[(flavour.api, container_id)]):
                view = flavour.summary(run, now, container)
                if flavour.matches(run, view, request, now):
                    matching.append((run.seq, view))
            remaining = [(seq, view) for seq, view in matching if seq < cursor]
            shown, next_cursor = self._page(remaining, page)
            token = _write_token(next_cursor, filter_key) if next_cursor is not None else None
            body = flavour.listed([view for _, view in shown], token, len(matching), page)
            return {**body, **flavour.list_extras(request, [view for _, view in matching])}

    def _page(self, remaining: list[tuple[int, dict[str, Any]]], page: int) -> tuple[list[Any], int | None]:
        """One page of (seq, run) newest first, and the cursor of the next page (None: this is the last)."""
        shown = remaining[:page]
        return shown, (shown[-1][0] if len(remaining) > page and shown else None)

    #: By method name, so that a variant (a subclass) can override one operation.
    _handlers: ClassVar[dict[str, str]] = {
        "StartJobRun": "_start",
        "GetJobRun": "_get",
        "DescribeJobRun": "_get",
        "CancelJobRun": "_cancel",
        "ListJobRuns": "_list",
    }


def _write_token(seq: int, filter_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([seq, filter_key]).encode()).decode().rstrip("=")


def _read_token(token: str, filter_key: str) -> int | None:
    """The cursor in a token, or None when it is not one of ours or was made for other filters."""
    try:
        seq, key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, RecursionError, binascii.Error):
        return None
    if not isinstance(seq, int) or isinstance(seq, bool) or key != filter_key:
        return None
    return seq
