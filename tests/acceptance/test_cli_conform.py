"""``jobrun-contracts conform`` as users run it: against the built-in emulator, against moto, and with bad input."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from support import Run

APIS = ("aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark")


@pytest.mark.slow
def test_every_must_clause_passes_against_the_builtin_emulator(run: Run, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    result = run("conform", "--format", "json", "--report", str(report_file), "--examples", "5")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    report = json.loads(result.stdout)
    assert report_file.read_text() == result.stdout
    assert report["target"] == "builtin" and report["must_failures"] == 0 and report["counts"]["failed"] == 0
    written = [c for c in report["clauses"] if not c["clause"].startswith(("fixture-", "fuzz-"))]
    assert {c["api"] for c in written} == set(APIS)
    assert all(c["outcome"] == "passed" for c in written if c["level"] == "MUST")
    ids = {c["id"] for c in report["clauses"]}
    assert "aws-emr-serverless::StartJobRun::idempotent-client-token" in ids
    assert any(i.startswith("alibaba-emr-serverless-spark::ListJobRuns::fixture-invalid-") for i in ids)


@pytest.mark.slow
def test_junit_report_has_one_case_per_clause(run: Run) -> None:
    result = run("conform", "--api", "aws-emr-containers", "--format", "junit", "--examples", "2", "--level", "MUST")
    assert result.returncode == 0, result.stderr
    suite = ElementTree.fromstring(result.stdout.encode())
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "0")) > 20
    assert all(c.get("classname", "").startswith("aws-emr-containers.") for c in cases)
    assert suite.get("failures") == "0"


@pytest.mark.slow
def test_moto_is_checked_and_its_failures_fail_the_run(run: Run) -> None:
    result = run("conform", "--target", "moto", "--api", "aws-emr-serverless", "--format", "json", "--examples", "2")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    outcome = {c["id"]: c for c in report["clauses"]}
    idempotent = outcome["aws-emr-serverless::StartJobRun::idempotent-client-token"]
    assert idempotent["outcome"] == "failed" and "expected" in idempotent["reason"]
    assert "expected 404" in outcome["aws-emr-serverless::GetJobRun::unknown-run"]["reason"]
    assert outcome["aws-emr-serverless::StartJobRun::start-valid-run"]["outcome"] == "passed"
    lifecycle = outcome["aws-emr-serverless::GetJobRun::lifecycle-reaches-a-terminal-state"]
    assert lifecycle["outcome"] in ("failed", "skipped") and lifecycle["reason"]
    evidence = json.dumps(idempotent["evidence"])
    assert "AKIDJOBRUNCONTRACTS" not in evidence and "Signature=" not in evidence and "<redacted>" in evidence


def test_an_unknown_target_is_one_line_and_exit_2(run: Run) -> None:
    result = run("conform", "--target", "nowhere")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown target 'nowhere'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--container", "foo"), "--container takes API=ID with a known API, not 'foo'"),
        (("--container", "emr=abc"), "--container takes API=ID with a known API, not 'emr=abc'"),
        (("--level", "MAYBE"), "--level takes MUST or SHOULD, not 'MAYBE'"),
        (("--timeout", "0"), "--timeout takes seconds from 0.1 to 86400, not '0'"),
    ],
)
def test_a_bad_option_value_is_one_line_and_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run("conform", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"jobrun-contracts: error: {message}\n"


def test_a_malformed_contract_file_names_the_file_and_field(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "api: aws-emr-serverless\n"
        "clauses:\n"
        "  - id: my-clause\n"
        "    operation: StartJobRun\n"
        "    level: MAYBE\n"
        "    source: me\n"
        "    summary: s\n"
        "    steps: [{call: StartJobRun}]\n"
    )
    result = run("conform", "--contracts", str(tmp_path))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and str(bad) in line and ":5:" in line and "clauses[0].level" in line


def test_a_contract_naming_an_unknown_operation_is_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "api: aws-emr-containers\nclauses:\n"
        "  - {id: c, operation: GetJobRun, level: MUST, source: s, summary: s, steps: [{call: GetJobRun}]}\n"
    )
    result = run("conform", "--contracts", str(tmp_path))
    assert (
        result.returncode == 2 and "has no operation 'GetJobRun'" in result.stderr and "DescribeJobRun" in result.stderr
    )


def test_container_is_refused_for_targets_that_make_their_own() -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    result = CliRunner().invoke(
        cli, ["conform", "--container", "aws-emr-serverless=00fabc", "--api", "aws-emr-serverless"]
    )
    assert result.exit_code == 2
    assert "--container is for URL targets; builtin creates its own containers" in result.output


def test_help_says_what_a_run_creates_and_that_real_accounts_bill_for_it(run: Run) -> None:
    text = " ".join(run("conform", "--help").stdout.split())
    assert "It creates what it checks, on the target" in text
    assert "job runs, and EMR on EKS job templates" in text and "On a real account they cost money" in text
