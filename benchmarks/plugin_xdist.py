"""Benchmark the pytest plugin's clauses run serially against ``-n 2`` (pytest-xdist), in one run.

    python benchmarks/plugin_xdist.py            # 5 pairs of runs, then 2 pairs without a bytecode cache
    python benchmarks/plugin_xdist.py --quick    # 1 pair, --jobrun-examples 1 (smoke test)
    python benchmarks/plugin_xdist.py --pytest-args "-p no:schemathesis"   # more arguments to every run

Each run is ``pytest --jobrun-target builtin -q`` in an empty temporary folder (no conftest, no ini
file), a fresh process, as a person types it: once serially, once with ``-n 2``; a pair's order
alternates, so that drift of the (shared) machine hits both. Measured for each run:

- wall time from launch to exit, and CPU (user + system) of pytest and every process it waited
  for (the xdist workers);
- a timeline from a probe plugin (``-p``) in every process, the controller and each worker: when
  pytest was configured, when the clauses were collected, when the first clause started and the
  last one ended; so the report says where a run's time goes;
- each clause's outcome and message (JUnit XML): every run must agree with the first serial run.

The main pairs run with Python's bytecode cache on (in a scratch ``PYTHONPYCACHEPREFIX``, warmed
by one untimed run), as an installed package runs. A full run adds pairs under
``PYTHONDONTWRITEBYTECODE=1``: pytest then keeps no assertion-rewritten copy of any installed
plugin's modules, so every process (the controller and each worker) parses and rewrites all of
them again.

Floor (issue: conform that a person can point at a real endpoint): with the bytecode cache, the
median ``-n 2`` wall time is at most the median serial wall time, on a 2-core machine. Exit status
1 when it is not met (a full run; a quick run reports it only) or when two runs' outcomes differ.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from _harness import Report, emit, log, parser  # benchmarks/ is on sys.path

PAIRS, QUICK_PAIRS, UNCACHED_PAIRS = 5, 1, 2
QUICK_EXAMPLES = 1  # --jobrun-examples in a quick run (the default run: the plugin's default, 10)
PROBE = "_jobrun_bench_probe"
TIMEOUT = 600.0

#: Runs ``argv`` to exit and prints its wall time, the CPU of it and of everything it waited for, and its output's tail.
_MEASURE = """
import json, os, resource, subprocess, sys, time
os.environ["JOBRUN_BENCH_T0"] = repr(time.time())
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
wall = time.perf_counter() - started
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime, "rc": done.returncode,
                  "tail": done.stdout.decode(errors="replace")[-3000:]}))
