"""Everything the emulator keeps between requests, and the one lock that guards it.

Request threads, the control routes and the Python control methods all read and write it under
``lock`` (re-entrant, so a handler may call a helper that takes it again).
"""

from __future__ import annotations

import threading
from typing import Any

from .runs import Run


class State:
    """Containers, runs (by id and per container in submission order), idempotency tokens, injected failures."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.containers: dict[str, dict[str, dict[str, Any]]] = {}
            self.runs: dict[tuple[str, str], Run] = {}
            self.by_container: dict[tuple[str, str], list[Run]] = {}
            self.tokens: dict[tuple[str, str, str], tuple[str, str]] = {}
            self.fail_new_runs: dict[str, bool] = {}
            self.seq = 0

    def add_container(self, api: str, container_id: str, record: dict[str, Any]) -> None:
        with self.lock:
            self.containers.setdefault(api, {})[container_id] = record
            self.by_container.setdefault((api, container_id), [])

    def find_run(self, run_id: str) -> Run | None:
        """A run by its id alone, whatever its API (the control routes name runs so)."""
        with self.lock:
            return next((r for (_, rid), r in self.runs.items() if rid == run_id), None)
