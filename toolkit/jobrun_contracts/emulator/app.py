"""The reference emulator: one request in, one response out, for all three job-run APIs.

It is a plain callable over :class:`HttpRequest` so the same object serves a real HTTP server, a
WSGI app and an in-process target. State lives behind one lock; a run's progress is computed from
the emulated clock (``runs``), so reads never race a background thread and tests never sleep.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from secrets import token_urlsafe
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
from . import queueing as _queueing
from . import templates as _templates
from .clock import Clock
from .flavours import FLAVOURS, REGION, AlibabaServerlessSpark, ApiFlavour
from .runs import Run, Timings, cancel, encode_request, fail_now, plan
from .state import DEFAULT_MAX_BYTES, DEFAULT_MAX_RUNS, State

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
    the AWS APIs, scoped to one of ``regions`` and the API's signing name, and ACS3-HMAC-SHA256
    for Alibaba, with its action and nonce checked. Without it any credentials are accepted.
    ``control_token`` guards the HTTP control routes (``/_emulator``): requests there must carry
    ``Authorization: Bearer <token>``. With credentials and no token given, one is generated
    (:attr:`control_token`); without either, control is open. The Python controls need no token.
    ``check_responses`` validates every response against our response schemas and records
    what fails in :attr:`response_problems` (the test suite turns it on).
    ``max_runs`` and ``max_bytes`` bound what is kept (runs, and their request bodies plus a fixed
    estimate per run); past them the runs that ended longest ago are evicted, then the oldest live
    ones, and a client asking for an evicted run gets the API's not-found error (:meth:`set_limits`).
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
        regions: Iterable[str] = (REGION,),
        control_token: str | None = None,
        max_runs: int = DEFAULT_MAX_RUNS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        release_labels: Iterable[str] | None = None,
    ) -> None:
        self.apis = tuple(registry.check_api(api) for api in apis)
        if not self.apis:
            raise UsageError("the emulator needs at least one API")
        self.clock = clock or Clock()
        #: EMR on EKS releases that exist; None: those of the documented form and range (release-must-exist)
        if isinstance(release_labels, str):
            raise UsageError("release_labels is a collection of labels, not one label")
        self.release_labels = frozenset(release_labels) if release_labels is not None else None
        self.timings = self._configured_timings = timings or Timings()
        self.credentials = dict(credentials) if credentials else None
        if self.credentials and any(_SIGNING[api] == "aws" for api in self.apis):
            require("botocore", "checking AWS signatures (--credentials)")
        self.regions = tuple(regions)
        if not self.regions or not all(self.regions):
            raise UsageError("the emulator needs at least one region, and no empty one")
        self.control_token = control_token or (token_urlsafe(24) if self.credentials else None)
        from ..wire.acs3 import NonceStore

        self._nonces = NonceStore()  # ACS3 replay protection: nonces seen within the skew window
        self.check_responses = check_responses
        self.flavours = {**FLAVOURS, **(flavours or {})}  # per-API behaviour; variants swap one in
        self.response_problems: list[ResponseProblem] = []
        self._seed = seed
        self._extra_workspaces = tuple(workspaces)
        self.state = State(max_runs, max_bytes)  # the bound on what is kept (set_limits changes it)
        self._configured_limits = (self.state.max_runs, self.state.max_bytes)
        self._routes = [(api, op) for api in self.apis for op in registry.operations(api)]
        self.reset()

    # -- control, from Python ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every run and container; the default containers come back with the same ids."""
        with self.state.lock:
            self._rng = random.Random(self._seed)
            self.state.clear()
            self.state.set_limits(self.clock.now(), *self._configured_limits)
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
        problem = _queueing.configuration_problem(attributes) if api == "aws-emr-serverless" else None
        if problem is not None:
            raise UsageError(problem)
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
            if fail_now(run, lifecycle, self.clock.now(), reason):
                self.state.replanned(run)
                self._requeue(run)
            return run.event_at(self.clock.now()).state

    def _requeue(self, run: Run) -> None:
        """A run's end moved earlier (cancelled, failed): the runs queued behind it may start sooner."""
        queue = self.state.queues.get((run.api, run.container))
        container = self.state.containers.get(run.api, {}).get(run.container)
        limits = _queueing.concurrency(container) if queue is not None and container is not None else None
        if queue is None or limits is None:
            return
        for changed in queue.replan(self.clock.now(), self.flavours[run.api].lifecycle, self.timings, limits):
            self.state.replanned(changed)

    def set_limits(self, max_runs: int | None = None, max_bytes: int | None = None) -> dict[str, int]:
        """Change how many runs and bytes are kept (None: unchanged), evicting at once what no longer fits.

        Ended runs go first, the one that ended longest ago first; then the oldest live runs. A
        reset brings back the limits the emulator was made with. Returns :meth:`limits`.
        """
        with self.state.lock:
            self.state.set_limits(self.clock.now(), max_runs, max_bytes)
            return self.limits()

    def limits(self) -> dict[str, int]:
        """The bound and what it holds now: runs and bytes kept, and runs evicted since the last reset."""
        with self.state.lock:
            s = self.state
            return {
                "maxRuns": s.max_runs,
                "maxBytes": s.max_bytes,
                "runs": s.kept_runs,
                "bytes": s.kept_bytes,
                "evicted": s.evicted,
            }

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

    def start_run(self, api: str, request: Mapping[str, Any], container_id: str | None = None) -> str:
        """Start a run straight through StartJobRun's handler (the default container unless named); its id.

        For seeding many runs quickly: the request is not schema-checked, only what the handler
        checks (so give what a valid StartJobRun carries). A refusal raises :class:`UsageError`.
        """
        flavour = self.flavours[api]
        operation = next(op for served, op in self._routes if served == api and op.name == "StartJobRun")
        parameters = {**request, registry.CONTAINER_PARAMETER[api]: container_id or self.defaults[api]}
        outcome = self._start(flavour, operation, parameters)
        if isinstance(outcome, ServiceError):
            raise UsageError(f"StartJobRun refused: {outcome.code}: {outcome.message}")
        run_id: str = outcome[flavour.run_id_field]
        return run_id

    # -- the request path --------------------------------------------------------------------

    def __call__(self, request: HttpRequest) -> HttpResponse:
        segments, query = split_target(request.target)
        path = "/" + "/".join(segments)
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            from .control import handle_control

            refused = self._control_refusal(request)
            if refused is not None:
                return refused
            return handle_control(self, request, path[len(CONTROL_PREFIX) :], query)
        route = self._route(request.method, segments)
        if route is None:
            return self._support_or_unknown(request, segments)
        api, operation, path_params = route
        flavour = self.flavours[api]
        request_id = self._request_id(flavour)
        refusal = self._authenticate(api, request, operation.name)
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

    def _authenticate(self, api: str, request: HttpRequest, operation: str | None = None) -> AuthFailure | None:
        """The service's refusal of the request's signature, or None; ``operation``: the one routed to."""
        if self.credentials is None:
            return None
        if _SIGNING[api] == "aws":
            from ..wire.sigv4 import verify as verify_sigv4

            return verify_sigv4(
                request,
                host=request.headers.get("host", ""),
                secrets=self.credentials,
                regions=self.regions,
                service=registry.SIGNING_NAME[api],
            )
        from ..wire.acs3 import verify as verify_acs3

        return verify_acs3(request, secrets=self.credentials, action=operation, nonces=self._nonces)

    def _control_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """401 unless the control token is required and absent or wrong; None lets the request through."""
        if self.control_token is None:
            return None
        scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.control_token.encode()):
            return None
        message = f"control requests need the control token: send 'Authorization: Bearer <token>' to {CONTROL_PREFIX}"
        return HttpResponse(
            401,
            {"content-type": "application/json", "www-authenticate": 'Bearer realm="jobrun-emulator"'},
            json.dumps({"error": message}).encode(),
        )

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
            message = f"{flavour.container_kind} {container_id} {flavour.missing_wording}."
            return flavour.not_found(operation, message, "container")
        return container

    def _run(self, flavour: ApiFlavour, operation: Operation, request: Mapping[str, Any]) -> Run | ServiceError:
        container_id = request[registry.CONTAINER_PARAMETER[flavour.api]]
        container = self._container(flavour, operation, container_id)
        if isinstance(container, ServiceError):
            return container
        run_id = request[flavour.run_id_field]
        run = self.state.get_run(flavour.api, run_id)  # evicted runs are gone: not found, as if never made
        if run is None or run.container != container_id:
            return flavour.not_found(operation, f"Job run {run_id} does not exist in {container_id}.")
        return run

    def _start(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        container_id = request[registry.CONTAINER_PARAMETER[flavour.api]]
        token_field = operation.idempotency_token
        token = request.get(token_field.name) if token_field else None
        body = encode_request(request)  # stored once; equal bodies are the same input (the idempotency check)
        with self.state.lock:
            container = self._container(flavour, operation, container_id)
            if isinstance(container, ServiceError):
                return container
            merged = _templates.resolved(self.state.templates, flavour, operation, request)  # EMR on EKS job templates
            if isinstance(merged, ServiceError):
                return merged
            if merged is not request:  # the run is the merged request; the token compares what the client sent
                request, body = merged, encode_request(merged)
            problem = _containers.start_problem(flavour, operation, container, request, self.release_labels)
            if problem is not None:
                return problem
            key = (flavour.api, container_id, token) if token else None
            seen = self.state.tokens.get(key) if key is not None else None
            if seen is not None:
                if seen.body != body:
                    return flavour.conflict(
                        operation, f"Client token {token} was already used for a different request ({seen.run_id})."
                    )
                return flavour.started(seen)
            now = self.clock.now()
            self.state.seq += 1
            run = Run(flavour.api, container_id, flavour.new_run_id(self._rng), self.state.seq, body, now)
            fail = self.state.fail_new_runs.get(flavour.api, False)
            timeout, endless = flavour.timeout_seconds(request), flavour.runs_until_stopped(request)
            limits = _queueing.concurrency(container) if flavour.api == "aws-emr-serverless" else None
            changed: list[Run] = []
            if limits is None:
                run.events = plan(flavour.lifecycle, now, self.timings, fail=fail, timeout=timeout, endless=endless)
            else:  # it may wait in QUEUED for a slot (queue-when-concurrency-is-full)
                queue = self.state.queue(flavour.api, container_id)
                changed = queue.submit(
                    run, now, flavour.lifecycle, self.timings, limits, fail=fail, timeout=timeout, endless=endless
                )
            self.state.add_run(run, key, now)  # may evict older runs (the bound), never this one
            for other in changed:
                if other is not run:
                    self.state.replanned(other)
            _containers.submitted(flavour.api, container, now)  # an EMR Serverless application starts
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
            self.state.replanned(run)
            self._requeue(run)
            return flavour.cancelled(run)

    def _job_template(self, flavour: ApiFlavour, operation: Operation, request: _Input) -> _Outcome:
        """CreateJobTemplate, DescribeJobTemplate, ListJobTemplates, DeleteJobTemplate (``templates``)."""
        with self.state.lock:
            return _templates.handle(
                self.state.templates, flavour, operation, request, now=self.clock.now(), rng=self._rng
            )

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
            index = self.state.by_container[(flavour.api, container_id)]
            runs, filtered = index.runs, flavour.filtered(request)
            lo, hi = index.window(*flavour.created_window(request)) if filtered else (0, len(runs))
            end = max(lo, min(hi, index.before(cursor)))
            # Newest first from the cursor, and only until the page after this one is known to exist:
            # a page reads the runs it shows (and, filtered, those it passes over), not the whole list.
            remaining: list[tuple[int, Run]] = []
            for at in range(end - 1, lo - 1, -1):
                run = runs[at]
                if filtered and not flavour.matches(run, flavour.match_view(run, now, container), request, now):
                    continue
                remaining.append((run.seq, run))
                if len(remaining) >= page + 2:
                    break
            shown, next_cursor = self._page(remaining, page)
            token = _write_token(next_cursor, filter_key) if next_cursor is not None else None
            views = [flavour.summary(run, now, container) for _, run in shown]
            every = flavour.aggregates(request) or (flavour.counts_matches and filtered)
            matching = self._matching(flavour, runs[lo:hi], request, now, container, filtered) if every else []
            total = len(matching) if every else (len(remaining) if filtered else hi - lo)
            body = flavour.listed(views, token, total, page)
            return {**body, **flavour.list_extras(request, matching)}

    def _matching(
        self,
        flavour: ApiFlavour,
        runs: list[Run],
        request: _Input,
        now: float,
        container: Mapping[str, Any],
        filtered: bool,
    ) -> list[Mapping[str, Any]]:
        """The match view of every run that passes the filters: what a count or an aggregation reads.

        Only listings that report such figures pay for it (Alibaba's totalCount when filtered, and
        groupByState); it reads each run's state, not its request, unless a filter needs that.
        """
        views = ((run, flavour.match_view(run, now, container)) for run in runs)
        return [view for run, view in views if not filtered or flavour.matches(run, view, request, now)]

    def _page(self, remaining: list[tuple[int, Any]], page: int) -> tuple[list[Any], int | None]:
        """One page of (seq, run) newest first, and the cursor of the next page (None: this is the last).

        ``remaining``: the matching runs from the cursor on, newest first, at most ``page + 2`` of them.
        """
        shown = remaining[:page]
        return shown, (shown[-1][0] if len(remaining) > page and shown else None)

    #: By method name, so that a variant (a subclass) can override one operation.
    _handlers: ClassVar[dict[str, str]] = {
        "StartJobRun": "_start",
        "GetJobRun": "_get",
        "DescribeJobRun": "_get",
        "CancelJobRun": "_cancel",
        "ListJobRuns": "_list",
        **dict.fromkeys(_templates.OPERATIONS, "_job_template"),
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
