"""The pytest plugin's clause items, as another repository's test suite sees them (through pytester)."""

from __future__ import annotations

import re
import socket
from http.server import ThreadingHTTPServer

import pytest

from conformance.test_targets import hostile  # noqa: F401 (a fixture: servers that misbehave on purpose)

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


def test_a_target_url_with_a_password_is_one_usage_error_that_never_shows_it(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", "http://A:abcSECRETxyz@127.0.0.1:9",
        "--jobrun-api", "aws-emr-serverless",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "abcSECRETxyz" not in output and "put no credentials in the target URL" in output


def test_failure_text_never_shows_what_a_target_echoes_of_the_credentials(
    pytester: pytest.Pytester,
    hostile: ThreadingHTTPServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, secret, token = "AKIAPLUGINEXAMPLE001", "plugin/secret+Value0123", "FwoGZXIvYXdzEPLUGINTOKEN"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    hostile.mode = "echo"  # type: ignore[attr-defined]
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", f"http://127.0.0.1:{hostile.server_address[1]}",
        "--jobrun-api", "aws-emr-serverless", "--jobrun-container", "aws-emr-serverless=00fecho",
        "--jobrun-examples", "0", "-k", "start-valid-run or unknown-run", "-l",
    )  # fmt: skip
    output = result.stdout.str() + result.stderr.str()
    echoed = hostile.echoed  # type: ignore[attr-defined]
    assert result.parseoutcomes()["failed"] >= 2 and echoed
    for value in (key, secret, token, *echoed):
        assert value not in output, value
    assert not re.search(r"Signature=[0-9a-f]", output) and "<redacted>" in output


def test_a_dead_target_ends_the_session_after_a_few_items(pytester: pytest.Pytester) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", f"http://127.0.0.1:{port}", "--jobrun-api", "aws-emr-containers",
        "--jobrun-timeout", "1",
    )  # fmt: skip
    output = result.stdout.str()
    assert "is not answering" in output and "connection refused" in output
    assert result.parseoutcomes().get("failed", 0) <= 3
