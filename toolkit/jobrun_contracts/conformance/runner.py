"""Run clauses against a target and say, clause by clause, whether the implementation holds to them.

A clause passes when every step's expectations hold and every successful response validates
against our response schema; it is skipped, with the reason, when the target cannot do what it
needs; anything the implementation does wrong (bad status, invalid body, a hang, HTML instead of
JSON) fails it with evidence, and the run goes on.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core import fixtures, registry
from ..core.validation import validator_for
from ..errors import JobrunContractsError, TargetError
from ..wire import codec
from ..wire.messages import HttpRequest, HttpResponse
from .clauses import Clause, Scope
from .expectations import MISSING, Observed, check, error_of, invalid_expectation, resolve
from .options import Settings as Settings  # defined with the options that fill it: one set of defaults
from .targets import Target, Unsupported

Outcome = Literal["passed", "failed", "skipped"]
_REDACTED_HEADERS = (
    "authorization",
    "x-amz-security-token",
    "x-acs-security-token",
    "x-acs-bearer-token",
    "x-acs-accesskey-id",
)


@dataclass
class Exchange:
    step: str
    operation: str
    request: HttpRequest
    response: HttpResponse | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "step": self.step,
            "operation": self.operation,
            "request": {
                "method": self.request.method,
                "target": self.request.target,
                "headers": redact(self.request.headers),
                "body": _text(self.request.body),
            },
        }
        if self.response is not None:
            data["response"] = {
                "status": self.response.status,
                "headers": redact(self.response.headers),
                "body": _text(self.response.body),
            }
        if self.problem:
            data["problem"] = self.problem
        return data


@dataclass
class ClauseResult:
    clause: Clause
    outcome: Outcome
    reason: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0

    def evidence(self, last: int = 2) -> str:
        """The last exchanges, redacted, for a failure report."""
        return "\n".join(json.dumps(e.to_dict(), indent=2, ensure_ascii=False) for e in self.exchanges[-last:])


@dataclass
class Report:
    target: str
    results: list[ClauseResult]
    seconds: float
    requests: int

    @property
    def must_failures(self) -> list[ClauseResult]:
        return [r for r in self.results if r.outcome == "failed" and r.clause.level == "MUST"]

    def counts(self, api: str | None = None) -> dict[str, int]:
        """Clauses by outcome: all of them, or one API's (the report's per-API totals)."""
        found = {"passed": 0, "failed": 0, "skipped": 0}
        for result in self.results:
            if api is None or result.clause.api == api:
                found[result.outcome] += 1
        return found


class _Failed(Exception):
    pass


class _Skipped(Exception):
    pass


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to print: credentials and signatures replaced."""
    shown = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in _REDACTED_HEADERS:
            scheme = value.split(" ", 1)[0] if lower == "authorization" and " " in value else ""
            shown[name] = f"{scheme} <redacted>".strip()
        else:
            shown[name] = value
    return shown


def run(
    target: Target,
    clauses: Sequence[Clause],
    settings: Settings = Settings(),  # noqa: B008 (frozen; ruff cannot see that across modules)
    progress: Callable[[ClauseResult], None] | None = None,
) -> Report:
    started = time.perf_counter()
    results = []
    requests = 0
    for clause in clauses:
        if settings.run_timeout is not None and time.perf_counter() - started > settings.run_timeout:
            result = ClauseResult(
                clause, "failed", f"not run: the run's time limit ({settings.run_timeout:g} s) was reached"
            )
            results.append(result)
            if progress is not None:
                progress(result)
            continue
        runner = ClauseRun(clause, target, settings)
        result = runner.run()
        requests += runner.requests
        results.append(result)
        if progress is not None:
            progress(result)
    return Report(target.name, results, time.perf_counter() - started, requests)