"""

#: The probe plugin, written into a scratch folder on PYTHONPATH: one JSON file per process.
_PROBE_SOURCE = '''"""Timeline probe of benchmarks/plugin_xdist.py, loaded with -p in every process of a run."""
import json, os, resource, time

import pytest

_T0 = float(os.environ["JOBRUN_BENCH_T0"])
_marks = {}
_items = []


def _now():
    return time.time() - _T0


def pytest_configure(config):
    _marks["configured"] = _now()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    _marks["spawned"] = _now()


def pytest_collection_finish(session):
    _marks["collected"] = _now()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = _now()
    try:
        return (yield)
    finally:
        _items.append((start, _now()))


def pytest_unconfigure(config):
    use = resource.getrusage(resource.RUSAGE_SELF)
    record = dict(_marks, worker=os.environ.get("PYTEST_XDIST_WORKER"), items=len(_items),
                  cpu=use.ru_utime + use.ru_stime)
    if _items:
        record.update(first=min(s for s, _ in _items), last=max(e for _, e in _items))
    with open(os.path.join(os.environ["JOBRUN_BENCH_PROBES"], f"{os.getpid()}.json"), "w") as out:
        json.dump(record, out)
'''


@dataclass
class Settings:
    pairs: int
    uncached_pairs: int  # pairs under PYTHONDONTWRITEBYTECODE=1
    examples: int | None  # --jobrun-examples; None: the plugin's default
    quick: bool
    extra: tuple[str, ...] = ()  # --pytest-args

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        found = cls(QUICK_PAIRS, 0, QUICK_EXAMPLES, True) if options.quick else cls(PAIRS, UNCACHED_PAIRS, None, False)
        found.pairs = options.repeats or found.pairs
        found.extra = tuple(shlex.split(options.pytest_args))
        return found

    def command(self, workers: bool) -> str:
        examples = f" --jobrun-examples {self.examples}" if self.examples is not None else ""
        extra = "".join(f" {shlex.quote(arg)}" for arg in self.extra)
        return f"pytest --jobrun-target builtin -q{examples}{extra}" + (" -n 2" if workers else "")


@dataclass
class Run:
    """One pytest run: its figures and, clause by clause, its outcomes."""

    wall: float
    cpu: float
    phases: dict[str, float]  # seconds from launch (marks) and durations, see _phases
    split: dict[str, float]  # CPU seconds of the controller and the workers (under -n 2)
    outcomes: dict[str, tuple[str, str]]
    items: list[int] = field(default_factory=list)  # clauses run by each worker


class Bench:
    """The scratch folders of one benchmark run and how to start pytest in them."""

    def __init__(self, root: Path, s: Settings) -> None:
        self.root, self.s = root, s
        self.project = root / "project"  # the empty folder pytest runs in
        self.project.mkdir()
        probe_dir = root / "probe"
        probe_dir.mkdir()
        (probe_dir / f"{PROBE}.py").write_text(_PROBE_SOURCE, encoding="utf-8")
        self.probes = root / "probes"
        self.count = 0
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        path = os.pathsep.join(p for p in (str(probe_dir), os.environ.get("PYTHONPATH", "")) if p)
        base.update(PYTHONPATH=path, JOBRUN_BENCH_PROBES=str(self.probes))
        self.cached = {**base, "PYTHONPYCACHEPREFIX": str(root / "pycache")}
        self.uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, workers: bool, *, cached: bool = True, extra: Sequence[str] = ()) -> Run:
        self.count += 1
        junit = self.root / f"run-{self.count}.xml"
        shutil.rmtree(self.probes, ignore_errors=True)
        self.probes.mkdir()
        argv = [sys.executable, "-m", "pytest", "-p", PROBE, "--jobrun-target", "builtin", "-q", f"--junitxml={junit}"]
        if self.s.examples is not None and "--jobrun-examples" not in extra:
            argv += ["--jobrun-examples", str(self.s.examples)]
        argv += [*self.s.extra, *(["-n", "2"] if workers else []), *extra]
        out = subprocess.run(
            [sys.executable, "-c", _MEASURE, *argv],
            capture_output=True,
            text=True,
            cwd=self.project,
            env=self.cached if cached else self.uncached,
            timeout=TIMEOUT,
            check=True,
        )
        found = json.loads(out.stdout)
        if found["rc"] not in (0, 1):  # 1: a clause failed, which the outcomes show; anything else: no run
            raise SystemExit(f"{' '.join(argv[2:])} exited {found['rc']}:\n{found['tail']}")
        records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.probes.glob("*.json"))]
        phases, split, items = _phases(records, found["wall"])
        return Run(found["wall"], found["cpu"], phases, split, _outcomes(junit), items)


def _phases(records: list[dict[str, Any]], wall: float) -> tuple[dict[str, float], dict[str, float], list[int]]:
    """Where a run's time went, from the probe's records (one per process)."""
    main = next(r for r in records if r["worker"] is None)
    workers = [r for r in records if r["worker"] is not None]
    if not workers:  # serial: one process did everything
        return (
            {
                "configured": main["configured"],
                "collected": main["collected"],
                "first": main["first"],
                "last": main["last"],
                "start-up": main["configured"],
                "collection": main["collected"] - main["configured"],
                "clauses": main["last"] - main["first"],
                "end": wall - main["last"],
            },
            {"controller": main["cpu"]},
            [],
        )
    configured = max(w["configured"] for w in workers)
    collected = max(w["collected"] for w in workers)
    busy = [w for w in workers if w["items"]]
    first, last = min(w["first"] for w in busy), max(w["last"] for w in busy)
    return (
        {
            "configured": main["configured"],
            "workers configured": configured,
            "collected": collected,
            "first": first,
            "last": last,
            "start-up": main["configured"],
            "worker start-up": configured - main.get("spawned", main["configured"]),
            "collection": max(w["collected"] - w["configured"] for w in workers),
            "scheduling": first - collected,
            "clauses": last - first,
            "end": wall - last,
        },
        {"controller": main["cpu"], "workers": sum(w["cpu"] for w in workers)},
        sorted((w["items"] for w in workers), reverse=True),
    )


def _outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """Each clause's outcome and message, by its id."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome, message = child.tag, child.get("message", "")
        found[f"{case.get('classname')}::{case.get('name')}"] = (outcome, message)
    return found


