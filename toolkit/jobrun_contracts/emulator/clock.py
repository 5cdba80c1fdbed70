"""The emulated clock: time moves only when told (or with the wall clock, when asked to), so tests never sleep."""

from __future__ import annotations

import math
import threading
import time

MAX_STEP = 10 * 366 * 86400.0  # ten years: far enough for any run, near enough to stay a valid timestamp


class Clock:
    """Seconds since the epoch, as a float.

    ``follow_wall_clock=True`` lets a person watching the command-line emulator see runs finish;
    tests keep it False and move time with ``advance``.
    """

    def __init__(self, start: float | None = None, *, follow_wall_clock: bool = False) -> None:
        self._lock = threading.Lock()
        self._start = float(int(time.time())) if start is None else float(start)
        self._offset = 0.0
        self._follow = follow_wall_clock
        self._origin = time.monotonic()

    def now(self) -> float:
        with self._lock:
            wall = time.monotonic() - self._origin if self._follow else 0.0
            return self._start + self._offset + wall

    def advance(self, seconds: float) -> float:
        if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_STEP:
            raise ValueError(f"the clock moves forward by 0 to {MAX_STEP:g} seconds at a time, not {seconds!r}")
        with self._lock:
            self._offset += seconds
        return self.now()

    @property
    def follows_wall_clock(self) -> bool:
        return self._follow
