"""EMR Serverless job concurrency and queuing: a run waits in QUEUED while its application's slots are taken.

What the service documents (rule ``queue-when-concurrency-is-full``, ``schemas/service-rules.json``):
an application of release 7.0.0 or later queues runs when it has a ``schedulerConfiguration``, and
from 7.3.0 it does so by default; ``maxConcurrentRuns`` defaults to 15 and ``queueTimeoutMinutes``
to 360; "Remaining jobs are queued until one of the running jobs terminates. If queue timeout is
reached earlier, your job times out" (User Guide, "Job concurrency and queuing"); QUEUED is listed
between SUBMITTED and PENDING, and CANCELLING covers a run that "has timed out" ("Job run states").

Our reading where the pages are silent: a run holds a slot from PENDING until it ends; the queue
is first in, first out; a run that times out in the queue is cancelled like one that exceeds its
execution timeout. Runs are timelines (:mod:`.runs`), so a queued run's future is planned too: its
slot is the earliest planned end among the runs ahead of it, and every change that can free a slot
sooner (a cancel, an injected failure) plans the queue again. Nothing is moved by a thread.
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.lifecycle import Lifecycle
from .runs import Event, Run, Timings, admitted

DEFAULT_MAX_CONCURRENT_RUNS = 15  # API reference, SchedulerConfiguration.maxConcurrentRuns
DEFAULT_QUEUE_TIMEOUT_MINUTES = 360  # SchedulerConfiguration.queueTimeoutMinutes
MAX_CONCURRENT_RUNS = (1, 1000)  # "The valid range is 1 to 1000."
QUEUE_TIMEOUT_MINUTES = (15, 720)  # "The valid range is from 15 to 720."
SUPPORTED_FROM = (7, 0, 0)  # "Supported with release labels emr-7.0.0 and above."
DEFAULT_FROM = (7, 3, 0)  # the guide's considerations (read on its Chinese page): on by default from 7.3.0

_RELEASE = re.compile(r"emr-(\d+)\.(\d+)\.(\d+)", re.ASCII)


@dataclass(frozen=True)
class Concurrency:
    """An application's scheduler configuration in force: how many runs at once, how long one may wait."""

    max_runs: int
    queue_timeout: float  # seconds


