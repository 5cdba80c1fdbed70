"""JUnit XML: one test case per document, one failure per invalid document."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

from .base import DocumentResult


def render(results: Sequence[DocumentResult]) -> str:
    failures = sum(r.error is None and not r.valid for r in results)
    errors = sum(r.error is not None for r in results)
    suite = ElementTree.Element(
        "testsuite",
        name="jobrun-contracts validate",
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=result.path,
            name=f"document {result.document or 1}: {result.api or '?'} {result.operation or ''} {result.direction}",
        )
        if result.error is not None:
            error = ElementTree.SubElement(case, "error", message=result.error)
            error.text = result.error
        elif result.violations:
            lines = []
            for v in result.violations:
                line = result.line_of(v.pointer)
                lines.append(f"{result.path}:{line or ''} {v.pointer or '/'}: {v.message} [{v.keyword}] ({v.source})")
            failure = ElementTree.SubElement(
                case, "failure", message=f"{len(result.violations)} violation(s)", type="ValidationFailed"
            )
            failure.text = "\n".join(lines)
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
