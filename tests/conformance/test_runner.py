"""The runner's own rules: time limits, redaction, templates, and contract files that cannot be used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jobrun_contracts.conformance import Exchange, Settings, all_clauses, emulator_target, redact, run
from jobrun_contracts.conformance.clauses import Scope, load_contracts
from jobrun_contracts.emulator import Emulator
from jobrun_contracts.errors import InputError
from jobrun_contracts.wire.messages import HttpRequest


def test_clauses_not_started_within_the_run_time_limit_fail_as_not_run() -> None:
    clauses = all_clauses(["aws-emr-containers"], level="MUST", examples=0)[:4]
    with emulator_target(Emulator(("aws-emr-containers",))) as target:
        report = run(target, clauses, Settings(run_timeout=0))
    assert [r.outcome for r in report.results] == ["failed"] * 4
    assert all("time limit (0 s) was reached" in r.reason for r in report.results)
    assert report.requests == 0


def test_credentials_and_signatures_are_redacted_from_evidence() -> None:
    headers = {
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDSECRET/20260101/us-east-1/emr-serverless/aws4_request, "
        "Signature=abc",
        "X-Amz-Security-Token": "token-value",
        "x-acs-security-token": "sts-token",
        "content-type": "application/json",
    }
    shown = redact(headers)
    assert shown["authorization"] == "AWS4-HMAC-SHA256 <redacted>"
    assert shown["X-Amz-Security-Token"] == "<redacted>" and shown["x-acs-security-token"] == "<redacted>"
    assert shown["content-type"] == "application/json"
    evidence = Exchange("s", "StartJobRun", HttpRequest("POST", "/x", headers, b"{}")).to_dict()
    assert "AKIDSECRET" not in str(evidence) and "token-value" not in str(evidence)


def test_templates_keep_types_escape_regexes_and_name_what_is_missing() -> None:
    scope = Scope({"start": {"response": {"jobRunId": "a.b", "tags": {"k": "v"}}}, "container": "c1"})
    assert scope.render("${start.response.tags}") == {"k": "v"}
    assert scope.render("run ${start.response.jobRunId} in ${container}") == "run a.b in c1"
    assert scope.render_regex("/jobruns/${start.response.jobRunId}$") == r"/jobruns/a\.b$"
    with pytest.raises(KeyError, match="'nope' is not defined"):
        scope.render("${nope.response.x}")
    with pytest.raises(KeyError, match="has no 'arn'"):
        scope.render("${start.response.arn}")


def test_a_clause_defined_twice_is_refused_with_both_files(tmp_path: Path) -> None:
    text = (
        "api: aws-emr-serverless\nclauses:\n"
        "  - {id: twice, operation: GetJobRun, level: MUST, source: s, summary: s, steps: [{call: GetJobRun}]}\n"
    )
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(
        InputError, match=r"b\.yaml: clause aws-emr-serverless::GetJobRun::twice is also defined in .*a\.yaml"
    ):
        load_contracts(["aws-emr-serverless"], [tmp_path])


def test_the_shipped_contracts_cover_every_api_and_keep_their_levels_honest() -> None:
    clauses = load_contracts()
    assert {c.api for c in clauses} == {"aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"}
    for clause in clauses:
        if clause.level == "SHOULD":
            assert clause.source.startswith("observed"), clause.node_id  # SHOULD is observed behaviour, and says so
        else:
            assert not clause.source.startswith("observed"), clause.node_id


def _observed(**fields: object) -> Any:
    from jobrun_contracts.conformance.expectations import Observed

    return Observed(**{"status": 400, "body": None, "error_code": None, "error_message": None, **fields})  # type: ignore[arg-type]


def test_checks_that_could_pass_vacuously_fail_instead() -> None:
    from jobrun_contracts.conformance.expectations import check

    scope = Scope({})
    assert check({"names_field": "id"}, _observed(error_message="Invalid request."), scope, "aws-emr-containers")
    assert not check(
        {"names_field": "id"}, _observed(error_message="Value 'x' at 'id' failed"), scope, "aws-emr-containers"
    )
    assert check(
        {"each": {"in": "/jobRuns", "one_of": {"/state": ["RUNNING"]}}}, _observed(body={}), scope, "aws-emr-containers"
    )
    assert check({"exactly_once": []}, _observed(collected=[]), scope, "aws-emr-containers")
    assert check({"lifecycle": "/jobRun/state"}, _observed(states=[]), scope, "aws-emr-containers")


def test_a_target_that_sends_unreadable_json_fails_one_clause_and_the_run_goes_on() -> None:
    from jobrun_contracts.conformance import InProcessTarget
    from jobrun_contracts.wire.messages import HttpResponse

    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, {"content-type": "application/json"}, b'{"applicationId": "\\ud800", "jobRunId": "x"}')

    clauses = [c for c in all_clauses(["aws-emr-serverless"], level="MUST", examples=0) if not c.skip][:3]
    target = InProcessTarget(handler, apis=("aws-emr-serverless",), containers={"aws-emr-serverless": "00fapp"})
    with target:
        report = run(target, clauses)
    assert [r.outcome for r in report.results] == ["failed"] * 3
    assert all("cannot be checked" in r.reason for r in report.results)


def test_a_contract_with_a_broken_regex_is_refused_when_loaded(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "api: aws-emr-serverless\nclauses:\n"
        "  - id: c\n    operation: StartJobRun\n    level: MUST\n    source: s\n    summary: s\n"
        "    steps: [{call: StartJobRun, expect: {matches: {/arn: 'jobruns/(${container}'}}}]\n"
    )
    with pytest.raises(InputError, match="is not a regular expression"):
        load_contracts(["aws-emr-serverless"], [tmp_path])


def test_a_target_url_may_not_carry_credentials() -> None:
    from jobrun_contracts.conformance import UrlTarget
    from jobrun_contracts.errors import UsageError

    with pytest.raises(UsageError, match="no credentials in the target URL"):
        UrlTarget("http://admin:hunter2@127.0.0.1:9/")


def test_reports_stay_readable_when_a_target_sends_control_characters() -> None:
    from xml.etree import ElementTree

    from jobrun_contracts.conformance import ClauseResult, Report
    from jobrun_contracts.reports.conformance import render_junit, render_text

    clause = all_clauses(["aws-emr-serverless"], level="MUST", examples=0)[0]
    report = Report("t", [ClauseResult(clause, "failed", "bad \x01 input\nsecond line \x1b[31m")], 0.1, 1)
    ElementTree.fromstring(render_junit(report).encode())  # well-formed XML
    line = next(line for line in render_text(report).splitlines() if "FAIL" in line)
    assert "\x01" not in line and "\x1b" not in line and "\\x01" in line