def release_of(application: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """An EMR Serverless application's release as numbers (``emr-7.3.0``: (7, 3, 0)); None for another label."""
    found = _RELEASE.fullmatch(str(application.get("releaseLabel", "")))
    return None if found is None else (int(found.group(1)), int(found.group(2)), int(found.group(3)))


def concurrency(application: Mapping[str, Any]) -> Concurrency | None:
    """The scheduler configuration an application runs with, or None where runs are never queued."""
    release = release_of(application)
    if release is None or release < SUPPORTED_FROM:
        return None
    configured = application.get("schedulerConfiguration")
    if not isinstance(configured, Mapping):
        if release < DEFAULT_FROM:
            return None
        configured = {}
    runs = configured.get("maxConcurrentRuns", DEFAULT_MAX_CONCURRENT_RUNS)
    minutes = configured.get("queueTimeoutMinutes", DEFAULT_QUEUE_TIMEOUT_MINUTES)
    return Concurrency(int(runs), 60.0 * minutes)


def configuration_problem(attributes: Mapping[str, Any]) -> str | None:
    """Why a CreateApplication's ``schedulerConfiguration`` cannot be taken (None: it can, or there is none).

    The ranges and the release floor are the API reference's; the wording is ours.
    """
    configured = attributes.get("schedulerConfiguration")
    if configured is None:
        return None
    if not isinstance(configured, Mapping):
        return "schedulerConfiguration must be an object"
    release = release_of(attributes)
    if release is not None and release < SUPPORTED_FROM:
        return (
            f"schedulerConfiguration is supported with release labels emr-7.0.0 and above, "
            f"not {attributes.get('releaseLabel')}"
        )
    ranges = (("maxConcurrentRuns", MAX_CONCURRENT_RUNS), ("queueTimeoutMinutes", QUEUE_TIMEOUT_MINUTES))
    for name, (low, high) in ranges:
        value = configured.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"schedulerConfiguration.{name} must be a whole number from {low} to {high}, not {value!r}"
    return None


@dataclass
class _Waiting:
    run: Run
    fail: bool
    timeout: float | None  # the execution timeout, counted from RUNNING
    endless: bool


class Queue:
    """One application's runs that hold (or held) a slot, and those still waiting for one, oldest first.

    A new run goes behind every other, so it changes no earlier run's future: it is planned alone,
    against the slots the last plan left (``_slots``), and a submission costs O(log maxConcurrentRuns)
    instead of a walk of the queue. Whatever can change an earlier run's future (a cancel, a failure,
    a live run evicted, other timings or a clock that went back) plans the whole queue again.
    """

    __slots__ = ("_basis", "_slots", "holding", "waiting")

    def __init__(self) -> None:
        self.holding: list[Run] = []
        self.waiting: deque[_Waiting] = deque()
        self._slots: list[float] | None = None  # heap: when each taken slot frees, as the last plan left them
        self._basis: tuple[float, Lifecycle, Timings, Concurrency] | None = None  # that plan's now and inputs

    def lost_live_run(self) -> None:
        """A run that held or awaited a slot was evicted: the next submission plans the whole queue again."""
        self._slots = None

    def submit(
        self,
        run: Run,
        now: float,
        lifecycle: Lifecycle,
        timings: Timings,
        limits: Concurrency,
        *,
        fail: bool,
        timeout: float | None,
        endless: bool,
    ) -> list[Run]:
        """Plan a new run behind the others; returns every run whose future changed (the new one included)."""
        first = lifecycle.progression[0]
        run.events = [Event(run.submitted_at, first, "Job run has been submitted.")]
        waiting = _Waiting(run, fail, timeout, endless)
        self.waiting.append(waiting)
        basis = self._basis
        if self._slots is None or basis is None or now < basis[0] or basis[1:] != (lifecycle, timings, limits):
            return self.replan(now, lifecycle, timings, limits)
        self._basis = (now, lifecycle, timings, limits)
        self._settle(now, lifecycle, limits)
        _plan(waiting, now, lifecycle, timings, limits, self._slots)
        return [run]

    def replan(self, now: float, lifecycle: Lifecycle, timings: Timings, limits: Concurrency) -> list[Run]:
        """Plan every waiting run again from ``now`` (what happened before ``now`` stays); returns the changed."""
        entered = lifecycle.progression[1]
        still: deque[_Waiting] = deque()
        for waiting in self.waiting:
            run = waiting.run
            if run.gone:
                continue
            if any(e.state == entered and e.at <= now for e in run.events):
                self.holding.append(run)  # it has its slot: its future is its own now
            elif run.event_at(now).state not in (*lifecycle.terminal, lifecycle.cancelling):
                still.append(waiting)
        self.waiting = still
        self.holding = [run for run in self.holding if not run.gone and run.ended() > now]
        busy = [run.ended() for run in self.holding]  # an evicted run frees its slot: it is forgotten
        heapq.heapify(busy)
        changed = [w.run for w in still if _plan(w, now, lifecycle, timings, limits, busy)]
        self._slots, self._basis = busy, (now, lifecycle, timings, limits)
        return changed

    def _settle(self, now: float, lifecycle: Lifecycle, limits: Concurrency) -> None:
        """Forget what no plan needs any more: the runs at the front that took their slot or left the line,
        and (now and then) the runs whose slot has freed. The slots themselves need nothing: one that
        freed before ``now`` is as free as an empty one to a run that starts at ``now`` or later."""
        entered, done = lifecycle.progression[1], (*lifecycle.terminal, lifecycle.cancelling)
        while self.waiting:
            run = self.waiting[0].run
            if not run.gone and any(e.state == entered and e.at <= now for e in run.events):
                self.holding.append(run)
            elif not run.gone and run.event_at(now).state not in done:
                break
            self.waiting.popleft()
        if len(self.holding) > 2 * limits.max_runs + 16:
            self.holding = [run for run in self.holding if not run.gone and run.ended() > now]


def _plan(
    waiting: _Waiting, now: float, lifecycle: Lifecycle, timings: Timings, limits: Concurrency, busy: list[float]
) -> bool:
    """Plan one waiting run from ``now`` behind the slots in ``busy`` (a heap, updated); whether its events changed."""
    run = waiting.run
    ready = run.submitted_at + timings.step  # when it would leave its first state
    start = max(ready, now)
    if len(busy) >= limits.max_runs:
        start = max(start, busy[0])
    history = [e for e in run.events if e.at <= now]
    future: list[Event] = []
    if start > ready and not any(e.state == lifecycle.queued for e in history) and lifecycle.queued:
        future.append(Event(max(ready, now), lifecycle.queued, _QUEUED))
    takes_slot = start - ready <= limits.queue_timeout
    if not takes_slot:
        stop = max(ready + limits.queue_timeout, now)
        future.append(Event(stop, lifecycle.cancelling, "Job run exceeded its queue timeout; cancelling."))
        future.append(Event(stop + timings.cancel, lifecycle.cancelled, _QUEUE_TIMED_OUT))
    else:
        if len(busy) >= limits.max_runs:
            heapq.heappop(busy)  # the slot it takes
        future += admitted(
            lifecycle, start, timings, fail=waiting.fail, timeout=waiting.timeout, endless=waiting.endless
        )
    events = history + future
    changed = events != run.events
    if changed:
        run.events = events
    if takes_slot:
        heapq.heappush(busy, run.ended())  # the slot frees when the run ends: never, for one that keeps running
    return changed


_QUEUE_TIMED_OUT = "Job run was cancelled: queue timeout."
_QUEUED = "Job run is queued: the application's concurrent job runs are all taken."
