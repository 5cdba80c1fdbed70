"""Everything the emulator keeps between requests, and the one lock that guards it.

Request threads, the control routes and the Python control methods all read and write it under
``lock`` (re-entrant, so a handler may call a helper that takes it again).

Runs are kept within a bound (:attr:`State.max_runs` runs and :attr:`State.max_bytes` bytes, each
run counting its request body plus :data:`~.runs.RUN_OVERHEAD`). Storing a run past the bound
evicts others: runs that have ended, the one that ended longest ago first, and only when none has
ended, the oldest live run. The run just stored is never evicted. Nothing here walks every run:
storing, finding and evicting a run take O(log n) Python steps (an eviction also closes the gap
in its container's list, a memmove in C), and a listing finds its place in O(log n).
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left, bisect_right
from typing import Any

from ..errors import UsageError
from .queueing import Queue
from .runs import Run
from .templates import TemplateStore

DEFAULT_MAX_RUNS = 100_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def _seq(run: Run) -> int:
    return run.seq


def _submitted(run: Run) -> float:
    return run.submitted_at


class ContainerRuns:
    """One container's runs in creation order (listings read it backwards, newest first)."""

    __slots__ = ("in_time_order", "runs")

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.in_time_order = True  # submission times never decrease along the list (a clock that went back: False)

    def add(self, run: Run) -> None:
        if self.runs and run.submitted_at < self.runs[-1].submitted_at:
            self.in_time_order = False
        self.runs.append(run)

    def remove(self, run: Run) -> None:
        at = bisect_left(self.runs, run.seq, key=_seq)
        if at < len(self.runs) and self.runs[at] is run:
            del self.runs[at]

    def before(self, cursor: int) -> int:
        """How many runs came before ``cursor`` (a seq): the listing reads ``runs[:before(cursor)]``."""
        return bisect_left(self.runs, cursor, key=_seq)

    def window(self, low: float | None, high: float | None) -> tuple[int, int]:
        """The slice of runs submitted within [low, high] (seconds; None: unbounded), or all of them."""
        if not self.in_time_order:
            return 0, len(self.runs)
        lo = 0 if low is None else bisect_left(self.runs, low, key=_submitted)
        hi = len(self.runs) if high is None else bisect_right(self.runs, high, key=_submitted)
        return lo, max(lo, hi)