class ClauseRun:
    """One clause against one target: its steps in order, in a scope of their results."""

    def __init__(self, clause: Clause, target: Target, settings: Settings) -> None:
        self.clause, self.target, self.settings = clause, target, settings
        self.api = clause.api
        self.exchanges: list[Exchange] = []
        self.requests = 0
        self._deadline = 0.0

    def run(self) -> ClauseResult:
        began = time.perf_counter()
        self._deadline = time.monotonic() + self.settings.clause_timeout
        try:
            reason = self._why_skip()
            if reason:
                raise _Skipped(reason)
            scope = Scope(
                {
                    "container": self.target.container(self.api),
                    "token": uuid.uuid4().hex,
                    "api": self.api,
                }
            )
            for index, step in enumerate(self.clause.steps):
                self._step(step, index, scope)
        except _Skipped as skipped:
            return ClauseResult(self.clause, "skipped", str(skipped), self.exchanges, time.perf_counter() - began)
        except _Failed as failed:
            return ClauseResult(self.clause, "failed", str(failed), self.exchanges, time.perf_counter() - began)
        except TargetError as error:
            return ClauseResult(self.clause, "failed", str(error), self.exchanges, time.perf_counter() - began)
        except (KeyError, JobrunContractsError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            reason = f"the clause itself is broken: {message}"
            return ClauseResult(self.clause, "failed", reason, self.exchanges, time.perf_counter() - began)
        except Exception as error:  # whatever a target sent must fail one clause, never end the run
            reason = f"internal error while checking: {type(error).__name__}: {error}"
            return ClauseResult(self.clause, "failed", reason, self.exchanges, time.perf_counter() - began)
        return ClauseResult(self.clause, "passed", "", self.exchanges, time.perf_counter() - began)

    def _why_skip(self) -> str | None:
        if self.clause.skip:
            return self.clause.skip
        unsupported = self.target.unsupported(self.api)
        if unsupported:
            return unsupported
        missing = sorted(self.clause.needs - self.target.capabilities)
        if missing:
            names = {"time": "advancing time", "fail": "making a run fail"}
            return f"{self.target.name} does not support {', '.join(names.get(m, m) for m in missing)}"
        try:
            self.target.container(self.api)
        except Unsupported as error:
            return str(error)
        except TargetError as error:  # unreachable or broken: that fails the clause, it does not excuse it
            raise _Failed(f"cannot prepare the target: {error}") from None
        return None

    # -- steps ---------------------------------------------------------------------------------

    def _step(self, step: Mapping[str, Any], index: int, scope: Scope) -> None:
        name = step.get("name", f"step{index + 1}")
        if "advance" in step:
            self.target.advance(float(step["advance"]))
            return
        if "fail" in step:
            self.target.fail(str(scope.render(step["fail"])))
            return
        if "fuzz_invalid" in step:
            self._fuzz_invalid(step, name, scope)
            return
        if "paginate" in step:
            self._paginate(step, name, scope)
            return
        repeat = int(step.get("repeat", 1))
        outcomes = [self._call(step, name, scope, i) for i in range(repeat)]
        captured = {var: [resolve(o["response"], p) for o in outcomes] for var, p in step.get("capture", {}).items()}
        if repeat == 1:
            scope.values[name] = outcomes[0]
            captured = {k: v[0] for k, v in captured.items()}
        else:
            scope.values[name] = outcomes
        for var, value in captured.items():
            if value is MISSING or (isinstance(value, list) and MISSING in value):
                raise _Failed(f"{name}: nothing to capture at {step['capture'][var]}")
            scope.values[var] = value

    def _call(self, step: Mapping[str, Any], name: str, scope: Scope, repetition: int) -> dict[str, Any]:
        operation = step["call"]
        instance = build_request(self.api, operation, step.get("request", {}), scope, self._seed(name, repetition))
        expect = step.get("expect", {})
        poll = step.get("eventually")
        observed_states: list[str] = []
        waited = 0.0
        while True:
            seen = self._exchange(name, operation, instance)
            if "observe" in step:
                state = resolve(seen.body, step["observe"])
                if isinstance(state, str) and (not observed_states or observed_states[-1] != state):
                    observed_states.append(state)
            seen.states = observed_states
            scope.values["this"] = {"request": instance, "response": seen.body, "status": seen.status}
            failures = check(expect, seen, scope, self.api)
            if not failures or poll is None:
                break
            within, every = float(poll["within"]), float(poll.get("every", 5))
            if waited + every > within:
                raise _Failed(f"{name}: still not so after {within:g} s: " + "; ".join(failures))
            self._wait(every, within)
            waited += every
        if failures:
            raise _Failed(f"{name} ({operation}): " + "; ".join(failures))
        return {"request": instance, "response": seen.body, "status": seen.status}

    def _paginate(self, step: Mapping[str, Any], name: str, scope: Scope) -> None:
        operation = step["paginate"]
        base = build_request(self.api, operation, step.get("request", {}), scope, self._seed(name, 0))
        collected: list[Any] = []
        tokens: set[str] = set()
        pages = 0
        limit = int(step.get("max_pages", 1000))
        seen = None
        while True:
            seen = self._exchange(name, operation, base)
            failures = check({"status": 200}, seen, scope, self.api)
            if failures:
                raise _Failed(f"{name} ({operation}), page {pages + 1}: " + "; ".join(failures))
            items = resolve(seen.body, step["items"])
            if not isinstance(items, list):
                raise _Failed(f"{name}: page {pages + 1} has no list at {step['items']}")
            limit_per_page = base.get("maxResults")
            if isinstance(limit_per_page, int) and limit_per_page >= 1 and len(items) > limit_per_page:
                raise _Failed(f"{name}: page {pages + 1} has {len(items)} items with maxResults={limit_per_page}")
            collected += [resolve(item, step["item_id"]) for item in items]
            pages += 1
            token = resolve(seen.body, "/nextToken")
            if token is MISSING or token in (None, ""):
                break
            if token in tokens:
                raise _Failed(f"{name}: the service handed out the page token {token!r} twice; paging would not end")
            if pages >= limit:
                raise _Failed(f"{name}: more than {limit} pages")
            tokens.add(token)
            base = {**base, "nextToken": token}
        seen.collected = collected
        failures = check(step.get("expect", {}), seen, scope, self.api)
        if failures:
            raise _Failed(f"{name} ({operation}, {pages} pages): " + "; ".join(failures))
        scope.values[name] = {"ids": collected, "pages": pages}

    def _fuzz_invalid(self, step: Mapping[str, Any], name: str, scope: Scope) -> None:
        from .replay import invalid_examples

        operation = step["fuzz_invalid"]
        drawn = invalid_examples(self.api, operation, int(step["count"]), self.settings.seed)
        if not drawn:
            raise _Skipped(f"no documented constraint of {operation} can be broken on the wire")
        for instance, expected in drawn:
            request = {**instance}
            for field_name, value in step.get("with", {}).items():
                if field_name != expected["pointer"].split("/")[1]:
                    request[field_name] = scope.render(value)
            seen = self._exchange(name, operation, request)
            failures = check(invalid_expectation(self.api, expected), seen, scope, self.api)
            if failures:
                what = f"{expected['keyword']} at {expected['pointer']}"
                raise _Failed(
                    f"{name}: a request breaking {what} was not refused as it should be: " + "; ".join(failures)
                )

    # -- one request -----------------------------------------------------------------------------

    def _exchange(self, step: str, operation_name: str, instance: Mapping[str, Any]) -> Observed:
        if time.monotonic() > self._deadline:
            raise _Failed(f"the clause took longer than {self.settings.clause_timeout:g} s")
        operation = registry.operation(self.api, operation_name)
        request = codec.encode(operation, instance, self.target.host)
        exchange = Exchange(step, operation_name, request)
        self.exchanges.append(exchange)
        self.requests += 1
        timeout = min(self.settings.timeout, max(0.1, self._deadline - time.monotonic()))
        try:
            exchange.request = self.target.outgoing(
                self.api, operation_name, request
            )  # the evidence shows what was sent
            response = self.target.deliver(exchange.request, timeout=timeout)
        except TargetError as error:
            exchange.problem = str(error)
            raise
        exchange.response = response
        return self._observe(exchange, operation_name, response)

    def _observe(self, exchange: Exchange, operation: str, response: HttpResponse) -> Observed:
        body: Any = None
        if response.body.strip():
            try:
                body = json.loads(response.body)
            except (ValueError, RecursionError):
                kind = response.headers.get("content-type", "no content type")
                problem = f"{exchange.step}: status {response.status} with a body that is not JSON ({kind}): "
                exchange.problem = problem + repr(response.body[:80])
                raise _Failed(exchange.problem) from None
        code, message = error_of(self.api, response, body)
        seen = Observed(response.status, body, code, message)
        if 200 <= response.status < 300:
            if not isinstance(body, dict):
                raise _Failed(f"{exchange.step}: status {response.status} without a JSON object body")
            try:
                violations = validator_for(self.api, operation, "response").validate(body)
            except JobrunContractsError as error:
                raise _Failed(f"{exchange.step}: the {operation} response cannot be checked: {error}") from None
            if violations:  # reported with the step's own expectations, which often say more
                details = "; ".join(f"{v.pointer or '/'}: {v.message}" for v in violations[:3])
                more = f" (and {len(violations) - 3} more)" if len(violations) > 3 else ""
                exchange.problem = f"the {operation} response does not match its schema: {details}{more}"
                seen.schema_problem = exchange.problem
        return seen

    def _wait(self, seconds: float, within: float) -> None:
        if "time" in self.target.capabilities:
            self.target.advance(seconds)
            return
        if within > self.settings.poll_limit:
            raise _Skipped(
                f"{self.target.name} cannot advance time and waiting up to {within:g} s exceeds the poll limit "
                f"({self.settings.poll_limit:g} s)"
            )
        time.sleep(seconds)

    def _seed(self, step: str, repetition: int) -> int:
        """Stable across processes (unlike ``hash``), so xdist workers and reruns draw the same requests."""
        return zlib.crc32(f"{self.settings.seed}:{self.clause.node_id}:{step}:{repetition}".encode())


def build_request(api: str, operation_name: str, spec: Mapping[str, Any], scope: Scope, seed: int) -> dict[str, Any]:
    """A step's request: its base (fixture, generated, or literal), overrides applied, container and token set."""
    operation = registry.operation(api, operation_name)
    container_field = registry.CONTAINER_PARAMETER[api]
    overrides = scope.render(spec.get("with", {}))
    protected = ""
    if "fixture" in spec:
        instance = copy.deepcopy(fixtures.instance(api, operation_name, spec["fixture"]))
        expected = fixtures.expected(api, operation_name, spec["fixture"])
        protected = expected["pointer"].split("/")[1] if expected else ""  # the field under test stays as it is
        replace_container, replace_token = protected != container_field, True
    elif "generate" in spec:
        from ..strategies import examples, requests

        instance = examples(requests(api, operation_name, wire=True), 1, seed)[0]
        replace_container, replace_token = True, True
    else:
        literal = {k: v for k, v in spec.items() if k not in ("with", "without", "defaults")}
        instance = scope.render(literal)
        replace_container, replace_token = container_field not in instance, True
        token_field = operation.idempotency_token
        if token_field is not None and token_field.name in instance:
            replace_token = False
    for name in spec.get("without", []):
        instance.pop(name, None)
    for name, value in scope.render(spec.get("defaults", {})).items():
        instance.setdefault(name, value)
    if replace_container and container_field not in overrides:
        instance[container_field] = scope.values["container"]
    token_field = operation.idempotency_token
    if token_field is not None and replace_token and token_field.name not in overrides | {protected: None}:
        instance[token_field.name] = uuid.uuid4().hex
    instance.update(overrides)
    return dict(instance)


def _text(body: bytes, limit: int = 4000) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"
