"""What a conformance run would send, worked out without sending anything (``conform --dry-run``).

So that a person can read what a run would do to a real account before it bills: each clause's
steps are built as the runner builds them (the same fixtures and overrides, and the same seeded
draws, so a generated or fuzzed request is the one the run would send for this ``--seed``),
encoded as the SDKs send them, and shown as evidence is: sensitive values replaced, nothing
signed (a dry run needs no credentials). What only an answer can tell is a placeholder naming
where it comes from (``<start.response.jobRunId>``, ``<container>`` for a container the run
would create), and a fresh client token is ``<new client token>``. A polled step and a listing
show their first request, with a note; the cleanup's requests depend on the answers, so the plan
says what it would remove instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import registry
from ..wire import codec
from ..wire.messages import HttpRequest
from .clauses import Clause, Scope
from .options import Settings
from .runner import Exchange, build_request, request_seed, skip_reason
from .targets import DryTarget, Target, Unsupported, container_kind

_MARK = re.compile(r"qqjrc(\d+)qq")  # letters and digits only: a URL, a query and JSON carry it unchanged


@dataclass(frozen=True)
class PlannedStep:
    """One request a step would send (``method`` empty: a step that sends none, such as advancing the clock)."""

    step: str
    operation: str
    method: str = ""
    target: str = ""
    body: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {"step": self.step, "operation": self.operation}
        if self.method:
            data |= {"method": self.method, "target": self.target, "body": self.body}
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class PlannedClause:
    clause: Clause
    steps: list[PlannedStep] = field(default_factory=list)
    skipped: str | None = None  # why the run would skip it (and send nothing for it)

    @property
    def requests(self) -> int:
        return sum(1 for step in self.steps if step.method)


@dataclass
class Plan:
    """What ``conform`` would send to ``target``: the container preparations, then each clause's requests."""

    target: str
    clauses: list[PlannedClause]
    preparations: dict[str, PlannedStep]  # by API: the request that would create its container
    cleanup: str  # what the run would remove at the end

    @property
    def requests(self) -> int:
        return len(self.preparations) + sum(c.requests for c in self.clauses)


class _Marks:
    """Placeholders: each a token that travels through encoding unchanged, shown as its label."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def mark(self, label: str) -> str:
        self.labels.append(label)
        return f"qqjrc{len(self.labels) - 1}qq"

    def shown(self, text: str) -> str:
        return _MARK.sub(lambda m: f"<{self.labels[int(m.group(1))]}>", text)

    def label(self, value: Any) -> str | None:
        """The label of a value that is one placeholder, or None."""
        whole = _MARK.fullmatch(value) if isinstance(value, str) else None
        return self.labels[int(whole.group(1))] if whole else None


class _Placeholders(Scope):
    """A scope where whatever an earlier answer would fill in is a placeholder naming it."""

    def __init__(self, marks: _Marks, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.marks = marks

    def lookup(self, dotted: str) -> Any:
        if dotted.split(".")[0] in self.values:
            return super().lookup(dotted)
        return self.marks.mark(dotted)


def dry_run(target: Target, clauses: Sequence[Clause], settings: Settings = Settings()) -> Plan:  # noqa: B008
    """The requests a run of ``clauses`` against ``target`` would send, in order; nothing is sent.

    ``target`` is a :class:`DryTarget` (``open_target(spec, dry=True)``), which could not send if it tried.
    """
    if not isinstance(target, DryTarget):
        raise TypeError(f"dry_run needs a DryTarget (open_target(..., dry=True)), not {type(target).__name__}")
    marks = _Marks()
    preparations: dict[str, PlannedStep] = {}
    planned = []
    for clause in clauses:
        entry = PlannedClause(clause)
        entry.skipped = _why_skip(clause, target, marks, preparations)
        if entry.skipped is None:
            try:
                entry.steps = _steps(clause, target, settings, marks)
            except (KeyError, ValueError) as error:  # the runner fails such a clause as broken
                entry.skipped = f"the clause itself is broken: {error}"
        planned.append(entry)
    return Plan(target.name, planned, preparations, _cleanup_note(target, preparations, keep=settings.keep))


def _why_skip(clause: Clause, target: DryTarget, marks: _Marks, preparations: dict[str, PlannedStep]) -> str | None:
    """Why the run would skip the clause, as the runner words it; the first clause of an API that runs notes
    the request preparing its container."""
    reason = skip_reason(clause, target)
    if reason:
        return reason
    if clause.api not in preparations:
        try:
            request = target.preparation(clause.api, marks.mark("new client token"))
        except Unsupported as error:
            return str(error)
        if request is not None:
            note = f"creates the {container_kind(clause.api)} the clauses run in, once; its id is <container>"
            preparations[clause.api] = _shown(target, marks, "prepare", "Create", clause.api, request, note)
    return None


def _steps(clause: Clause, target: DryTarget, settings: Settings, marks: _Marks) -> list[PlannedStep]:
    api = clause.api
    container = target.given(api) or marks.mark("container")
    scope = _Placeholders(marks, {"container": container, "token": marks.mark("token"), "api": api})
    shown: list[PlannedStep] = []
    for index, step in enumerate(clause.steps):
        name = step.get("name", f"step{index + 1}")
        if "advance" in step:
            shown.append(PlannedStep(name, "advance", note=f"advances the emulated clock {step['advance']:g} s"))
        elif "fail" in step:
            shown.append(PlannedStep(name, "fail", note="makes the run fail (a control of the emulator)"))
        elif "fuzz_invalid" in step:
            shown += _fuzzed(clause, step, name, scope, target, settings, marks)
        else:
            operation = step.get("call") or step["paginate"]
            note = _note(step, target, settings)
            for repetition in range(int(step.get("repeat", 1))):
                seed = request_seed(settings.seed, clause, name, repetition)
                fresh = functools.partial(marks.mark, "new client token")
                instance = build_request(api, operation, step.get("request", {}), scope, seed, fresh)
                _shift(instance, step.get("shift", {}), marks)
                shown.append(_encoded(target, marks, name, api, operation, instance, note))
    return shown


def _fuzzed(
    clause: Clause,
    step: Mapping[str, Any],
    name: str,
    scope: Scope,
    target: DryTarget,
    settings: Settings,
    marks: _Marks,
) -> list[PlannedStep]:
    from .replay import invalid_examples

    operation = step["fuzz_invalid"]
    drawn = invalid_examples(clause.api, operation, int(step["count"]), settings.seed)
    if not drawn:
        return [PlannedStep(name, operation, note="sends nothing: no documented constraint can be broken on the wire")]
    shown = []
    for instance, expected in drawn:
        request = {**instance}
        for member, value in step.get("with", {}).items():
            if member != expected["pointer"].split("/")[1]:
                request[member] = scope.render(value)
        note = f"breaks {expected['keyword']} at {expected['pointer']}"
        shown.append(_encoded(target, marks, name, clause.api, operation, request, note))
    return shown


def _shift(instance: dict[str, Any], shift: Mapping[str, Any], marks: _Marks) -> None:
    """A step's ``shift``, on what may be a placeholder: the placeholder then says it is shifted."""
    from ..core.formats import timestamp_seconds

    for member, seconds in shift.items():
        label, value = marks.label(instance.get(member)), instance.get(member)
        if label is not None:
            instance[member] = marks.mark(f"{label} {float(seconds):+g} s")
        elif timestamp_seconds(value) is not None:
            instance[member] = timestamp_seconds(value) + float(seconds)  # type: ignore[operator]


