"""Run clauses against a target and say, clause by clause, whether the implementation holds to them.

A clause passes when every step's expectations hold and every successful response validates
against our response schema; it is skipped, with the reason, when the target cannot do what it
needs; anything the implementation does wrong (bad status, invalid body, a hang, HTML instead of
JSON) fails it with evidence, and the run goes on.

Evidence is kept small and safe as it is taken: a clause keeps its last exchanges only, each body
cut to a few kilobytes, and every secret the target knows of (key ids, secret keys, session
tokens, the signatures of its requests) is replaced wherever it shows up, in headers, bodies and
reasons alike, as are the patterns that give one away (``Signature=``, ``Credential=``...). So is
every value a clause's requests and responses carry under a shape the service marks sensitive
(``x-sensitive``: entry points, their arguments, ``sparkSubmitParameters``, configuration
properties): bodies are shown with those values replaced (``core.sensitive``), and the values
themselves, 4 characters or longer, are replaced wherever else they show up (a quote cut short
with ``…`` too, from its first 8 characters). What a response costs to judge is bounded too
(:attr:`Settings.max_body`, :attr:`Settings.max_values`).
A target that answers nothing at all, :attr:`Settings.dead_after` clauses in a row, stops the run
(:attr:`Report.stopped`), as does Ctrl-C (:attr:`Report.interrupted`): the report then holds what
was known.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..core import fixtures, registry, sensitive
from ..core.formats import timestamp_seconds
from ..core.validation import validator_for
from ..errors import JobrunContractsError, TargetError
from ..transports.http import NoAnswer
from ..wire import codec
from ..wire.messages import HttpRequest, HttpResponse
from .clauses import Clause, Scope
from .expectations import MISSING, Observed, check, error_of, invalid_expectation, resolve
from .options import Settings as Settings  # defined with the options that fill it: one set of defaults
from .targets import Target, Unsupported

if TYPE_CHECKING:
    from .baseline import Known
    from .cleanup import Cleanup

Outcome = Literal["passed", "failed", "skipped", "known"]  # known: a failure a baseline records
_REDACTED_HEADERS = (
    "authorization",
    "x-amz-security-token",
    "x-acs-security-token",
    "x-acs-bearer-token",
    "x-acs-accesskey-id",
)
_KEPT_EXCHANGES = 2  # what a report shows of a clause: its last exchanges
_KEPT_STATES, _STATE_LIMIT = 64, 64  # of each observed state path: its first states, each cut to so many characters
_BODY_LIMIT = 4000  # bytes of a body kept as evidence
REDACTED = "<redacted>"
_CUT, _CUT_HEAD = "…", 8  # how a quote cut short ends, and the start of a secret that gives it away
#: What gives a secret away whoever's it is: signatures and credentials in headers or query strings
#: (an error message may quote them), access key ids by their shape, and a URL's userinfo.
_PATTERNS = (
    (re.compile(r"(Signature=)[^\s,;&\"'<]+"), r"\1" + REDACTED),
    (re.compile(r"(Credential=)[^\s,;&\"'<]+"), r"\1" + REDACTED),
    (
        re.compile(
            r"((?:x-amz-security-token|x-acs-security-token|x-acs-accesskey-id|x-amz-signature|x-amz-credential"
            r"|SecurityToken|AccessKeyId|AccessKeySecret|SecretAccessKey|SessionToken)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'&,;<}]+",
            re.IGNORECASE,
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"\b(?:AKIA|ASIA|AKID|AIDA|AROA)[A-Z0-9]{12,}\b"), REDACTED),
    (re.compile(r"\bLTAI[A-Za-z0-9]{8,}\b"), REDACTED),
    (re.compile(r"(\w://)[^\s\"'<>@]*@"), r"\1" + REDACTED + "@"),
)


@dataclass
class Exchange:
    step: str
    operation: str
    request: HttpRequest
    response: HttpResponse | None = None
    problem: str | None = None
    omitted: tuple[int, int] = (0, 0)  # bytes of the request and response bodies cut from the evidence

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "step": self.step,
            "operation": self.operation,
            "request": {
                "method": self.request.method,
                "target": self.request.target,
                "headers": redact(self.request.headers),
                "body": _text(self.request.body, self.omitted[0]),
            },
        }
        if self.response is not None:
            data["response"] = {
                "status": self.response.status,
                "headers": redact(self.response.headers),
                "body": _text(self.response.body, self.omitted[1]),
            }
        if self.problem:
            data["problem"] = self.problem
        return data

    def kept(self, secrets: Iterable[str], api: str | None = None, *, known: tuple[str, ...] | None = None) -> Exchange:
        """This exchange as evidence: secrets replaced everywhere, credential headers redacted, bodies cut.

        With ``api``, the request body and a successful response's body are shown with their
        sensitive values replaced, as the operation's schemas mark them.
        """
        known = _variants(secrets) if known is None else known
        request_body = self.request.body
        if api is not None:
            request_body = _hide_sensitive(request_body, api, self.operation, "request")
        request_body, request_cut = _cut(request_body, known)
        request = HttpRequest(
            self.request.method,
            _scrub(self.request.target, known),
            _scrub_headers(self.request.headers, known),
            request_body,
        )
        response, response_cut = None, 0
        if self.response is not None:
            response_body = self.response.body
            if api is not None and 200 <= self.response.status < 300:
                response_body = _hide_sensitive(response_body, api, self.operation, "response")
            response_body, response_cut = _cut(response_body, known)
            response = HttpResponse(self.response.status, _scrub_headers(self.response.headers, known), response_body)
        problem = _scrub(self.problem, known) if self.problem else self.problem
        omitted = (self.omitted[0] + request_cut, self.omitted[1] + response_cut)
        return Exchange(self.step, self.operation, request, response, problem, omitted)


@dataclass
class ClauseResult:
    clause: Clause
    outcome: Outcome
    reason: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0
    states: list[list[str]] = field(default_factory=list)  # each observed run's states, in order (``observe`` steps)
    known: Known | None = None  # for a ``known`` outcome: what the baseline recorded
    unanswered: bool = False  # the target answered none of the clause's requests (it may be down)

    def evidence(self, last: int = 2) -> str:
        """The last exchanges, redacted, for a failure report."""
        return "\n".join(json.dumps(e.to_dict(), indent=2, ensure_ascii=False) for e in self.exchanges[-last:])


@dataclass
class Report:
    target: str
    results: list[ClauseResult]
    seconds: float
    requests: int
    stopped: str | None = None  # why the run ended before its last clause (the target is down, Ctrl-C)
    not_run: int = 0  # clauses never started because the run stopped
    interrupted: bool = False  # stopped by Ctrl-C, not by the target
    baseline: str | None = None  # the baseline file applied (conformance.baseline), if any
    fixed: list[str] = field(default_factory=list)  # clauses the baseline records as failing that passed
    cleanup: Cleanup | None = None  # what removing what the run made did (conformance.cleanup); None: not needed

    @property
    def must_failures(self) -> list[ClauseResult]:
        return [r for r in self.results if r.outcome == "failed" and r.clause.level == "MUST"]

    def counts(self, api: str | None = None) -> dict[str, int]:
        """Clauses by outcome: all of them, or one API's (the report's per-API totals)."""
        found = {"passed": 0, "failed": 0, "skipped": 0, "known": 0}
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
            shown[name] = f"{scheme} {REDACTED}".strip()
        else:
            shown[name] = value
    return shown


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` safe to print: every known secret value replaced, as it is or as JSON or a URL would
    escape it, and whatever has the look of a signature, a credential or an access key id."""
    return _scrub(text, _variants(secrets))