def pairs(bench: Bench, count: int, *, cached: bool) -> dict[bool, list[Run]]:
    """``count`` pairs of a serial and a ``-n 2`` run; the order alternates pair by pair."""
    runs: dict[bool, list[Run]] = {False: [], True: []}
    for index in range(count):
        for workers in (False, True) if index % 2 == 0 else (True, False):
            log(f"  pair {index + 1}/{count}: {'-n 2' if workers else 'serial'} ...")
            runs[workers].append(bench.run(workers, cached=cached))
    return runs


def phase(runs: list[Run], key: str) -> float:
    """The median of one phase over runs."""
    return statistics.median(run.phases[key] for run in runs)


def wall(runs: list[Run]) -> float:
    return statistics.median(run.wall for run in runs)


def cpu(runs: list[Run]) -> float:
    return statistics.median(run.cpu for run in runs)


def report(s: Settings, cached: dict[bool, list[Run]], uncached: dict[bool, list[Run]] | None) -> tuple[str, bool]:
    r = Report().add("## pytest plugin: serial against -n 2 (pytest-xdist)" + (" (quick run)" if s.quick else ""))
    r.machine(["jobrun-contracts", "pytest", "pytest-xdist", "hypothesis"], extra=[("pytest plugins", _plugins())])
    serial, xdist = cached[False], cached[True]
    r.add(
        f"`{s.command(False)}` and the same with `-n 2`, in an empty folder, each a fresh process; "
        f"{len(serial)} pair(s), the order alternating, bytecode cache on (warmed by one untimed run). "
        "Medians; CPU is pytest's and its workers'."
    )
    r.table(
        ["run", "wall s (median)", "wall s (best)", "CPU s (median)", "CPU: controller / workers"],
        [_row("serial", serial), _row("-n 2", xdist)],
        "lrrrr",
    )
    r.add("Where the time goes (seconds, medians; under `-n 2` the later worker of the two):")
    rows = [
        ("start-up: launch to pytest configured (under -n 2, the controller)", "start-up", "start-up"),
        ("worker start-up: xdist starting them to each configured", None, "worker start-up"),
        ("collection: the clauses built (each process builds all of them)", "collection", "collection"),
        ("scheduling: every worker collected to the first clause", None, "scheduling"),
        ("clauses: first starts to last ends", "clauses", "clauses"),
        ("end: last clause to exit", "end", "end"),
    ]
    r.table(
        ["phase", "serial", "-n 2"],
        [(label, f"{phase(serial, a):.2f}" if a else "–", f"{phase(xdist, b):.2f}") for label, a, b in rows],
        "lrr",
    )
    ratio = wall(xdist) / wall(serial)
    met = ratio <= 1.0
    verdict = "meets" if met else "DOES NOT meet"
    caveat = " (a quick run, with fewer generated requests; the floor is about the default run)" if s.quick else ""
    items = statistics.median(max(run.items) for run in xdist) if xdist[0].items else 0
    notes = [
        f"-n 2 / serial wall time: {ratio:.2f}x ({wall(xdist):.1f} s against {wall(serial):.1f} s): "
        f"{verdict} the floor (-n 2 no slower than serial){caveat}.",
        f"-n 2 / serial CPU: {cpu(xdist) / cpu(serial):.2f}x.",
        f"The busier worker ran {items:.0f} of {len(serial[0].outcomes)} clauses.",
    ]
    if len(serial) > 1:  # how much the shared machine moved the figures
        each = sorted(x.wall / one.wall for one, x in zip(serial, xdist, strict=True))
        notes.insert(1, f"Pair by pair, -n 2 / serial wall time ranged from {each[0]:.2f}x to {each[-1]:.2f}x.")
    if uncached:
        plain, spread = uncached[False], uncached[True]
        notes.append(
            f"With `PYTHONDONTWRITEBYTECODE=1` ({len(plain)} pair(s)): serial {wall(plain):.1f} s, -n 2 "
            f"{wall(spread):.1f} s ({wall(spread) / wall(plain):.2f}x); start-up {phase(plain, 'start-up'):.2f} s "
            f"serial, and under -n 2 {phase(spread, 'start-up'):.2f} s for the controller, then "
            f"{phase(spread, 'worker start-up'):.2f} s for the workers."
        )
    every = [run for group in (cached, uncached or {}) for runs in group.values() for run in runs]
    same = all(run.outcomes == serial[0].outcomes for run in every)
    counts = Counter(outcome for outcome, _ in serial[0].outcomes.values())
    tally = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    if same:
        notes.append(
            f"Clause outcomes: the same in all {len(every)} runs ({len(serial[0].outcomes)} clauses: {tally})."
        )
    else:
        notes.append(f"Clause outcomes: **DIFFER** between runs (first serial run: {tally}).")
    r.bullets(notes)
    return r.render(), same and (met or s.quick)