def _note(step: Mapping[str, Any], target: DryTarget, settings: Settings) -> str:
    if "paginate" in step:
        return "then again with each nextToken the target answers, until there is none"
    poll = step.get("eventually")
    if poll is not None:
        every, within = float(poll.get("every", 5)), float(poll["within"])
        if "time" not in target.capabilities and within > settings.poll_limit:  # as the runner's _wait skips it
            return (
                f"sent once: unless its expectations hold at once, the run skips the clause here, since it allows "
                f"up to {within:g} s, more than --wait ({settings.poll_limit:g} s); give --wait {within:g} to check it"
            )
        return f"repeated every {every:g} s until its expectations hold, for up to {within:g} s"
    return ""


def _encoded(
    target: DryTarget,
    marks: _Marks,
    step: str,
    api: str,
    operation: str,
    instance: Mapping[str, Any],
    note: str,
) -> PlannedStep:
    try:
        encoded = codec.encode(registry.operation(api, operation), instance, target.host)
        request = target.outgoing(api, operation, encoded)
    except (ValueError, codec.BodyError) as error:  # e.g. a lone surrogate no UTF-8 body can carry
        return PlannedStep(step, operation, note=f"cannot be encoded: {error}")
    return _shown(target, marks, step, operation, api, request, note)


def _shown(
    target: DryTarget, marks: _Marks, step: str, operation: str, api: str, request: HttpRequest, note: str
) -> PlannedStep:
    """The request as evidence shows it (sensitive values and secrets replaced, the body cut), placeholders named."""
    kept = Exchange(step, operation, request).kept(target.secrets(), api if operation != "Create" else None)
    body = kept.request.body.decode("utf-8", "replace")
    if kept.omitted[0]:
        body += f"... ({kept.omitted[0]} more bytes)"
    return PlannedStep(step, operation, kept.request.method, marks.shown(kept.request.target), marks.shown(body), note)


def _cleanup_note(target: DryTarget, preparations: Mapping[str, PlannedStep], *, keep: bool) -> str:
    if target.disposable:
        return f"none: {target.name}'s server goes away with the run"
    if keep:
        return "none (--keep): what the run creates stays on the target, and the report lists each id"
    removed = ["cancels each run it started that has not ended (its state read first)"]
    if any(api == "aws-emr-containers" for api in target.apis):
        removed.append("deletes each EMR on EKS job template it created")
    if "aws-emr-serverless" in preparations:
        removed.append("stops and deletes the EMR Serverless application it created")
    if "aws-emr-containers" in preparations:
        removed.append("deletes the EMR on EKS virtual cluster it created")
    return "at the end, unless --keep: " + "; ".join(removed) + " (what it sends depends on the answers)"
