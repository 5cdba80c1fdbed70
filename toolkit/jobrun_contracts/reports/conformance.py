"""Output formats for ``conform``: a table by API and clause, JSON (a stable API), JUnit XML, and a
self-contained HTML page (``html``).

A target's words (reasons, evidence) are untrusted: the table prints them through ``one_line``
and the JUnit XML is written by ``_junit``, the same escaper and writer ``validate`` uses. Reasons
and evidence come already scrubbed of secrets (the runner does it as it takes them); a run that
stopped early (its target down, Ctrl-C) says so, and how many clauses it did not run. A failure a
baseline records is ``known`` (a skipped case in JUnit, as pytest writes an xfail), and each
recorded clause that passed is named as fixed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..conformance import ClauseResult, Report
from . import _junit
from ._escape import one_line
from .cleanup import cleanup_case, cleanup_lines
from .html import MARKS
from .html import render as render_html

_JUNIT_OUTCOME: dict[str, _junit.Outcome] = {
    "passed": "passed",
    "failed": "failure",
    "skipped": "skipped",
    "known": "skipped",
}


def render_text(report: Report) -> str:
    lines: list[str] = []
    for api, results in _by_api(report).items():
        lines.append(f"{one_line(api)}  ({_counted(report.counts(api))})")
        names = [one_line(f"{r.clause.operation}::{r.clause.id}") for r in results]
        width = max(len(name) for name in names)
        shared = _shared_reasons(results, names)
        said: set[tuple[str, str]] = set()
        for name, result in zip(names, results, strict=True):
            key = (result.outcome, result.reason)
            if key in shared:  # one cause, many clauses: said once, where it first shows, with each clause
                if key not in said:
                    said.add(key)
                    count = f"{len(shared[key])} clauses"
                    lines.append(f"  {MARKS[result.outcome]:4}  {count:6}  {one_line(result.reason)}")
                    lines.extend(f"{'':16}{grouped}" for grouped in shared[key])
                continue
            reason = f"  {one_line(_reason(result))}" if result.reason else ""
            lines.append(f"  {MARKS[result.outcome]:4}  {result.clause.level:6}  {name:<{width}}{reason}".rstrip())
        lines.append("")
    lines += _totals(report)
    return "\n".join(lines) + "\n"


def render_line(result: ClauseResult) -> str:
    """One clause's line as it finishes: what ``conform`` streams when its output is not a terminal."""
    clause = result.clause
    name = one_line(f"{clause.api} {clause.operation}::{clause.id}")
    reason = f"  {one_line(_reason(result))}" if result.reason else ""
    return f"{MARKS[result.outcome]:4}  {clause.level:6}  {name}{reason}".rstrip() + "\n"


def _counted(counts: dict[str, int]) -> str:
    known = f", {counts['known']} known" if counts["known"] else ""
    return f"{counts['passed']} passed, {counts['failed']} failed{known}, {counts['skipped']} skipped"


def _reason(result: ClauseResult) -> str:
    if result.known is not None and result.known.changed:
        return f"{result.reason} (the baseline recorded another reason: {result.known.recorded})"
    return result.reason


def render_summary(report: Report) -> str:
    """What follows the streamed lines: the counts per API, each reason many clauses share (once, with
    how many), and the totals."""
    lines = [""]
    for api, results in _by_api(report).items():
        lines.append(f"{one_line(api)}  ({_counted(report.counts(api))})")
        names = [one_line(f"{r.clause.operation}::{r.clause.id}") for r in results]
        for (outcome, reason), members in _shared_reasons(results, names).items():
            lines.append(f"  {MARKS[outcome]:4}  {len(members)} clauses  {one_line(reason)}")
    lines += _totals(report)
    return "\n".join(lines) + "\n"


def _by_api(report: Report) -> dict[str, list[ClauseResult]]:
    grouped: dict[str, list[ClauseResult]] = {}
    for result in report.results:
        grouped.setdefault(result.clause.api, []).append(result)
    return grouped


def _totals(report: Report) -> list[str]:
    counts = report.counts()
    must = len(report.must_failures)
    known = f"{counts['known']} known, " if counts["known"] or report.baseline else ""
    lines = [
        f"{one_line(report.target)}: {counts['passed']} passed, {counts['failed']} failed ({must} MUST), "
        f"{known}{counts['skipped']} skipped; {report.requests} requests in {report.seconds:.1f} s"
    ]
    if report.fixed:
        lines.append(
            f"fixed: {len(report.fixed)} clauses the baseline records as failing passed "
            f"(--write-baseline tightens it): {one_line(', '.join(report.fixed))}"
        )
    if report.stopped:
        lines.append(f"stopped early, {report.not_run} clauses not run: {one_line(report.stopped)}")
    return lines + cleanup_lines(report.cleanup)


#: How many clauses must share a reason before it is said once for all of them.
_GROUP_AT = 3


def _shared_reasons(results: list[ClauseResult], names: list[str]) -> dict[tuple[str, str], list[str]]:
    """The skip and failure reasons at least ``_GROUP_AT`` clauses share (a closed port, a missing
    workspace), with the clauses that share each (``level name``)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, result in zip(names, results, strict=True):
        if result.outcome != "passed" and result.reason:
            groups.setdefault((result.outcome, result.reason), []).append(f"{result.clause.level:6}  {name}")
    return {key: members for key, members in groups.items() if len(members) >= _GROUP_AT}


def render_json(report: Report) -> str:
    data: dict[str, Any] = {
        "target": report.target,
        "seconds": round(report.seconds, 3),
        "requests": report.requests,
        "counts": report.counts(),
        "must_failures": len(report.must_failures),
        "stopped": report.stopped,  # null for a run that ran every clause
        "not_run": report.not_run,
        "baseline": report.baseline,  # the --baseline file, or null
        "fixed": report.fixed,  # clauses the baseline records as failing that passed
        "clauses": [_clause(result) for result in report.results],
        "cleanup": report.cleanup.to_dict() if report.cleanup is not None else None,  # null: none needed
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_junit(report: Report) -> str:
    cases = []
    for result in report.results:
        clause = result.clause
        failed, known = result.outcome == "failed", result.outcome == "known"
        details = f"{clause.summary}\nsource: {clause.source}\n{result.evidence()}" if failed or known else None
        kind = f"{clause.level} clause" if failed else "known failure (baseline)" if known else None
        cases.append(
            _junit.Case(
                f"{clause.api}.{clause.operation}",
                clause.id,
                _JUNIT_OUTCOME[result.outcome],
                message=_reason(result),
                type=kind,
                details=details,
                seconds=result.seconds,
            )
        )
    cleanup = cleanup_case(report.cleanup)
    if cleanup is not None:
        cases.append(cleanup)
    name = f"jobrun-contracts conform {report.target}"
    if report.stopped:
        name += f" (stopped early, {report.not_run} clauses not run: {report.stopped})"
    return _junit.render(name, cases, report.seconds)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "junit": render_junit,
    "html": render_html,
}


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
    if result.outcome in ("failed", "known"):
        data["evidence"] = [e.to_dict() for e in result.exchanges[-2:]]  # scrubbed and cut when taken
    if result.known is not None:
        data["known"] = {"recorded": result.known.recorded, "changed": result.known.changed}
    if result.states:
        data["states"] = result.states  # each observed run's states, in order
    return data
