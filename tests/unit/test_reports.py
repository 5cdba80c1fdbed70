"""Reports never let untrusted text through raw: one escaper for text, one JUnit writer for XML.

A document key, a target's reason or a file name is outside input. In text it must not start a
line (a forged result, or a workflow command a CI runner obeys) nor reach the terminal as an
escape sequence; in JUnit it must not make the XML unreadable.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from xml.dom import minidom

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from jobrun_contracts.cli.main import cli
from jobrun_contracts.conformance import ClauseResult, Report, all_clauses
from jobrun_contracts.core.validation import Violation
from jobrun_contracts.reports import DocumentResult, reporter
from jobrun_contracts.reports._escape import escape, one_line
from jobrun_contracts.reports._junit import Case, render, xml_text
from jobrun_contracts.reports.conformance import render_junit, render_text
from jobrun_contracts.reports.github import _data, _property

# Every character str.splitlines breaks on, terminal escapes (ESC, CSI, OSC) and a lone surrogate.
HOSTILE = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b\x9b\x9d\x00\x01\x07\x08\x7f\udc80"
# A file name or key that, printed raw, would give the CI runner commands of its own.
INJECTION = "x\n::warning::pwned%0A::error file=y::z\r\n::add-mask::k"
# Any text, lone surrogates included (a non-UTF-8 file name decodes to them).
ANY_TEXT = st.text(st.characters(exclude_categories=()))


def unsafe(text: str) -> list[str]:
    """The characters of ``text`` a terminal or a line-splitter would act on."""
    return [c for c in text if c != "\t" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029")]


def violation(key: str) -> Violation:
    return Violation(f"/{key}", "additionalProperties", f"unknown field '{key}'", False, "docs#x", "s#/x")


def test_every_line_breaker_and_terminal_escape_is_shown_not_sent() -> None:
    for char in HOSTILE:
        shown = one_line(f"a{char}b")
        assert shown.splitlines() == [shown] and unsafe(shown) == [], repr(char)
        shown.encode("utf-8")  # a lone surrogate is shown too: no encoder error on print
    assert one_line("bad \x01 input\r\nnext\tcell") == "bad \\x01 input \\n next\tcell"
    assert escape("a\u2028b\x1b[31m") == "a\\u2028b\\x1b[31m"


@given(ANY_TEXT)
def test_one_line_keeps_any_text_on_one_safe_line(text: str) -> None:
    shown = one_line(text)
    assert len(shown.splitlines()) <= 1 and unsafe(shown) == []
    shown.encode("utf-8")


def test_workflow_command_values_are_escaped_as_github_documents() -> None:
    assert _data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert _property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert _data("\x1b[31mred\x85") == "\\x1b[31mred\\x85"
    assert _property("a%0Ab") == "a%250Ab"  # an encoded break in a name stays literal text


@pytest.mark.parametrize("name", [INJECTION, "x%0A::warning::pwned", "x\u2028::warning::y\x1b]8;;"])
def test_a_crafted_file_name_gives_github_one_annotation_line(name: str) -> None:
    result = DocumentResult(name, 1, "aws-emr-serverless", "StartJobRun", violations=[violation(name)])
    unreadable = DocumentResult(name, None, error=f"cannot read {name}")
    lines = reporter("github")([result, unreadable]).splitlines()
    assert len(lines) == 3 and all(unsafe(line) == [] for line in lines)
    assert [line.split(" ", 1)[0] for line in lines[:2]] == ["::error", "::error"]
    assert not lines[2].startswith("::")


@pytest.mark.parametrize("name", [INJECTION, HOSTILE])
def test_text_report_prints_every_value_on_its_own_line(name: str) -> None:
    results = [
        DocumentResult(name, 2, "aws-emr-serverless", "StartJobRun", violations=[violation(name)]),
        DocumentResult(name, None, error=f"cannot read {name}", error_line=3),
    ]
    lines = reporter("text")(results).splitlines()
    assert len(lines) == 5 and all(unsafe(line) == [] for line in lines)
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert lines[0].startswith(one_line(name) + " (document 2): ")


@given(ANY_TEXT)
def test_junit_writer_takes_any_text_and_writes_xml(text: str) -> None:
    cases = [
        Case(text, text, "failure", message=text, type=text, details=text, seconds=0.5),
        Case(text, text, "error", message=text, details=text),
        Case(text, text, "skipped", message=text),
        Case(text, text),
    ]
    suite = minidom.parseString(render(text, cases, 1.0)).documentElement
    assert suite.getAttribute("name") == xml_text(text)  # attributes survive exactly, cleaned
    assert [suite.getAttribute(a) for a in ("tests", "failures", "errors", "skipped")] == ["4", "1", "1", "1"]
    (failure,) = suite.getElementsByTagName("failure")
    assert failure.getAttribute("message") == failure.getAttribute("type") == xml_text(text)


def test_xml_illegal_characters_are_shown_in_the_text_reports_notation() -> None:
    assert xml_text("a\x01b\x1b\udc80\ufffe\tc\nd\u2028") == "a\\x01b\\x1b\\udc80\\ufffe\tc\nd\u2028"
    xml = render("s", [Case("c", "n", "failure", message='<&"\x01>', details="]]>\x00")])
    failure = minidom.parseString(xml).getElementsByTagName("failure")[0]
    assert failure.getAttribute("message") == '<&"\\x01>' and failure.firstChild.data == "]]>\\x00"


def test_validate_junit_names_the_violation_of_a_key_with_a_control_character() -> None:
    key = "ba\x01d\x1b[31m\nkey"
    result = DocumentResult("in\x01.json", 1, "aws-emr-serverless", "StartJobRun", violations=[violation(key)])
    suite = minidom.parseString(reporter("junit")([result, DocumentResult("ok.json", 1)])).documentElement
    assert [suite.getAttribute(a) for a in ("tests", "failures", "errors")] == ["2", "1", "0"]
    (case, _) = suite.getElementsByTagName("testcase")
    assert case.getAttribute("classname") == "in\\x01.json"
    (failure,) = case.getElementsByTagName("failure")
    assert failure.getAttribute("type") == "ValidationFailed"
    (line,) = failure.firstChild.data.splitlines()  # one line per violation, even with a break in the key
    assert "/ba\\x01d\\x1b[31m \\n key" in line and "[additionalProperties]" in line


@pytest.fixture
def hostile_report() -> Report:
    clause = all_clauses(["aws-emr-serverless"], level="MUST", examples=0)[0]
    crafted = dataclasses.replace(clause, id="id\x01\n::warning::x")
    results = [
        ClauseResult(clause, "failed", "bad \x01 input\nsecond line \x1b[31m", seconds=0.25),
        ClauseResult(crafted, "skipped", "target says \x00\u2028no"),
        ClauseResult(clause, "passed"),
    ]
    return Report("http://t/\x1b]0;", results, 1.5, 3)


def test_conform_junit_parses_and_keeps_its_shape(hostile_report: Report) -> None:
    suite = minidom.parseString(render_junit(hostile_report)).documentElement
    assert suite.getAttribute("name") == "jobrun-contracts conform http://t/\\x1b]0;"
    assert [suite.getAttribute(a) for a in ("tests", "failures", "skipped", "time")] == ["3", "1", "1", "1.500"]
    failed, skipped, passed = suite.getElementsByTagName("testcase")
    (failure,) = failed.getElementsByTagName("failure")
    assert failure.getAttribute("message") == "bad \\x01 input\nsecond line \\x1b[31m"
    assert failure.getAttribute("type") == "MUST clause" and failed.getAttribute("time") == "0.250"
    assert "source: " in failure.firstChild.data
    assert skipped.getAttribute("name") == "id\\x01\n::warning::x"
    assert skipped.getElementsByTagName("skipped")[0].getAttribute("message") == "target says \\x00\u2028no"
    assert passed.getElementsByTagName("*") == []


def test_conform_text_prints_a_targets_words_on_one_line(hostile_report: Report) -> None:
    text = render_text(hostile_report)
    assert all(unsafe(line) == [] for line in text.splitlines())
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert "  skip  MUST    " in text and "id\\x01 \\n ::warning::x" in text
    assert text.splitlines()[0].endswith("(1 passed, 1 failed, 1 skipped)")


def test_report_counts_all_clauses_or_one_apis() -> None:
    clause = all_clauses(["aws-emr-serverless"], level="MUST", examples=0)[0]
    other = dataclasses.replace(clause, api="aws-emr-containers")
    report = Report("t", [ClauseResult(clause, "passed"), ClauseResult(other, "failed")], 0.0, 0)
    assert report.counts() == {"passed": 1, "failed": 1, "skipped": 0, "known": 0}
    assert report.counts("aws-emr-containers") == {"passed": 0, "failed": 1, "skipped": 0, "known": 0}


def test_validate_text_of_a_real_file_shows_a_key_s_controls_as_escapes(tmp_path: Path) -> None:
    key = "ba\x01d\x1b[31m\u2028\n::warning::x"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"applicationId": "abc", key: 1}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--api", "aws-emr-serverless", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert all(unsafe(line) == [] for line in lines) and not any(line.startswith("::") for line in lines)
    assert any("/ba\\x01d\\x1b[31m\\u2028 \\n ::warning::x: unknown field" in line for line in lines)


def test_sarif_names_each_violation_with_its_rule_file_and_line(tmp_path: Path) -> None:
    from jobrun_contracts.core.validation import validate

    bad = DocumentResult(
        "jobs/my spec.json", 1, api="aws-emr-serverless", operation="StartJobRun",
        violations=validate({"applicationId": "my_app"}, api="aws-emr-serverless"), lines={"/applicationId": 3},
    )  # fmt: skip
    unreadable = DocumentResult("jobs/broken.yaml", None, error="invalid YAML: malformed", error_line=2)
    for results in ([], [bad, unreadable], [DocumentResult("ok.json", 1)]):
        report = json.loads(reporter("sarif")(results))
        assert report["version"] == "2.1.0"
        (run,) = report["runs"]
        assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in run["results"]}
    report = json.loads(reporter("sarif")([bad, unreadable]))
    results = report["runs"][0]["results"]
    pattern = next(r for r in results if r["ruleId"] == "pattern")
    where = pattern["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "jobs/my%20spec.json" and where["region"]["startLine"] == 3
    assert "docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html" in pattern["message"]["text"]
    assert any(r["ruleId"] == "unreadable-input" for r in results)


@pytest.mark.parametrize(
    ("source", "public"),
    [
        (
            "shared/docs/aws-emr-serverless/StartJobRun.txt#applicationId",
            "https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html (applicationId)",
        ),
        (
            "shared/docs/aws-emr-containers/startJobRun-dart-sdk.txt#startJobRun method",
            "https://docs.aws.amazon.com/emr-on-eks/latest/APIReference/API_StartJobRun.html (startJobRun method)",
        ),
        (
            "shared/docs/alibaba-emr-serverless-spark/ListJobRuns.txt#maxResults",
            "https://www.alibabacloud.com/help/en/emr/emr-serverless-spark/developer-reference/"
            "api-emr-serverless-spark-2023-08-08-listjobruns (maxResults)",
        ),
        (
            "botocore emr-serverless/2021-07-13/service-2.json shapes.ClientToken",
            "https://github.com/boto/botocore/blob/develop/botocore/data/emr-serverless/2021-07-13/service-2.json"
            " (shapes.ClientToken)",
        ),
        (
            "alibabacloud-emr-serverless-spark20230808 models/_job_driver.py JobDriver",
            "https://pypi.org/project/alibabacloud-emr-serverless-spark20230808/ (models/_job_driver.py JobDriver)",
        ),
    ],
)
def test_every_kind_of_source_is_shown_at_a_public_address(source: str, public: str) -> None:
    from jobrun_contracts.core import citations

    assert citations.public(source) == public


def test_no_source_in_the_schemas_is_left_as_a_repository_path() -> None:
    from jobrun_contracts import APIS
    from jobrun_contracts.core import citations, resources

    for api in APIS:
        for name in resources.schema_names(api):
            for source in _sources(resources.schema_document(api, name)):
                assert citations.public(source).startswith("https://"), (api, name, source)


def _sources(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [s for s in node.get("x-source", []) if isinstance(s, str)]
        return found + [s for v in node.values() for s in _sources(v)]
    if isinstance(node, list):
        return [s for v in node for s in _sources(v)]
    return []


def test_a_reason_many_clauses_share_is_said_once_with_each_clause() -> None:
    from jobrun_contracts.conformance import Settings, all_clauses, emulator_target, run
    from jobrun_contracts.emulator import Emulator
    from jobrun_contracts.reports.conformance import render_text

    clauses = all_clauses(["aws-emr-serverless"], level="MUST", examples=0)
    with emulator_target(Emulator(("aws-emr-serverless",))) as target:
        report = run(target, clauses, Settings(timeout=5))
    skipped = [r for r in report.results if r.outcome == "skipped"]
    reason = max({r.reason for r in skipped}, key=lambda text: sum(r.reason == text for r in skipped))
    sharing = [r for r in skipped if r.reason == reason]
    assert len(sharing) >= 3
    text = render_text(report)
    assert text.count(reason) == 1  # said once
    assert f"skip  {len(sharing)} clauses  {reason}" in text
    for result in sharing:  # and each clause is still named
        assert f"{result.clause.operation}::{result.clause.id}" in text
