"""Benchmark the conformance run and the pytest plugin's cost when it is not used, in one run.

    python benchmarks/conform.py            # builtin and moto, 3 repeats
    python benchmarks/conform.py --quick    # one repeat each, 1 generated request per clause (smoke test)

What is measured:

- the full default ``jobrun-contracts conform`` (every clause, every fixture, 10 generated
  requests per fuzzing clause) against ``builtin`` for all three APIs, and against ``moto`` for
  its two, as a user runs it: a fresh process, wall time from launch to exit, and the requests
  per second the report counts;
- the plugin's import cost when inert: importing ``jobrun_contracts.pytest_plugin`` in a fresh
  interpreter that has already imported pytest, and a ``pytest --collect-only`` of one trivial
  test with the plugin loaded against the same run with ``-p no:jobrun_contracts``.

The report is Markdown on stdout, ready to paste into docs/benchmarks.md. Floor: the run against
builtin finishes within 30 seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _harness import Report, emit, fresh_process, log, parser, python_code  # benchmarks/ is on sys.path

FLOOR_SECONDS = 30.0
TARGETS = ("builtin", "moto")
QUICK_EXAMPLES = 1  # generated requests per fuzzing clause in a quick run (the default run: 10)


@dataclass
class Settings:
    repeats: int  # fresh conform runs per target
    import_runs: int
    collect_runs: int  # pairs of pytest runs, with and without the plugin
    examples: int | None  # --examples for conform; None: its default
    autoload: bool  # pytest loads every installed plugin (else only ours, by name, in the run that loads it)
    quick: bool

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        found = cls(1, 1, 1, QUICK_EXAMPLES, False, True) if options.quick else cls(3, 5, 10, None, True, False)
        found.repeats = options.repeats or found.repeats
        return found

    def command(self) -> str:
        if self.examples is None:
            return "Default `jobrun-contracts conform`"
        return f"`jobrun-contracts conform --examples {self.examples}`"


def _conform(target: str, repeats: int, examples: int | None) -> dict[str, float]:
    argv = [sys.executable, "-m", "jobrun_contracts", "conform", "--target", target, "--format", "json"]
    if examples is not None:
        argv += ["--examples", str(examples)]
    walls, requests, seconds = [], 0, 0.0
    counts: dict[str, int] = {}
    for _ in range(repeats):
        run = fresh_process(argv, timeout=600)
        walls.append(run.wall)
        report = json.loads(run.stdout)
        requests, seconds, counts = report["requests"], report["seconds"], report["counts"]
    return {
        "wall": statistics.median(walls),
        "worst": max(walls),
        "requests": requests,
        "rps": requests / seconds if seconds else 0.0,
        "clauses": sum(counts.values()),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "skipped": counts["skipped"],
    }


def _import_cost(repeats: int) -> float:
    code = (
        "import time, pytest; t = time.perf_counter(); import jobrun_contracts.pytest_plugin; "
        "print(time.perf_counter() - t)"
    )
    return statistics.median(float(fresh_process(python_code(code), check=True).stdout) for _ in range(repeats))


def _collect_cost(repeats: int, autoload: bool = True) -> tuple[float, float]:
    """Median collect time with and without the plugin, runs interleaved so that machine drift hits both.

    Without ``autoload``, pytest loads no installed plugin but ours, by its entry point's name, in the runs
    that load it: the quick run leaves out the seconds that every other installed plugin costs.
    """
    env = None if autoload else {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_one.py").write_text("def test_one():\n    assert True\n")
        samples: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeats):
            for loaded in (True, False):
                extra = ([] if autoload else ["-p", "jobrun_contracts"]) if loaded else ["-p", "no:jobrun_contracts"]
                argv = [sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", *extra]
                samples[loaded].append(fresh_process(argv, cwd=folder, env=env, check=True).wall)
        return statistics.median(samples[True]), statistics.median(samples[False])


def report_runs(r: Report, runs: dict[str, dict[str, float]], s: Settings) -> None:
    r.add(f"{s.command()}, fresh process each time; median of {s.repeats}.")
    rows = [
        (
            name,
            str(int(run["clauses"])),
            f"{int(run['passed'])} / {int(run['failed'])} / {int(run['skipped'])}",
            str(int(run["requests"])),
            f"{run['rps']:.0f}",
            f"{run['wall']:.1f}",
            f"{run['worst']:.1f}",
        )
        for name, run in runs.items()
    ]
    header = ["target", "clauses", "pass / fail / skip", "requests", "requests/s", "wall s (median)", "wall s (worst)"]
    r.table(header, rows, "lrlrrrr")
    worst = runs["builtin"]["worst"]
    verdict = "meets" if worst <= FLOOR_SECONDS else "DOES NOT meet"
    caveat = " (a quick run; the floor is about the default run)" if s.quick else ""
    r.add(f"Against builtin, worst wall time {worst:.1f} s: {verdict} the {FLOOR_SECONDS:.0f} s floor{caveat}.")


def report_plugin(r: Report, s: Settings, plugin_import: float, with_plugin: float, without_plugin: float) -> None:
    r.add("The plugin when inert (no `--jobrun-*` option):")
    rows = [
        ("import of jobrun_contracts.pytest_plugin after pytest", f"{plugin_import * 1000:.1f} ms"),
        ("pytest --collect-only, one test, plugin loaded", f"{with_plugin * 1000:.0f} ms"),
        ("the same with -p no:jobrun_contracts", f"{without_plugin * 1000:.0f} ms"),
    ]
    r.table(["measure", "time"], rows, "lr")
    if not s.autoload:
        r.add(
            "A quick run: pytest ran with `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`, loading ours by name "
            "(`-p jobrun_contracts`), so neither collect-only time includes the other installed plugins."
        )


def main(argv: Sequence[str] | None = None) -> int:
    options = parser(
        __doc__,
        quick=f"one repeat of each, conform --examples {QUICK_EXAMPLES}, pytest without plugin autoload (smoke test)",
        repeats="fresh conform runs per target (default 3; 1 with --quick)",
    ).parse_args(argv)
    s = Settings.of(options)
    runs = {}
    for target in TARGETS:
        log(f"conform --target {target} ...")
        runs[target] = _conform(target, s.repeats, s.examples)
    log("plugin: import and collect-only ...")
    plugin_import = _import_cost(s.import_runs)
    with_plugin, without_plugin = _collect_cost(s.collect_runs, s.autoload)

    r = Report().add("## Conformance run and pytest plugin")
    r.machine(["jobrun-contracts", "moto", "hypothesis", "pytest"])
    report_runs(r, runs, s)
    report_plugin(r, s, plugin_import, with_plugin, without_plugin)
    emit(r.render(), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