def check_limit(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UsageError(f"{name} must be a whole number of at least 1, not {value!r}")
    return value


class State:
    """Containers, runs (by API and id, and per container in creation order), idempotency tokens, failures,
    and EMR on EKS job templates."""

    def __init__(self, max_runs: int = DEFAULT_MAX_RUNS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.lock = threading.RLock()
        self.max_runs = check_limit(max_runs, "max_runs")
        self.max_bytes = check_limit(max_bytes, "max_bytes")
        self.clear()

    def clear(self) -> None:
        """Forget every container and run (the bound stays)."""
        with self.lock:
            self.containers: dict[str, dict[str, dict[str, Any]]] = {}
            self.runs: dict[str, dict[str, Run]] = {}  # api -> run id -> run
            self.by_container: dict[tuple[str, str], ContainerRuns] = {}
            self.tokens: dict[tuple[str, str, str], Run] = {}  # (api, container, client token) -> its run
            self.fail_new_runs: dict[str, bool] = {}
            self.templates = TemplateStore()  # EMR on EKS job templates: account-level, not per container
            self.seq = 0
            self.kept_runs = 0
            self.kept_bytes = 0
            self.evicted = 0  # runs evicted since the last clear
            self._ends: list[tuple[float, int, Run]] = []  # heap: when each run ends (stale entries skipped)
            self.queues: dict[tuple[str, str], Queue] = {}  # EMR Serverless applications that queue runs

    def add_container(self, api: str, container_id: str, record: dict[str, Any]) -> None:
        with self.lock:
            self.containers.setdefault(api, {})[container_id] = record
            self.by_container.setdefault((api, container_id), ContainerRuns())

    def queue(self, api: str, container_id: str) -> Queue:
        """The container's job queue (made on first use)."""
        with self.lock:
            return self.queues.setdefault((api, container_id), Queue())

    def get_run(self, api: str, run_id: str) -> Run | None:
        with self.lock:
            return self.runs.get(api, {}).get(run_id)

    def find_run(self, run_id: str) -> Run | None:
        """A run by its id alone, whatever its API (the control routes name runs so)."""
        with self.lock:
            return next((found for runs in self.runs.values() if (found := runs.get(run_id)) is not None), None)

    def add_run(self, run: Run, token_key: tuple[str, str, str] | None, now: float) -> int:
        """Store a new run (and its client token), then evict what the bound asks; returns how many went."""
        with self.lock:
            self.runs.setdefault(run.api, {})[run.run_id] = run
            self.by_container.setdefault((run.api, run.container), ContainerRuns()).add(run)
            if token_key is not None:
                run.token_key = token_key
                self.tokens[token_key] = run
            self.kept_runs += 1
            self.kept_bytes += run.size
            heapq.heappush(self._ends, (run.ended(), run.seq, run))
            return self.make_room(now, keep=run)

    def replanned(self, run: Run) -> None:
        """A run's future changed (cancelled, failed): it ends at another time now."""
        with self.lock:
            if not run.gone:
                heapq.heappush(self._ends, (run.ended(), run.seq, run))

    def set_limits(self, now: float, max_runs: int | None = None, max_bytes: int | None = None) -> int:
        """Change the bound (None: keep that part) and evict at once what it asks; returns how many went."""
        with self.lock:
            runs = self.max_runs if max_runs is None else check_limit(max_runs, "max_runs")
            size = self.max_bytes if max_bytes is None else check_limit(max_bytes, "max_bytes")
            self.max_runs, self.max_bytes = runs, size
            return self.make_room(now)

    def make_room(self, now: float, keep: Run | None = None) -> int:
        with self.lock:
            evicted = 0
            while self.kept_runs > self.max_runs or self.kept_bytes > self.max_bytes:
                victim = self._longest_ended(now, keep)
                if victim is None:
                    victim = self._oldest(keep)
                    queue = None if victim is None else self.queues.get((victim.api, victim.container))
                    if queue is not None:  # a live run: the slot it holds or waits for frees
                        queue.lost_live_run()
                if victim is None:
                    break
                self._evict(victim)
                evicted += 1
            if len(self._ends) > 2 * self.kept_runs + 1024:  # stale entries (replanned, evicted live): drop them
                self._ends = [e for e in self._ends if not e[2].gone and e[2].ended() == e[0]]
                heapq.heapify(self._ends)
            return evicted

    def _longest_ended(self, now: float, keep: Run | None) -> Run | None:
        """The run that ended longest ago (ties: the older), taken off the heap; None if none has ended."""
        while self._ends and self._ends[0][0] <= now:
            end, _, run = self._ends[0]
            if run.gone or run.ended() != end:
                heapq.heappop(self._ends)  # stale: evicted already, or replanned (a newer entry stands for it)
                continue
            if run is keep:  # the newest run, ended at once (zero timings); every other run ends later
                return None
            heapq.heappop(self._ends)
            return run
        return None

    def _oldest(self, keep: Run | None) -> Run | None:
        """The oldest run kept, whatever its state: O(containers), each keeps its runs in creation order."""
        firsts = [index.runs[0] for index in self.by_container.values() if index.runs]
        oldest = min(firsts, key=_seq, default=None)
        return None if oldest is None or oldest is keep else oldest

    def _evict(self, run: Run) -> None:
        run.gone = True
        del self.runs[run.api][run.run_id]
        self.by_container[(run.api, run.container)].remove(run)
        if run.token_key is not None and self.tokens.get(run.token_key) is run:
            del self.tokens[run.token_key]
        self.kept_runs -= 1
        self.kept_bytes -= run.size
        self.evicted += 1
        run.body = b"{}"  # a stale heap entry may hold the run a while: not its request
