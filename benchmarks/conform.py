"""Benchmark the conformance run and the pytest plugin's cost when it is not used, in one run.

    python benchmarks/conform.py            # builtin and moto, 3 repeats
    python benchmarks/conform.py --quick    # one repeat each (CI smoke test)

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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import machine_info, table  # benchmarks/ is on sys.path when a script runs

FLOOR_SECONDS = 30.0


def _conform(target: str, repeats: int) -> dict[str, float]:
    walls, requests, seconds = [], 0, 0.0
    counts: dict[str, int] = {}
    for _ in range(repeats):
        began = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "jobrun_contracts", "conform", "--target", target, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        walls.append(time.perf_counter() - began)
        report = json.loads(result.stdout)
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
    samples = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeats)
    ]
    return statistics.median(samples)


def _collect_cost(repeats: int) -> tuple[float, float]:
    """Median collect time with and without the plugin, runs interleaved so that machine drift hits both."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_one.py").write_text("def test_one():\n    assert True\n")
        samples: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeats):
            for loaded in (True, False):
                extra = [] if loaded else ["-p", "no:jobrun_contracts"]
                began = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", *extra],
                    cwd=folder,
                    capture_output=True,
                    check=True,
                )
                samples[loaded].append(time.perf_counter() - began)
        return statistics.median(samples[True]), statistics.median(samples[False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3

    runs = {"builtin": _conform("builtin", repeats), "moto": _conform("moto", repeats)}
    plugin_import = _import_cost(5 if not args.quick else 2)
    with_plugin, without_plugin = _collect_cost(10 if not args.quick else 2)

    print("## Conformance run and pytest plugin\n")
    print(table(["", ""], machine_info(["jobrun-contracts", "moto", "hypothesis", "pytest"])))
    print(f"\nDefault `jobrun-contracts conform`, fresh process each time; median of {repeats}.\n")
    rows = [
        (
            name,
            str(int(r["clauses"])),
            f"{int(r['passed'])} / {int(r['failed'])} / {int(r['skipped'])}",
            str(int(r["requests"])),
            f"{r['rps']:.0f}",
            f"{r['wall']:.1f}",
            f"{r['worst']:.1f}",
        )
        for name, r in runs.items()
    ]
    print(
        table(
            ["target", "clauses", "pass / fail / skip", "requests", "requests/s", "wall s (median)", "wall s (worst)"],
            rows,
            "lrlrrrr",
        )
    )
    worst = runs["builtin"]["worst"]
    verdict = "meets" if worst <= FLOOR_SECONDS else "DOES NOT meet"
    print(f"\nAgainst builtin, worst wall time {worst:.1f} s: {verdict} the {FLOOR_SECONDS:.0f} s floor.")
    print("\nThe plugin when inert (no `--jobrun-*` option):\n")
    print(
        table(
            ["measure", "time"],
            [
                ("import of jobrun_contracts.pytest_plugin after pytest", f"{plugin_import * 1000:.1f} ms"),
                ("pytest --collect-only, one test, plugin loaded", f"{with_plugin * 1000:.0f} ms"),
                ("the same with -p no:jobrun_contracts", f"{without_plugin * 1000:.0f} ms"),
            ],
            "lr",
        )
    )


if __name__ == "__main__":
    main()
