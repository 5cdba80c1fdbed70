"""Job runs as timelines: a run's state at any moment is read off its planned events, so no thread moves it.

Planning a run's whole future at submission (and re-planning on cancel or an injected failure)
keeps every read consistent under concurrency and makes time a pure input: advance the clock and
the run has moved.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.lifecycle import LIFECYCLES, Lifecycle

#: What a stored run costs besides its request body, in bytes: the run, its events, its id and its
#: places in the indexes (measured on CPython 3.11 with tracemalloc: tests/emulator/test_scale.py).
RUN_OVERHEAD = 1024


@dataclass(frozen=True)
class Timings:
    """How long a run spends in each phase, in emulated seconds."""

    step: float = 5.0  # each state before running
    run: float = 60.0
    cancel: float = 5.0


@dataclass(frozen=True, slots=True)
class Event:
    at: float
    state: str
    details: str


class Run:
    """One job run, stored once and compactly: its request as compact JSON bytes, decoded when read.

    The body's keys are sorted, so two requests are the same input exactly when their bodies are
    equal (the idempotency check compares them; nothing else keeps a copy).
    """

    __slots__ = ("api", "body", "container", "events", "gone", "run_id", "seq", "submitted_at", "token_key")

    def __init__(
        self,
        api: str,
        container: str,  # application, virtual cluster or workspace id
        run_id: str,
        seq: int,  # creation order, the listing cursor
        request: Mapping[str, Any] | bytes,  # the validated input, as submitted (or already encoded)
        submitted_at: float,
        events: list[Event] | None = None,
    ) -> None:
        self.api, self.container, self.run_id, self.seq = api, container, run_id, seq
        self.body = request if isinstance(request, bytes) else encode_request(request)
        self.submitted_at = submitted_at
        self.events: list[Event] = events if events is not None else []
        self.token_key: tuple[str, str, str] | None = None  # its idempotency token's key in the state
        self.gone = False  # evicted: no longer stored

    @property
    def request(self) -> dict[str, Any]:
        """The validated input, decoded afresh (a new dict each time: changing it changes nothing)."""
        decoded: dict[str, Any] = json.loads(self.body.decode("utf-8", "surrogatepass"))
        return decoded

    @property
    def size(self) -> int:
        """What this run counts against the emulator's byte bound."""
        return len(self.body) + RUN_OVERHEAD

    def ended(self) -> float:
        """When the run reaches (or reached) its terminal state, its last planned event; never (infinity)
        for a run planned to keep running (a streaming one), whose last event is not terminal."""
        last = self.events[-1]
        return last.at if last.state in LIFECYCLES[self.api].terminal else math.inf

    def event_at(self, now: float) -> Event:
        current = self.events[0]
        for event in self.events:
            if event.at > now:
                break
            current = event
        return current

    def started_at(self, lifecycle: Lifecycle, now: float) -> float | None:
        return next((e.at for e in self.events if e.state == lifecycle.running and e.at <= now), None)

    def ended_at(self, lifecycle: Lifecycle, now: float) -> float | None:
        event = self.event_at(now)
        return event.at if event.state in lifecycle.terminal else None


def encode_request(request: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys; lone surrogates (valid JSON escapes) survive the round trip."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def plan(
    lifecycle: Lifecycle,
    submitted_at: float,
    timings: Timings,
    *,
    fail: bool,
    timeout: float | None,
    endless: bool = False,
) -> list[Event]:
    """The events of a fresh run: walk the progression, run, then succeed, fail or be cancelled at its
    timeout; an ``endless`` one (a streaming job) keeps running unless it fails or times out."""
    first = lifecycle.progression[0]
    submitted = Event(submitted_at, first, _DETAILS.get(first.lower(), f"Job run is {first.lower()}."))
    rest = admitted(lifecycle, submitted_at + timings.step, timings, fail=fail, timeout=timeout, endless=endless)
    return [submitted, *rest]


def admitted(
    lifecycle: Lifecycle, at: float, timings: Timings, *, fail: bool, timeout: float | None, endless: bool
) -> list[Event]:
    """A run's events from its second state on, entered at ``at``: at once for a fresh run, or when a
    queued run gets a slot (:mod:`.queueing`)."""
    events = []
    for index, state in enumerate(lifecycle.progression[1:]):
        if index:
            at += timings.step
        events.append(Event(at, state, _DETAILS.get(state.lower(), f"Job run is {state.lower()}.")))
    started = at
    if timeout is not None and (timeout < timings.run or (endless and not fail)):
        stop = started + timeout
        events.append(Event(stop, lifecycle.cancelling, "Job run exceeded its execution timeout; cancelling."))
        events.append(Event(stop + timings.cancel, lifecycle.cancelled, "Job run was cancelled: execution timeout."))
    elif fail:
        events.append(Event(started + timings.run, lifecycle.failure, "Job run failed."))
    elif not endless:
        events.append(Event(started + timings.run, lifecycle.success, "Job run completed successfully."))
    return events


def cancel(run: Run, lifecycle: Lifecycle, now: float, timings: Timings) -> None:
    """Cut the run's future and replace it with cancelling, then cancelled."""
    current = run.event_at(now)
    if current.state in lifecycle.terminal or current.state == lifecycle.cancelling:
        return
    run.events = [e for e in run.events if e.at <= now]
    run.events.append(Event(now, lifecycle.cancelling, "Job run is being cancelled by the user."))
    run.events.append(Event(now + timings.cancel, lifecycle.cancelled, "Job run was cancelled by the user."))


def fail_now(run: Run, lifecycle: Lifecycle, now: float, reason: str) -> bool:
    """An injected failure: the run fails at once, unless it has finished or is being cancelled."""
    if run.event_at(now).state in (*lifecycle.terminal, lifecycle.cancelling):  # cancelling may only end cancelled
        return False
    run.events = [e for e in run.events if e.at <= now]
    run.events.append(Event(now, lifecycle.failure, reason))
    return True


_DETAILS = {
    "submitted": "Job run has been submitted.",
    "queued": "Job run is queued: the application's concurrent job runs are all taken.",
    "pending": "Job run is pending.",
    "scheduled": "Job run is scheduled.",
    "running": "Job run is running.",
}
