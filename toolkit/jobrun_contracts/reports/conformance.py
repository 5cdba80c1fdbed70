"""Output formats for ``conform``: a table by API and clause, JSON (a stable API), JUnit XML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

from ..conformance import ClauseResult, Report

_MARK = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}
# Characters XML 1.0 cannot carry at all, and terminal controls a target could slip into a reason.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _one_line(text: str) -> str:
    """A target's words, made safe to print on one line: controls shown as escapes."""
    text = text.replace("\r\n", "\n").replace("\n", " \\n ")
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_text(report: Report) -> str:
    lines: list[str] = []
    by_api: dict[str, list[ClauseResult]] = {}
    for result in report.results:
        by_api.setdefault(result.clause.api, []).append(result)
    for api, results in by_api.items():
        counts = _counts(results)
        lines.append(f"{api}  ({counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped)")
        width = max(len(f"{r.clause.operation}::{r.clause.id}") for r in results)
        for result in results:
            name = f"{result.clause.operation}::{result.clause.id}"
            reason = f"  {_one_line(result.reason)}" if result.reason else ""
            lines.append(f"  {_MARK[result.outcome]:4}  {result.clause.level:6}  {name:<{width}}{reason}".rstrip())
        lines.append("")
    counts = report.counts()
    must = len(report.must_failures)
    lines.append(
        f"{report.target}: {counts['passed']} passed, {counts['failed']} failed ({must} MUST), "
        f"{counts['skipped']} skipped; {report.requests} requests in {report.seconds:.1f} s"
    )
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    data: dict[str, Any] = {
        "target": report.target,
        "seconds": round(report.seconds, 3),
        "requests": report.requests,
        "counts": report.counts(),
        "must_failures": len(report.must_failures),
        "clauses": [_clause(result) for result in report.results],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_junit(report: Report) -> str:
    counts = report.counts()
    suite = ElementTree.Element(
        "testsuite",
        name=f"jobrun-contracts conform {report.target}",
        tests=str(len(report.results)),
        failures=str(counts["failed"]),
        skipped=str(counts["skipped"]),
        time=f"{report.seconds:.3f}",
    )
    for result in report.results:
        clause = result.clause
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"{clause.api}.{clause.operation}",
            name=clause.id,
            time=f"{result.seconds:.3f}",
        )
        if result.outcome == "skipped":
            ElementTree.SubElement(case, "skipped", message=_xml(result.reason))
        elif result.outcome == "failed":
            failure = ElementTree.SubElement(
                case, "failure", message=_xml(result.reason), type=f"{clause.level} clause"
            )
            failure.text = _xml(f"{clause.summary}\nsource: {clause.source}\n{result.evidence()}")
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS: dict[str, Callable[[Report], str]] = {"text": render_text, "json": render_json, "junit": render_junit}


def _clause(result: ClauseResult) -> dict[str, Any]:
    clause = result.clause
    data: dict[str, Any] = {
        "id": clause.node_id,
        "api": clause.api,
        "operation": clause.operation,
        "clause": clause.id,
        "level": clause.level,
        "source": clause.source,
        "summary": clause.summary,
        "outcome": result.outcome,
        "reason": result.reason,
        "seconds": round(result.seconds, 4),
    }
    if result.outcome == "failed":
        data["evidence"] = [e.to_dict() for e in result.exchanges[-2:]]
    return data


def _counts(results: list[ClauseResult]) -> dict[str, int]:
    found = {"passed": 0, "failed": 0, "skipped": 0}
    for result in results:
        found[result.outcome] += 1
    return found
