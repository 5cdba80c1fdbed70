"""Baselines: what makes two failures the same, the file and its errors, and what every report says of
known and fixed clauses; in ``conform`` and, as xfails, in the pytest plugin."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from conformance.mutants import MUTANTS
from jobrun_contracts.cli.main import cli
from jobrun_contracts.conformance import Report, Settings, all_clauses, emulator_target, run
from jobrun_contracts.conformance.baseline import Baseline, Entry, load, normalise, render, write
from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.errors import InputError, UsageError
from jobrun_contracts.reports.conformance import render_json, render_junit, render_text

API = "aws-emr-serverless"
BROKEN = "required response field dropped"  # StartJobRun answers without its arn: most clauses fail


def broken_run(examples: int = 1) -> Report:
    api, build = MUTANTS[BROKEN]
    with emulator_target(build()) as target:
        return run(target, all_clauses([api], level="MUST", examples=examples), Settings(timeout=5))


@pytest.fixture(scope="module")
def broken() -> Report:
    return broken_run()


def recorded(tmp_path: Path, report: Report) -> Baseline:
    write(str(tmp_path / "baseline.json"), report.results)
    return load(str(tmp_path / "baseline.json"))


# -- the same failure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("GetJobRun 00fabc12def34567 not found", "GetJobRun 00fz9yx8wv76ut54 not found"),  # run ids
        ("token 9f86d081884c7d65 reused", "token 2c26b46b68ffc68f reused"),
        ("created at 2024-05-01T12:00:00.123Z, ended", "created at 2025-01-31T23:59:59+02:00, ended"),
        ("Date: Mon, 01 Jan 2024 00:00:00 GMT", "Date: Fri, 31 May 2024 12:34:56 GMT"),
        ("cannot reach http://127.0.0.1:41234/x", "cannot reach http://127.0.0.1:50811/x"),  # a loopback port
        ("no answer from localhost:8080", "no answer from   localhost:9090"),
        ("it took 1.234 s", "it took 12.5 s"),
        ("arn:aws:iam::123456789012:role/R", "arn:aws:iam::210987654321:role/R"),
    ],
)
def test_what_moves_between_runs_does_not_make_another_failure(one: str, other: str) -> None:
    assert normalise(one) == normalise(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("expected status 404, got 200", "expected status 404, got 500"),
        ("step start (StartJobRun): missing /arn", "step get (GetJobRun): missing /arn"),
        ("ValidationException", "ConflictException"),
        ("page 3 has 12 items with maxResults=10", "page 3 has 11 items with maxResults=10"),
    ],
)
def test_what_the_failure_is_still_tells_two_apart(one: str, other: str) -> None:
    assert normalise(one) != normalise(other)


def test_a_reason_is_kept_short_and_writable() -> None:
    assert len(normalise("x " * 1000)) == 400
    assert normalise("bad \ud800 byte") == "bad \ufffd byte"  # a lone surrogate cannot be written as UTF-8


# -- the file --------------------------------------------------------------------------------------


def test_a_baseline_records_each_failed_clause_once_sorted_and_reads_back(tmp_path: Path, broken: Report) -> None:
    failed = sorted(r.clause.node_id for r in broken.results if r.outcome == "failed")
    assert len(failed) > 10
    assert write(str(tmp_path / "b.json"), broken.results) == len(failed)
    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["baseline"] == "jobrun-contracts conform" and data["version"] == 1
    assert [f"{f['api']}::{f['operation']}::{f['clause']}" for f in data["failures"]] == failed
    assert text.count("\n") == len(failed) + 6  # one failure a line: a diff names the clauses that changed
    assert all(f["level"] == "MUST" and f["reason"] for f in data["failures"])
    assert set(load(str(tmp_path / "b.json")).entries) == set(failed)
    assert list(tmp_path.iterdir()) == [tmp_path / "b.json"]  # the temporary file is gone


def test_an_empty_baseline_is_valid(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(render([]))
    assert load(str(tmp_path / "b.json")).entries == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", ":1: not JSON: Expecting property name enclosed in double quotes"),
        ("[]", ': not a baseline: a JSON object with "baseline": "jobrun-contracts conform" expected'),
        ('{"baseline": "jobrun-contracts conform", "version": 2, "failures": []}', ": baseline version 2 is not"),
        ('{"baseline": "jobrun-contracts conform", "failures": []}', ": baseline version null is not one"),
        ('{"baseline": "jobrun-contracts conform", "version": 1}', ': "failures" must be a list'),
        ('{"baseline": "jobrun-contracts conform", "version": 1, "failures": [1]}', ": failures[0] must be an object"),
        (
            '{"baseline": "jobrun-contracts conform", "version": 1, "failures": [{"api": "aws-emr-serverless"}]}',
            ": failures[0].operation must be a non-empty string",
        ),
        (
            '{"baseline": "jobrun-contracts conform", "version": 1, "failures": '
            '[{"api": "emr", "operation": "StartJobRun", "clause": "c"}]}',
            ': failures[0].api: unknown API "emr"',
        ),
        (
            '{"baseline": "jobrun-contracts conform", "version": 1, "failures": '
            '[{"api": "aws-emr-serverless", "operation": "StartJobRun", "clause": "c", "reason": 3}]}',
            ": failures[0].reason must be a string or null",
        ),
    ],
)
def test_a_malformed_baseline_is_one_line_naming_the_file_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        load(str(path))
    assert str(raised.value).startswith(f"{path}{message}")
    result = CliRunner().invoke(cli, ["conform", "--baseline", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output.startswith(f"jobrun-contracts: error: {path}{message}") and result.output.count("\n") == 1


def test_a_missing_or_undecodable_baseline_is_a_usage_or_input_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^--baseline .*nope\.json: no such file$"):
        load(str(tmp_path / "nope.json"))
    with pytest.raises(UsageError, match=r": not a file$"):
        load(str(tmp_path))
    (tmp_path / "b.json").write_bytes(b'{"baseline": "\xff"}')
    with pytest.raises(InputError, match=r"b\.json: not UTF-8 text$"):
        load(str(tmp_path / "b.json"))
    result = CliRunner().invoke(cli, ["conform", "--baseline", str(tmp_path / "nope.json")], catch_exceptions=False)
    assert (
        result.exit_code == 2
        and result.output == f"jobrun-contracts: error: --baseline {tmp_path}/nope.json: no such file\n"
    )


def test_write_baseline_into_a_missing_directory_is_refused_before_the_run(tmp_path: Path) -> None:
    where = tmp_path / "no" / "b.json"
    result = CliRunner().invoke(cli, ["conform", "--write-baseline", str(where)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output == f"jobrun-contracts: error: --write-baseline {where}: no such directory {where.parent}\n"


def test_a_baseline_that_cannot_be_written_after_the_run_is_one_line_after_the_whole_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that turns read-only during the run (root ignores permissions: the refusal is made here)."""

    def refuse(source: str, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("jobrun_contracts.conformance.baseline.os.replace", refuse)
    where = tmp_path / "b.json"
    args = ["conform", "--api", "aws-emr-containers", "--examples", "0", "--write-baseline", str(where)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2
    assert "builtin: " in result.stdout and " passed, 0 failed" in result.stdout  # the report, whole
    assert result.stderr == f"jobrun-contracts: error: --write-baseline {where}: not written (Permission denied)\n"
    assert not where.exists() and list(tmp_path.iterdir()) == []  # nor a temporary file left behind


# -- applying it -----------------------------------------------------------------------------------


def test_every_recorded_failure_is_known_and_the_run_has_no_must_failure(tmp_path: Path, broken: Report) -> None:
    baseline = recorded(tmp_path, broken)
    again = broken_run()
    before = again.counts()
    baseline.apply(again)
    assert again.must_failures == [] and again.fixed == [] and again.baseline == str(tmp_path / "baseline.json")
    assert again.counts() == {**before, "failed": 0, "known": before["failed"]}
    known = [r for r in again.results if r.outcome == "known"]
    assert all(r.known is not None and not r.known.changed and r.known.recorded for r in known)


def test_a_failure_the_baseline_does_not_record_stays_failed(tmp_path: Path, broken: Report) -> None:
    baseline = recorded(tmp_path, broken)
    dropped = "aws-emr-serverless::StartJobRun::start-valid-run"
    partial = Baseline(baseline.path, {k: v for k, v in baseline.entries.items() if k != dropped})
    again = broken_run()
    partial.apply(again)
    assert [r.clause.node_id for r in again.must_failures] == [dropped]


def test_a_recorded_clause_that_passes_is_fixed_and_one_not_checked_is_neither(tmp_path: Path, broken: Report) -> None:
    entries = dict(recorded(tmp_path, broken).entries)
    elsewhere = Entry("aws-emr-containers", "StartJobRun", "start-valid-run", "MUST", None)
    entries[elsewhere.key] = elsewhere
    with emulator_target(Emulator((API,))) as target:
        good = run(target, all_clauses([API], level="MUST", examples=1), Settings(timeout=5))
    Baseline("b.json", entries).apply(good)
    passed = {r.clause.node_id for r in good.results if r.outcome == "passed"}
    assert good.fixed == [
        r.clause.node_id for r in good.results if r.clause.node_id in entries and r.outcome == "passed"
    ]
    assert set(good.fixed) == set(entries) & passed and elsewhere.key not in good.fixed
    assert good.counts()["known"] == 0 and good.must_failures == []


def test_a_changed_reason_is_said_but_the_failure_stays_known(tmp_path: Path, broken: Report) -> None:
    first = next(r for r in broken.results if r.outcome == "failed")
    key = first.clause.node_id
    entries = {
        key: Entry(first.clause.api, first.clause.operation, first.clause.id, "MUST", "something else"),
    }
    again = broken_run()
    Baseline("b.json", entries).apply(again)
    (result,) = [r for r in again.results if r.clause.node_id == key]
    assert result.outcome == "known" and result.known is not None and result.known.changed
    text = render_text(again)
    assert "(the baseline recorded another reason: something else)" in text
    any_reason = Baseline("b.json", {key: Entry(*key.split("::"), "MUST", None)})
    third = broken_run()
    any_reason.apply(third)
    (result,) = [r for r in third.results if r.clause.node_id == key]
    assert result.outcome == "known" and result.known is not None and not result.known.changed


def test_a_clause_not_run_for_the_time_limit_is_not_recorded(tmp_path: Path) -> None:
    api, build = MUTANTS[BROKEN]
    with emulator_target(build()) as target:
        report = run(target, all_clauses([api], level="MUST", examples=1), Settings(timeout=5, run_timeout=0.001))
    assert any(r.reason.startswith("not run: ") for r in report.results)
    write(str(tmp_path / "b.json"), report.results)
    entries = load(str(tmp_path / "b.json")).entries
    assert not any(r.reason.startswith("not run: ") and r.clause.node_id in entries for r in report.results)


# -- what each report says -------------------------------------------------------------------------


def test_each_report_names_known_and_fixed_clauses(tmp_path: Path, broken: Report) -> None:
    again = broken_run()
    entries = dict(recorded(tmp_path, broken).entries)
    dropped = next(iter(entries))
    del entries[dropped]
    fixed = Entry(API, "GetJobRun", "unknown-run", "MUST", None)  # passes against this emulator
    entries[fixed.key] = fixed
    Baseline("b.json", entries).apply(again)
    counts = again.counts()
    assert counts["known"] > 0 and counts["failed"] == 1

    text = render_text(again)
    assert f"({counts['passed']} passed, 1 failed, {counts['known']} known, {counts['skipped']} skipped)" in text
    assert f"1 failed (1 MUST), {counts['known']} known, " in text
    assert (
        f"fixed: 1 clauses the baseline records as failing passed (--write-baseline tightens it): {fixed.key}" in text
    )
    assert any(line.startswith("  known  MUST    ") for line in text.splitlines())

    data = json.loads(render_json(again))
    assert data["counts"] == counts and data["baseline"] == "b.json" and data["fixed"] == [fixed.key]
    known = [c for c in data["clauses"] if c["outcome"] == "known"]
    assert len(known) == counts["known"] and all(c["evidence"] and c["known"]["changed"] is False for c in known)

    suite = ElementTree.fromstring(render_junit(again))
    skipped = [case.find("skipped") for case in suite.iter("testcase")]
    typed = [s for s in skipped if s is not None and s.get("type") == "known failure (baseline)"]
    assert len(typed) == counts["known"] and suite.get("failures") == "1"
    assert suite.get("skipped") == str(counts["known"] + counts["skipped"])


def test_a_streamed_line_says_known_before_the_run_ends(tmp_path: Path, broken: Report) -> None:
    """conform marks each result as it finishes, so the line it streams is already right."""
    baseline = recorded(tmp_path, broken)
    server = EmulatorServer(MUTANTS[BROKEN][1]()).start()
    try:
        args = ["conform", "--target", server.url, "--api", API, "--container", f"{API}={server.defaults[API]}"]
        result = CliRunner().invoke(
            cli, [*args, "--examples", "1", "--baseline", baseline.path], catch_exceptions=False
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("known  MUST    aws-emr-serverless StartJobRun::start-valid-run") for line in lines)
    assert not any(line.startswith("FAIL") for line in lines)


# -- the pytest plugin ----------------------------------------------------------------------------


def test_the_plugin_reports_recorded_failures_as_xfail(
    pytester: pytest.Pytester, tmp_path: Path, broken: Report
) -> None:
    baseline = recorded(tmp_path, broken)
    server = EmulatorServer(MUTANTS[BROKEN][1]()).start()
    try:
        args = [
            "-p",
            "no:cacheprovider",
            "-rx",
            f"--jobrun-target={server.url}",
            f"--jobrun-api={API}",
            f"--jobrun-container={API}={server.defaults[API]}",
            "--jobrun-examples=1",
        ]
        result = pytester.runpytest(*args, f"--jobrun-baseline={baseline.path}")
        known = len(baseline.entries)
        assert result.parseoutcomes().get("xfailed") == known and "failed" not in result.parseoutcomes()
        result.stdout.fnmatch_lines(["*XFAIL*start-valid-run*known failure (baseline*"])
        bad = tmp_path / "bad.json"
        bad.write_text("{")
        refused = pytester.runpytest(*args, f"--jobrun-baseline={bad}")
        assert refused.ret == pytest.ExitCode.USAGE_ERROR
        refused.stderr.fnmatch_lines([f"*jobrun-contracts: {bad}:1: not JSON*"])
    finally:
        server.stop()


# -- writing it API by API -------------------------------------------------------------------------


def test_a_narrower_run_keeps_the_entries_of_what_it_did_not_decide(tmp_path: Path, broken: Report) -> None:
    """--write-baseline over an existing file: the clauses this run decided are rewritten, the rest stay."""
    where = tmp_path / "b.json"
    other = Entry("aws-emr-containers", "StartJobRun", "some-clause", "MUST", "x")
    failed = [r for r in broken.results if r.outcome == "failed"]
    passed = next(r for r in broken.results if r.outcome == "passed")
    stale = Entry(API, passed.clause.operation, passed.clause.id, "MUST", "it failed last time")
    where.write_text(render([other, stale]))
    assert write(str(where), broken.results, load(str(where))) == len(failed) + 1
    entries = load(str(where)).entries
    assert other.key in entries  # another API's: not run here, kept
    assert stale.key not in entries  # decided here (it passed): dropped
    assert {r.clause.node_id for r in failed} <= set(entries)


def test_conform_api_by_api_into_one_baseline(tmp_path: Path) -> None:
    where = tmp_path / "b.json"
    kept = Entry("alibaba-emr-serverless-spark", "GetJobRun", "unknown-run", "MUST", "recorded by another run")
    where.write_text(render([kept]))
    args = ["conform", "--api", "aws-emr-containers", "--examples", "0", "--write-baseline", str(where)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert set(load(str(where)).entries) == {kept.key}  # the builtin emulator fails nothing; the other API stays
    assert f"0 failed clauses written to {where}, 1 kept from it" in result.stderr


def test_write_baseline_into_an_empty_file_writes_a_new_baseline(tmp_path: Path) -> None:
    """An empty file (what mktemp or touch makes) holds nothing to keep or to lose: it is written, not refused."""
    where = tmp_path / "b.json"
    where.write_text("")
    args = ["conform", "--api", "aws-emr-containers", "--examples", "0", "--write-baseline", str(where)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert load(str(where)).entries == {}


def test_write_baseline_over_a_file_that_is_no_baseline_is_refused_before_the_run(tmp_path: Path) -> None:
    where = tmp_path / "notes.json"
    where.write_text('{"not": "a baseline"}')
    result = CliRunner().invoke(cli, ["conform", "--write-baseline", str(where)], catch_exceptions=False)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(f"jobrun-contracts: error: {where}: not a baseline")
    assert where.read_text() == '{"not": "a baseline"}'
