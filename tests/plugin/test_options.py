"""The plugin's options behave as ``conform``'s: the same checks, one-line usage errors, the same level default."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from jobrun_contracts.cli.main import cli
from jobrun_contracts.conformance import all_clauses

API = "aws-emr-containers"
SHOULD_CLAUSE = f"{API}::StartJobRun::client-token-reused-with-other-input"


@pytest.mark.parametrize("value", ["foo", "nope=abc", "aws-emr-containers=", "=abc"])
def test_a_bad_container_is_refused_as_conform_refuses_it(pytester: pytest.Pytester, value: str) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-container", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    message = f"--jobrun-container takes API=ID with a known API, not '{value}'"
    assert result.stderr.str().strip() == f"ERROR: jobrun-contracts: {message}"  # one line, no traceback
    assert result.stdout.str().strip() == ""  # refused before anything was collected or run

    cli_result = CliRunner().invoke(cli, ["conform", "--container", value])
    assert cli_result.exit_code == 2
    assert cli_result.stderr.strip() == "jobrun-contracts: error: " + message.replace("--jobrun-", "--")


def test_an_unknown_target_is_one_usage_error_not_a_traceback_per_item(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobrun-target", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().strip() == (
        "ERROR: jobrun-contracts: unknown target 'nowhere' for --jobrun-target: give builtin, moto or an http(s):// URL"
    )


def test_a_bad_number_is_the_same_one_line_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-examples", "x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().strip() == (
        "ERROR: jobrun-contracts: --jobrun-examples takes a whole number from 0 to 10000, not 'x'"
    )


def test_the_plugin_is_inert_and_checks_nothing_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobrun-container", "foo")
    result.assert_outcomes(passed=1)


def test_the_level_default_is_the_same_in_both_front_ends(pytester: pytest.Pytester) -> None:
    """A real run of each with the defaults: the same clauses run, all MUST, the SHOULD ones left out."""
    assert SHOULD_CLAUSE in {c.node_id for c in all_clauses([API], level="SHOULD", examples=0)}

    cli_result = CliRunner().invoke(cli, ["conform", "--api", API, "--examples", "0", "--format", "json"])
    assert cli_result.exit_code == 0, cli_result.output
    report = json.loads(cli_result.stdout)
    by_cli = {c["id"] for c in report["clauses"]}
    assert {c["level"] for c in report["clauses"]} == {"MUST"}

    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-api", API, "--jobrun-examples", "0", "-v"
    )
    assert result.ret == pytest.ExitCode.OK
    by_pytest = {m[1] for line in result.outlines if (m := re.match(r"(\S+::\S+::\S+) (PASSED|SKIPPED)", line))}
    assert by_pytest == by_cli and len(by_cli) > 20
    assert SHOULD_CLAUSE not in by_cli
    assert "level MUST" in result.stdout.str()  # the report header says which level ran
