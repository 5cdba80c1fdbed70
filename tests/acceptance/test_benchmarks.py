"""Every benchmark's ``--quick`` run, as CI or a developer runs it: it exits 0 and reports every row with a figure.

A row that silently stopped working (an engine left out, a worker that failed, a server that never answered)
is missing from its table or lacks its number, and the test names it. The runs write nothing into the
repository: the report goes to ``--output`` in a temporary directory, temporary files and Hypothesis' storage
go there too, and no bytecode is written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d[\d,]*(?:\.\d+)?"
MS = rf"{NUMBER} ms"


def snapshot() -> set[str]:
    """What a benchmark could leave behind: the files under benchmarks/, and the repository's top-level names."""
    found = {str(path.relative_to(ROOT)) for path in (ROOT / "benchmarks").rglob("*")}
    return found | {path.name for path in ROOT.iterdir()}


def run_quick(name: str, tmp_path: Path, timeout: float) -> str:
    """``python benchmarks/NAME.py --quick`` from the repository root; its report, checked against ``--output``."""
    output = tmp_path / "report" / f"{name}.md"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(scratch),
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis"),
    }
    before = snapshot()
    result = subprocess.run(
        [sys.executable, f"benchmarks/{name}.py", "--quick", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert snapshot() - before == set(), "the benchmark wrote into the repository"
    assert output.read_text(encoding="utf-8") == result.stdout
    return result.stdout


Table = list[list[str]]  # the header's cells, then each row's


def table(report: str, column: str) -> Table:
    """The one Markdown table in ``report`` with a column headed ``column``."""
    tables: list[Table] = []
    previous = ""
    for line in report.splitlines():
        if line.startswith("| ") and line.endswith(" |"):
            if not previous.startswith("| "):
                tables.append([])
            tables[-1].append([cell.strip() for cell in line[1:-1].split("|")])
        previous = line
    found = [t for t in tables if column in t[0]]
    assert len(found) == 1, f"expected one table with a column {column!r}, found {len(found)}:\n{report}"
    return [t for i, t in enumerate(found[0]) if i != 1]  # without the alignment rule


def row(rows: Table, *leading: str) -> list[str]:
    """The cells of the one row whose first cells are ``leading``."""
    found = [cells for cells in rows[1:] if tuple(cells[: len(leading)]) == leading]
    assert len(found) == 1, f"expected one row {leading!r}, found {len(found)} in {rows}"
    return found[0]


def number(cell: str) -> float:
    match = re.fullmatch(rf"\**({NUMBER})\**(?: .*)?", cell)
    assert match, f"not a figure: {cell!r}"
    return float(match.group(1).replace(",", ""))


# -- validate -------------------------------------------------------------------------------

PARSE = "`json.loads` (the parse floor)"
FAST = "fastjsonschema (bundled draft-07; first error only)"
THROUGHPUT = [
    *(
        (label, "valid")
        for label in [
            PARSE,
            "jobrun-contracts `validate`",
            "jobrun-contracts `is_valid`",
            "jsonschema `is_valid`",
            FAST,
            "jsonschema-rs raw `is_valid`",
            "jsonschema-rs raw `list(iter_errors)`",
        ]
    ),
    *(
        (label, "invalid")
        for label in [
            PARSE,
            "jobrun-contracts `validate`",
            "jsonschema `list(iter_errors)`",
            "jsonschema `is_valid`",
            FAST,
            "jsonschema-rs raw `list(iter_errors)`",
            "jsonschema-rs raw `is_valid`",
        ]
    ),
]
COLD = [
    "jobrun-contracts `validator_for` (translate patterns, compile with jsonschema-rs)",
    "jsonschema: read files, registry, construct validators (lazy: refs resolve on first use)",
    "jsonschema, plus `check_schema` of each document",
]
PROBES = 8
DOCUMENT_KINDS = ["valid", "applicationId my_app", "name too long", "mode lower-case", "unknown field"]


def test_validate_quick_reports_every_engine(tmp_path: Path) -> None:
    report = run_quick("validate", tmp_path, timeout=120)
    assert "## Validation benchmark (quick run)" in report
    throughput = table(report, "docs/s")
    assert len(throughput) - 1 == len(THROUGHPUT)
    for label, documents in THROUGHPUT:
        _, _, rate, mb_per_s, per_doc, ratio, passes = row(throughput, label, documents)
        assert re.fullmatch(rf"{NUMBER} \({NUMBER}\)", rate), (label, documents, rate)
        assert number(mb_per_s) > 0 and number(per_doc) > 0 and passes == "1", (label, documents)
        assert re.fullmatch(rf"{NUMBER}×", ratio) if label != PARSE else ratio == "", (label, documents, ratio)
    assert re.search(rf"\*\*Ours vs plain jsonschema, valid requests: {NUMBER}×\*\*", report)
    cold = table(report, "load + compile")
    for label in COLD:
        assert all(re.fullmatch(MS, cell) for cell in row(cold, label)[1:]), label
    semantics = table(report, "service")
    engines = semantics[0][2:]
    assert engines == ["jobrun-contracts", "jsonschema", "fastjsonschema", "jsonschema-rs (raw)"]
    assert len(semantics) - 1 == PROBES
    for _, service, ours, *others in semantics[1:]:
        assert service in ("accept", "reject") and ours == service, semantics  # ours agrees with the services
        assert all(re.fullmatch(r"(accept|reject|\*\*(accept|reject)\*\* ✗)", cell) for cell in others), semantics
    verdicts = table(report, "count")
    for kind in DOCUMENT_KINDS:
        _, count, ours, *others = row(verdicts, kind)
        assert int(count) > 0 and ours == f"{count}/{count}", (kind, count, ours)
        assert len(others) == len(engines) - 1 and all(re.search(r"\d+/\d+", cell) for cell in others), kind
    repository = table(report, "peak RSS MB")
    for label in ("read + json.loads", "jobrun-contracts validate (JSON)", "read + yaml CSafeLoader",
                  "jobrun-contracts validate (YAML)", "check-jsonschema (JSON, bundled schema)"):  # fmt: skip
        _, cpu, rss = row(repository, label)
        assert number(cpu) > 0 and number(rss) > 0, label
    for floor in ("JSON: ", "YAML: ", "memory: "):
        assert re.search(rf"^- {floor}.*\(.*floor .*: (met|not met)\)$", report, flags=re.M), floor


# -- generate -------------------------------------------------------------------------------

API = "aws-emr-serverless"
OURS = {
    f'`requests("{API}")`': "accepted",
    '`requests("aws-emr-containers")`': "accepted",
    '`requests("alibaba-emr-serverless-spark")`': "accepted",
    f'`responses("{API}", "GetJobRun")`': "accepted",
    f'`invalid_requests("{API}")`': "rejected as labelled",
}
FLOOR = "Hypothesis floor: `st.integers()`"
BASELINE = f"hypothesis-jsonschema `from_schema` ({API} StartJobRun, bundled)"
CONTROL = f'`requests("{API}")`, control'


def test_generate_quick_reports_ours_the_floor_and_the_baseline(tmp_path: Path) -> None:
    # The baseline's virtualenv (hypothesis-jsonschema, pinned) is made once per machine when missing.
    report = run_quick("generate", tmp_path, timeout=600)
    assert "Baseline not measured" not in report and "worker failed" not in report, report
    rates, split, health = (
        table(report, "examples/s"),
        table(report, "build the strategy"),
        table(report, "runs failing a health check"),
    )
    for label, verdict in OURS.items():
        cells = row(rates, label)
        assert number(cells[4]) > 0, (label, cells)  # examples/s
        assert re.fullmatch(rf"{MS} \({MS}\)", cells[9]), (label, cells)  # first example
        assert re.fullmatch(rf"(\d+)/\1 {verdict}", cells[10]), (label, cells)  # checked by our validator
        assert all(re.fullmatch(MS, cell) for cell in row(split, label)[1:]), label
        assert re.match(r"\**\d+/1\b", row(health, label)[2]), label
    assert number(row(rates, FLOOR)[4]) > 0
    baseline = row(rates, BASELINE)
    assert number(baseline[4]) > 0 and re.fullmatch(rf"{MS} \({MS}\)", baseline[9]), baseline
    assert re.fullmatch(r"\d+/[1-9]\d* accepted", baseline[10]), baseline
    assert all(re.fullmatch(MS, cell) for cell in row(split, BASELINE)[1:])
    assert re.match(r"\**\d+/1\b", row(health, BASELINE)[2])
    assert re.search(rf"\*\*Ours / hypothesis-jsonschema, valid {API} StartJobRun: {NUMBER}×\*\*", report)
    if "cannot draw an object" in report:  # the baseline ran under its own Hypothesis, and so did the control
        assert number(row(rates, CONTROL)[4]) > 0
        assert re.search(rf"ours draws {NUMBER} examples/s: {NUMBER}× the baseline", report)


# -- emulator -------------------------------------------------------------------------------


def test_emulator_quick_reports_both_servers(tmp_path: Path) -> None:
    report = run_quick("emulator", tmp_path, timeout=120)
    for server in ("jobrun-contracts emulator", "moto server"):
        _, pairs, p50, p99, launch = row(table(report, "pairs/s"), server)
        assert number(pairs) > 0 and number(p50) > 0 and number(p99) >= number(p50) and number(launch) > 0, server
    assert re.search(rf"Throughput vs moto: {NUMBER}x", report)


# -- conform --------------------------------------------------------------------------------


def test_conform_quick_reports_both_targets_and_the_plugin(tmp_path: Path) -> None:
    report = run_quick("conform", tmp_path, timeout=180)
    for target in ("builtin", "moto"):
        _, clauses, outcomes, requests, rps, median, worst = row(table(report, "pass / fail / skip"), target)
        passed, failed, skipped = (int(n) for n in outcomes.split(" / "))
        assert int(clauses) == passed + failed + skipped > 0 and passed > 0, (target, outcomes)
        assert int(requests) > 0 and number(rps) > 0 and 0 < number(median) <= number(worst), target
    assert re.search(rf"Against builtin, worst wall time {NUMBER} s: meets", report)
    for measure in (
        "import of jobrun_contracts.pytest_plugin after pytest",
        "pytest --collect-only, one test, plugin loaded",
        "the same with -p no:jobrun_contracts",
    ):
        assert re.fullmatch(MS, row(table(report, "time"), measure)[1]), measure


# -- the plugin under xdist -----------------------------------------------------------------

XDIST_PHASES = {  # the phase table's rows, and whether a serial run has the phase
    "start-up": True,
    "worker start-up": False,
    "collection": True,
    "scheduling": False,
    "clauses": True,
    "end": True,
}


def test_plugin_xdist_quick_reports_both_runs_their_phases_and_the_same_outcomes(tmp_path: Path) -> None:
    report = run_quick("plugin_xdist", tmp_path, timeout=300)
    runs = table(report, "wall s (median)")
    for name, processes in (("serial", 1), ("-n 2", 2)):
        _, median, best, cpu, split = row(runs, name)
        assert 0 < number(best) <= number(median) and number(cpu) > 0, name
        assert len(split.split(" / ")) == processes and all(number(part) > 0 for part in split.split(" / ")), name
    phases = table(report, "phase")
    assert len(phases) - 1 == len(XDIST_PHASES)
    for (label, serial, spread), (name, in_serial) in zip(phases[1:], XDIST_PHASES.items(), strict=True):
        assert label.startswith(f"{name}: "), label
        assert number(spread) >= 0 and (number(serial) >= 0 if in_serial else serial == "–"), label
    assert re.search(rf"^- -n 2 / serial wall time: {NUMBER}x \(.*\): (meets|DOES NOT meet) the floor", report, re.M)
    same = r"^- Clause outcomes: the same in all 2 runs \(\d+ clauses: \d+ passed, \d+ skipped\)"
    assert re.search(same, report, re.M)


# -- soak -----------------------------------------------------------------------------------


def test_soak_connections_quick_reports_both_phases(tmp_path: Path) -> None:
    report = run_quick("soak_connections", tmp_path, timeout=120)
    phases = table(report, "server threads")
    for phase in ("idle", "200 slow connections open"):
        _, ok, failed, p50, p99, worst, threads, rss = row(phases, phase)
        assert int(ok) > 0 and int(failed) == 0 and 0 < number(p50) <= number(p99) <= number(worst), phase
        assert 0 < int(threads) < 50 and number(rss) > 0, phase  # slow connections hold no thread each
    assert re.search(rf"Loaded vs idle: p50 {NUMBER}x, p99 {NUMBER}x", report)


def test_soak_runs_quick_reports_page_costs_and_memory(tmp_path: Path) -> None:
    report = run_quick("soak_runs", tmp_path, timeout=180)
    pages = table(report, "first page p50 / p99 ms")
    assert [cells[0] for cells in pages[1:]] == ["1,000", "5,000", "20,000"]
    for cells in pages[1:]:
        assert all(re.search(NUMBER, cell) for cell in cells[1:]), cells
    memory = table(report, "server RSS per 10,000 runs")
    assert len(memory) == 3 and all(number(cells[1].split()[0]) > 0 for cells in memory[1:])
    assert re.search(r"floor \(at most 2x\)", report)