def _row(name: str, runs: list[Run]) -> tuple[str, ...]:
    walls = [run.wall for run in runs]
    split = " / ".join(f"{statistics.median(run.split[k] for run in runs):.1f}" for k in runs[0].split)
    return (
        name,
        f"{statistics.median(walls):.2f}",
        f"{min(walls):.2f}",
        f"{statistics.median(run.cpu for run in runs):.1f}",
        split,
    )


def _plugins() -> str:
    """The installed distributions that register a pytest plugin (every pytest process loads them all)."""
    names = {
        dist.metadata["Name"]
        for dist in metadata.distributions()
        if any(ep.group == "pytest11" for ep in dist.entry_points)
    }
    return ", ".join(sorted(names, key=str.lower))


def main(argv: Sequence[str] | None = None) -> int:
    options = parser(
        __doc__,
        quick=f"one pair, --jobrun-examples {QUICK_EXAMPLES}, no uncached pairs (smoke test)",
        repeats=f"pairs of runs with the bytecode cache (default {PAIRS}; {QUICK_PAIRS} with --quick)",
    )
    options.add_argument(
        "--pytest-args",
        default="",
        metavar="ARGS",
        help='more pytest arguments for every run, one string (e.g. "-p no:schemathesis")',
    )
    options = options.parse_args(argv)
    s = Settings.of(options)
    if importlib.util.find_spec("xdist") is None:
        raise SystemExit("this benchmark needs pytest-xdist (pip install -c requirements/test.txt pytest-xdist)")
    with tempfile.TemporaryDirectory(prefix="jobrun-xdist-") as tmp:
        bench = Bench(Path(tmp), s)
        log("warming the bytecode cache (untimed) ...")
        bench.run(True, extra=["--jobrun-api", "alibaba-emr-serverless-spark", "--jobrun-examples", "1"])
        log("bytecode cache on:")
        cached = pairs(bench, s.pairs, cached=True)
        uncached = None
        if s.uncached_pairs:
            log("PYTHONDONTWRITEBYTECODE=1:")
            uncached = pairs(bench, s.uncached_pairs, cached=False)
    text, ok = report(s, cached, uncached)
    emit(text, options)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