def _scrub(text: str, known: tuple[str, ...]) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _CUT in text:
        text = _scrub_cut(text, known)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _scrub_cut(text: str, known: tuple[str, ...]) -> str:
    """A secret quoted cut short (its start, then ``…``, as a reason quotes a long value) is replaced too."""
    for secret in known:
        head = secret[:_CUT_HEAD]
        if len(secret) <= _CUT_HEAD or head not in text:
            continue
        cut = text.find(_CUT)
        while cut != -1:
            start = text.rfind(head, 0, cut)
            if start != -1 and secret.startswith(text[start:cut]):
                text = text[:start] + REDACTED + text[cut:]
                cut = start + len(REDACTED)
            cut = text.find(_CUT, cut + 1)
    return text


def _variants(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret of 4 characters or more and its escaped forms, longest first (so none is left half-replaced)."""
    found: set[str] = set()
    for secret in secrets:
        found |= _forms(secret)
    return tuple(sorted(found, key=len, reverse=True))


@functools.lru_cache(maxsize=1 << 16)
def _forms(secret: str) -> frozenset[str]:
    """One secret as it is and as JSON (once or twice quoted) or a URL would escape it; none when short."""
    if len(secret) < 4 or secret == REDACTED:
        return frozenset()
    escaped = json.dumps(secret)[1:-1]
    return frozenset(
        {
            secret,
            escaped,
            escaped.replace("/", "\\/"),
            urllib.parse.quote(secret, safe=""),
            json.dumps(secret, ensure_ascii=False)[1:-1],
            json.dumps(json.dumps(secret, ensure_ascii=False)[1:-1], ensure_ascii=False)[1:-1],  # quoted twice
        }
    )


def _scrub_headers(headers: Mapping[str, str], known: tuple[str, ...]) -> dict[str, str]:
    return {_scrub(name, known): _scrub(value, known) for name, value in redact(headers).items()}


_PARSE_LIMIT = 1 << 20


def _hide_sensitive(body: bytes, api: str, operation: str, direction: registry.Direction) -> bytes:
    """A JSON body with the values under sensitive shapes replaced; any other body as it is.

    A body past ``_PARSE_LIMIT`` is not parsed for this (evidence keeps its first kilobytes, and
    the values this run sent are scrubbed from them anyway): a hostile target's 16 MB answers must
    not cost a parse each.
    """
    try:
        if not body.strip() or len(body) > _PARSE_LIMIT or not sensitive.root(api, operation, direction).holds:
            return body
        parsed = json.loads(body)
        shown = sensitive.redact(parsed, api, operation, direction)
    except (ValueError, RecursionError, JobrunContractsError):  # not JSON, or an operation we do not know
        return body
    return body if shown is parsed else json.dumps(shown, ensure_ascii=False).encode()


def _cut(body: bytes, known: tuple[str, ...]) -> tuple[bytes, int]:
    """The start of a body, scrubbed, and how many bytes were cut. Scrubbed past the cut, so that a
    secret straddling it is replaced whole rather than left half-shown."""
    margin = max((len(s) for s in known), default=0) + 64
    window = body[: _BODY_LIMIT + margin].decode("utf-8", "replace")
    kept = _scrub(window, known)[:_BODY_LIMIT].encode()
    return kept, max(0, len(body) - _BODY_LIMIT)


def run(
    target: Target,
    clauses: Sequence[Clause],
    settings: Settings = Settings(),  # noqa: B008 (frozen; ruff cannot see that across modules)
    progress: Callable[[ClauseResult], None] | None = None,
) -> Report:
    """Every clause in turn; stops early when the target answers nothing (``dead_after`` clauses in a row) or on
    Ctrl-C, with :attr:`Report.stopped` saying why and the results known so far."""
    started = time.perf_counter()
    results: list[ClauseResult] = []
    requests = 0
    health = Health(settings.dead_after)
    run_end = None if settings.run_timeout is None else time.monotonic() + settings.run_timeout
    stopped, interrupted = None, False
    try:
        for clause in clauses:
            if run_end is not None and time.monotonic() > run_end:
                result = ClauseResult(
                    clause, "failed", f"not run: the run's time limit ({settings.run_timeout:g} s) was reached"
                )
            else:
                runner = ClauseRun(clause, target, settings, run_end=run_end)
                result = runner.run()
                requests += runner.requests
                stopped = health.after(runner)
            results.append(result)
            if progress is not None:
                progress(result)
            if stopped:
                break
    except KeyboardInterrupt:
        stopped, interrupted = "interrupted", True
    stopped = scrub(stopped, target.secrets()) if stopped else None
    report = Report(target.name, results, time.perf_counter() - started, requests, stopped, interrupted=interrupted)
    report.not_run = len(clauses) - len(results)
    return report


class Health:
    """Whether a target still answers: ``dead_after`` clauses in a row that got no answer at all mean it is down."""

    def __init__(self, dead_after: int) -> None:
        self.dead_after, self.streak = dead_after, 0

    def after(self, runner: ClauseRun) -> str | None:
        """Why the run should stop after this clause, or None."""
        if runner.answered:
            self.streak = 0
        if runner.answered or runner.unanswered is None:  # a skipped clause says nothing either way
            return None
        self.streak += 1
        if self.dead_after and self.streak >= self.dead_after:
            return f"{runner.target.name} is not answering ({self.streak} clauses in a row): {runner.unanswered}"
        return None


class ClauseRun:
    """One clause against one target: its steps in order, in a scope of their results."""

    def __init__(self, clause: Clause, target: Target, settings: Settings, *, run_end: float | None = None) -> None:
        self.clause, self.target, self.settings = clause, target, settings
        self.api = clause.api
        self.exchanges: list[Exchange] = []  # the last few, as evidence (see Exchange.kept)
        self.requests = 0
        self.answered = False  # the target answered at least one request of this clause
        self.unanswered: NoAnswer | None = None  # why a request (or the preparation) got no answer at all
        self.observed: list[list[str]] = []  # the states each ``observe`` step saw, poll by poll
        self._sensitive: dict[str, None] = {}  # values the clause's messages carried under sensitive shapes
        self._known_cache: tuple[str, ...] = ()
        self._known_for = -1  # how many secrets _known_cache was worked out for
        self._deadline = 0.0
        self._run_end = run_end  # monotonic end of the whole run, if it has one

    def run(self) -> ClauseResult:
        began = time.perf_counter()
        outcome, reason = self._outcome()
        kept = self.exchanges[-_KEPT_EXCHANGES:]  # already scrubbed and cut, as each was taken
        reason = scrub(reason, self.secrets())
        states = [[_kept_state(s, self._known()) for s in path[:_KEPT_STATES]] for path in self.observed if path]
        result = ClauseResult(self.clause, outcome, reason, kept, time.perf_counter() - began, states)
        result.unanswered = self.unanswered is not None and not self.answered
        return result

    def secrets(self) -> list[str]:
        """What no output may show: the target's secrets, and the sensitive values this clause sent or received."""
        return [*self.target.secrets(), *self._sensitive]

    def _known(self) -> tuple[str, ...]:
        """:meth:`secrets` with their escaped forms, worked out again only when a new value was noted
        (each exchange of a long fuzz clause would otherwise redo them all)."""
        secrets = self.secrets()
        if self._known_for != len(secrets):
            self._known_cache, self._known_for = _variants(secrets), len(secrets)
        return self._known_cache

    def _note_sensitive(self, operation: str, direction: registry.Direction, instance: Any) -> None:
        try:
            found = sensitive.sensitive_values(instance, self.api, operation, direction)
        except JobrunContractsError:  # an operation the catalogue does not know: nothing is marked in it
            return
        self._sensitive.update(dict.fromkeys(found))

    def _outcome(self) -> tuple[Outcome, str]:
        self._deadline = time.monotonic() + self.settings.clause_timeout + self._may_wait()
        if self._run_end is not None:
            self._deadline = min(self._deadline, self._run_end)
        try:
            reason = self._why_skip()
            if reason:
                raise _Skipped(reason)
            scope = Scope(
                {
                    "container": self.target.container(self.api, timeout=self._timeout()),
                    "token": uuid.uuid4().hex,
                    "api": self.api,
                }
            )
            for index, step in enumerate(self.clause.steps):
                self._step(step, index, scope)
        except _Skipped as skipped:
            return "skipped", str(skipped)
        except _Failed as failed:
            return "failed", str(failed)
        except TargetError as error:
            if isinstance(error, NoAnswer):
                self.unanswered = error
            return "failed", str(error)
        except (KeyError, JobrunContractsError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            return "failed", f"the clause itself is broken: {message}"
        except Exception as error:  # whatever a target sent must fail one clause, never end the run
            return "failed", f"internal error while checking: {type(error).__name__}: {error}"
        return "passed", ""

    def _may_wait(self) -> float:
        """Real seconds this clause's ``eventually`` steps may spend waiting, on a target whose clock cannot
        be advanced: the clause's time limit grows by them, so that ``--wait 1h`` is not cut short by
        ``--clause-timeout``. A step that allows more than ``--wait`` is skipped, so it adds nothing; a
        repeated one adds its window each time."""
        if "time" in self.target.capabilities:
            return 0.0
        total = 0.0
        for step in self.clause.steps:
            within = float(step.get("eventually", {}).get("within", 0))
            if within <= self.settings.poll_limit:
                total += within * int(step.get("repeat", 1))
        return total

    def _timeout(self) -> float:
        """Seconds the next request may take: ``--timeout``, less when the clause (or the run) is nearly out of time."""
        return min(self.settings.timeout, max(0.1, self._deadline - time.monotonic()))

    def _out_of_time(self) -> str:
        if self._run_end is not None and self._deadline >= self._run_end:
            return f"the run's time limit ({self.settings.run_timeout:g} s) was reached"
        return f"the clause took longer than {self.settings.clause_timeout:g} s"

    def _why_skip(self) -> str | None:
        reason = skip_reason(self.clause, self.target)
        if reason:
            return reason
        try:
            self.target.container(self.api, timeout=self._timeout())
        except Unsupported as error:
            return str(error)
        except TargetError as error:  # unreachable or broken: that fails the clause, it does not excuse it
            if isinstance(error, NoAnswer):
                self.unanswered = error
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
        instance = _shifted(instance, step.get("shift", {}), name)
        expect = step.get("expect", {})
        poll = step.get("eventually")
        observed_states: list[str] = []
        if "observe" in step:
            self.observed.append(observed_states)  # kept as it grows: a step that fails still shows its path
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
            if not failures or poll is None or seen.schema_problem:  # a malformed answer is never "not yet"
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
        base = _shifted(base, step.get("shift", {}), name)
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
            failures = check(invalid_expectation(self.api, expected, operation), seen, scope, self.api)
            if failures:
                what = f"{expected['keyword']} at {expected['pointer']}"
                raise _Failed(
                    f"{name}: a request breaking {what} was not refused as it should be: " + "; ".join(failures)
                )

    # -- one request -----------------------------------------------------------------------------

    def _exchange(self, step: str, operation_name: str, instance: Mapping[str, Any]) -> Observed:
        if time.monotonic() > self._deadline:
            raise _Failed(self._out_of_time())
        operation = registry.operation(self.api, operation_name)
        self._note_sensitive(operation_name, "request", instance)
        request = codec.encode(operation, instance, self.target.host)
        exchange = Exchange(step, operation_name, request)
        self.exchanges.append(exchange)
        self.requests += 1
        timeout = self._timeout()
        try:
            exchange.request = self.target.outgoing(
                self.api, operation_name, request
            )  # the evidence shows what was sent
            try:
                response = self.target.deliver(exchange.request, timeout=timeout)
            except TargetError as error:
                exchange.problem = str(error)
                raise
            self.answered = True
            exchange.response = response
            seen = self._observe(exchange, operation_name, response)
            self.target.record(self.api, operation_name, instance, seen.status, seen.body)  # for the cleanup
            return seen
        finally:  # keep it small and safe now, not when the run ends: memory stays flat whatever the bodies
            self.exchanges[-1] = exchange.kept((), self.api, known=self._known())
            del self.exchanges[:-_KEPT_EXCHANGES]

    def _observe(self, exchange: Exchange, operation: str, response: HttpResponse) -> Observed:
        body: Any = None
        size, limit = len(response.body), self.settings.max_body
        if size > limit:
            exchange.problem = (
                f"{exchange.step}: status {response.status} with a body of {size} bytes, more than the {limit} "
                "bytes a response is judged by"
            )
            raise _Failed(exchange.problem)
        if response.body.strip():
            try:
                body = json.loads(response.body)
            except (ValueError, RecursionError):
                kind = response.headers.get("content-type", "no content type")
                problem = f"{exchange.step}: status {response.status} with a body that is not JSON ({kind}): "
                exchange.problem = problem + repr(response.body[:80])
                raise _Failed(exchange.problem) from None
            if _more_values_than(body, self.settings.max_values):
                exchange.problem = (
                    f"{exchange.step}: status {response.status} with a body of more than "
                    f"{self.settings.max_values} JSON values, more than a response is judged by"
                )
                raise _Failed(exchange.problem)
        code, message = error_of(self.api, response, body)
        seen = Observed(response.status, body, code, message)
        if 200 <= response.status < 300:
            if not isinstance(body, dict):
                raise _Failed(f"{exchange.step}: status {response.status} without a JSON object body")
            self._note_sensitive(operation, "response", body)
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
                f"{self.target.name} cannot advance time and the contract allows up to {within:g} s, more than "
                f"--wait ({self.settings.poll_limit:g} s): give --wait {within:g} to check it"
            )
        left = self._deadline - time.monotonic()
        if left < seconds:  # the wait would outlast the clause (or the run)
            time.sleep(max(0.0, left))
            raise _Failed(self._out_of_time())
        time.sleep(seconds)

    def _seed(self, step: str, repetition: int) -> int:
        return request_seed(self.settings.seed, self.clause, step, repetition)


_CAPABILITY_NAMES = {"time": "advancing time", "fail": "making a run fail"}


def skip_reason(clause: Clause, target: Target) -> str | None:
    """Why a clause is skipped on this target before anything is sent (the clause says so, the target does
    not serve its API, or lacks a capability it needs); preparing the container can add a reason."""
    if clause.skip:
        return clause.skip
    unsupported = target.unsupported(clause.api)
    if unsupported:
        return unsupported
    missing = sorted(clause.needs - target.capabilities)
    if missing:
        return f"{target.name} does not support {', '.join(_CAPABILITY_NAMES.get(m, m) for m in missing)}"
    return None


def request_seed(seed: int, clause: Clause, step: str, repetition: int) -> int:
    """The seed a step's generated request is drawn with: stable across processes (unlike ``hash``), so
    xdist workers, reruns and ``--dry-run`` draw the same requests."""
    return zlib.crc32(f"{seed}:{clause.node_id}:{step}:{repetition}".encode())


def _shifted(instance: dict[str, Any], shift: Mapping[str, Any], step: str) -> dict[str, Any]:
    """A step's ``shift``: each named timestamp member moved by so many seconds (a listing's window around
    the times a target gave its own runs, so that an inclusive or exclusive bound makes no difference)."""
    for member, seconds in shift.items():
        at = timestamp_seconds(instance.get(member))
        if at is None:
            raise _Failed(f"{step}: shift {member}: {instance.get(member)!r} is not a timestamp")
        instance[member] = at + float(seconds)
    return instance


def build_request(
    api: str,
    operation_name: str,
    spec: Mapping[str, Any],
    scope: Scope,
    seed: int,
    new_token: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> dict[str, Any]:
    """A step's request: its base (fixture, generated, or literal), overrides applied, container and token set
    (a fresh one from ``new_token``)."""
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
    located = any(f.name == container_field for f in operation.fields)  # EMR on EKS job templates: account-level
    if replace_container and container_field not in overrides and located:
        instance[container_field] = scope.values["container"]
    token_field = operation.idempotency_token
    if token_field is not None and replace_token and token_field.name not in overrides | {protected: None}:
        instance[token_field.name] = new_token()
    instance.update(overrides)
    return dict(instance)


def _kept_state(state: str, known: tuple[str, ...]) -> str:
    """An observed state as a report shows it: a target's word, so scrubbed, and cut short."""
    state = _scrub(state, known)
    return state if len(state) <= _STATE_LIMIT else state[: _STATE_LIMIT - 1] + _CUT


def _more_values_than(document: Any, limit: int) -> bool:
    """Whether a parsed JSON document holds more than ``limit`` values; stops counting once it does."""
    count, pending = 0, [document]
    while pending:
        value = pending.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(value, dict):
            pending += value.values()
        elif isinstance(value, list):
            pending += value
    return False


def _text(body: bytes, omitted: int = 0, limit: int = _BODY_LIMIT) -> str:
    text = body[: limit * 4].decode("utf-8", "replace")
    if len(text) > limit:
        omitted += len(body) - len(text[:limit].encode())
        text = text[:limit]
    return text + (f"... ({omitted} more bytes)" if omitted else "")
