"""The pytest plugin's clause items, as another repository's test suite sees them (through pytester)."""

from __future__ import annotations

import pytest

USER_CONTRACT = """
api: aws-emr-serverless
clauses:
  - id: our-wrapper-expects-201
    operation: StartJobRun
    level: MUST
    source: our team's wrapper contract
    summary: Deliberately wrong, to see how a failure reads.
    steps:
      - call: StartJobRun
        request: {fixture: valid/pyspark-script-on-s3-with-conf.json}
        expect: {status: 201}
"""


def test_the_plugin_is_inert_without_its_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_plain.py::test_one", "1 test collected*"])
    assert "jobrun-contracts" not in result.stdout.str()


def test_clauses_become_items_with_readable_ids(pytester: pytest.Pytester) -> None:
    args = ("-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-api", "aws-emr-containers")
    collected = pytester.runpytest(*args, "--collect-only", "-q", "--jobrun-examples", "2")
    collected.stdout.fnmatch_lines(
        [
            "aws-emr-containers::StartJobRun::idempotent-client-token",
            "aws-emr-containers::ListJobRuns::paging-one-at-a-time",
        ]
    )
    assert "aws-emr-serverless::" not in collected.stdout.str()
    result = pytester.runpytest(*args, "--jobrun-examples", "2", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["passed"] > 30 and outcomes["skipped"] > 0


def test_a_user_contract_runs_and_its_failure_shows_clause_source_and_redacted_evidence(
    pytester: pytest.Pytester,
) -> None:
    contracts = pytester.mkdir("contracts")
    (contracts / "wrapper.yaml").write_text(USER_CONTRACT)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-api", "aws-emr-serverless",
        "--jobrun-contracts", str(contracts), "--jobrun-examples", "0", "-k", "our-wrapper or idempotent", "-v",
    )  # fmt: skip
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "aws-emr-serverless::StartJobRun::our-wrapper-expects-201 FAILED" in output
    clause = "aws-emr-serverless::StartJobRun::our-wrapper-expects-201"
    assert f"MUST clause {clause} failed: step1 (StartJobRun): status 200, expected 201" in output
    assert "source: our team's wrapper contract" in output
    assert '"authorization": "AWS4-HMAC-SHA256 <redacted>"' in output
    assert "Signature=" not in output and "Credential=" not in output


def test_a_malformed_user_contract_stops_the_run_with_its_file_and_field(pytester: pytest.Pytester) -> None:
    contracts = pytester.mkdir("contracts")
    (contracts / "broken.yaml").write_text(USER_CONTRACT.replace("level: MUST", "level: OFTEN"))
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-contracts", str(contracts)
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert 'broken.yaml:6: clauses[0].level: "OFTEN" is not one of' in result.stderr.str()


def test_clauses_spread_over_xdist_workers(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--jobrun-target", "builtin",
        "--jobrun-api", "alibaba-emr-serverless-spark", "--jobrun-examples", "2", "-v",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["passed"] > 30
    output = result.stdout.str()
    assert "[gw0]" in output and "[gw1]" in output
