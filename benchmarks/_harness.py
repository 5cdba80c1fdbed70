"""What the benchmarks share: their options, timed passes, fresh processes, servers on a free port, reports.

    from _harness import ...  # benchmarks/ is on sys.path when a script runs

Only the standard library, here and at import time: generate.py runs its own file as a worker in a
throwaway virtualenv where nothing else is installed, and that worker imports this module too.

- options: ``parser`` (``--quick``, ``--output`` and, where a script asks, ``--repeats``, ``--seed``,
  ``--profile``) and ``emit`` (the report on stdout, and into ``--output``);
- timing: ``timed_passes`` (best and median of up to N passes, within a time budget, collector off),
  ``fresh_process`` (one command, launch to exit) and ``cold_start`` (medians over fresh runs of a
  command that prints a JSON object), ``medians``;
- servers: ``free_port`` on the loopback, ``running_server`` (launched, timed to its first answer,
  stopped on exit);
- reports: ``Report`` (Markdown blocks), ``table``, ``machine_info``, ``fmt_rate``, ``fmt_size``, and
  ``log`` for progress on stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# -- options ----------------------------------------------------------------------------------


def parser(
    doc: str | None,
    *,
    quick: str,
    repeats: str | None = None,
    seed: int | None = None,
    profile: str | None = None,
) -> argparse.ArgumentParser:
    """The options every benchmark takes, and those some take, for the script to add its own to.

    ``--quick`` (``quick`` is its help: what the tiny run does) and ``--output FILE`` always;
    ``--repeats N`` when ``repeats`` (its help) is given, default None (the script's own default);
    ``--seed`` when a default ``seed`` is given; ``--profile`` when ``profile`` (its help) is given.
    """
    found = argparse.ArgumentParser(description=doc.strip().splitlines()[0] if doc else None)
    found.add_argument("--quick", action="store_true", help=quick)
    found.add_argument("--output", type=Path, metavar="FILE", help="also write the Markdown report to FILE")
    if repeats is not None:
        found.add_argument("--repeats", type=_positive, metavar="N", help=repeats)
    if seed is not None:
        found.add_argument("--seed", type=int, default=seed, help=f"(default {seed})")
    if profile is not None:
        found.add_argument("--profile", action="store_true", help=profile)
    return found


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def emit(report: str, options: argparse.Namespace) -> None:
    """The report on stdout, and into ``--output`` when given."""
    print(report, flush=True)
    output: Path | None = getattr(options, "output", None)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report + "\n", encoding="utf-8")


def log(message: str) -> None:
    """Progress, on stderr (stdout is the report)."""
    print(message, file=sys.stderr, flush=True)


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Passes(Generic[T]):
    """The wall times of the passes made, and what the last one returned."""

    times: list[float]
    result: T

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def count(self) -> int:
        return len(self.times)


def timed_passes(one_pass: Callable[[], T], repeats: int, budget: float = math.inf) -> Passes[T]:
    """Time up to ``repeats`` calls of ``one_pass``, stopping once ``budget`` seconds are spent (always one).

    The garbage collector runs before each pass and is off during it. No warm-up: do that first.
    """
    times: list[float] = []
    result: Any = None
    while len(times) < repeats and (not times or sum(times) < budget):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = one_pass()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        times.append(elapsed)
    return Passes(times, result)


@dataclass
class Fresh:
    """One command run to exit in a fresh process: wall time from launch to exit, and its output."""

    wall: float
    returncode: int
    stdout: str
    stderr: str


def fresh_process(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    check: bool = False,
) -> Fresh:
    """Run ``argv`` (output captured) and time it from launch to exit; ``check`` raises on a non-zero exit."""
    started = time.perf_counter()
    out = subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=check)
    return Fresh(time.perf_counter() - started, out.returncode, out.stdout, out.stderr)


def python_code(code: str, *args: str) -> list[str]:
    """The command line that runs ``code`` in a fresh interpreter like this one."""
    return [sys.executable, "-c", code, *args]


def medians(samples: Sequence[dict[str, float]]) -> dict[str, float]:
    """The median of each key over samples that share their keys."""
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def cold_start(argv: Sequence[str], runs: int) -> dict[str, float]:
    """Run ``argv`` ``runs`` times in fresh processes; each prints one JSON object of figures on stdout.

    Returns the median of each figure, and of the process wall time as ``wall``.
    """
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        run = fresh_process(argv, check=True)
        samples.append({**json.loads(run.stdout), "wall": run.wall})
    return medians(samples)


# -- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(command: Sequence[str], probe_url: str, stop_timeout: float = 10) -> Iterator[float]:
    """Launch a server, wait until ``probe_url`` answers (any HTTP status), yield the seconds that took.

    The server is terminated on exit; one that exits before answering ends the benchmark.
    """
    began = time.perf_counter()
    process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(probe_url, timeout=1):
                    break
            except OSError as error:
                if getattr(error, "code", None):  # an HTTP error status: it is up and answering
                    break
                if process.poll() is not None:
                    raise SystemExit(f"server exited early: {' '.join(command)}") from None
                time.sleep(0.01)
        yield time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=stop_timeout)


# -- reports ----------------------------------------------------------------------------------


def machine_info(distributions: Sequence[str], label: str = "Libraries") -> list[tuple[str, str]]:
    """Rows for the machine table: CPU, OS, Python, and the versions of ``distributions``."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for dist in distributions:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return [
        ("CPU", f"{cpu}; nproc {usable}"),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        (label, ", ".join(versions)),
    ]


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A Markdown table; ``align`` has one letter per column, ``r`` for right-aligned (default left)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


class Report:
    """A Markdown report, block by block (a heading, a paragraph, a table, a list); one blank line between."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def add(self, *blocks: str) -> Report:
        self.blocks.extend(blocks)
        return self

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> Report:
        return self.add(table(header, rows, align))

    def machine(
        self, distributions: Sequence[str], label: str = "Libraries", extra: Iterable[tuple[str, str]] = ()
    ) -> Report:
        """The table of the machine the benchmark ran on, with ``extra`` rows after it."""
        return self.table(["", ""], [*machine_info(distributions, label), *extra])

    def bullets(self, items: Iterable[str]) -> Report:
        found = [f"- {item}" for item in items]
        return self.add("\n".join(found)) if found else self

    def render(self) -> str:
        return "\n\n".join(self.blocks)


def fmt_rate(rate: float, decimals_below: float = 0.0) -> str:
    """A rate with thousands separators; one decimal below ``decimals_below``."""
    return f"{rate:,.1f}" if rate < decimals_below else f"{rate:,.0f}"


def fmt_size(nbytes: float) -> str:
    if nbytes != nbytes:  # nan
        return "–"
    return f"{nbytes / 1000:.1f} KB" if nbytes >= 1000 else f"{nbytes:.0f} B"
