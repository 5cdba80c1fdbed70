"""The one JUnit XML writer, for ``validate`` and ``conform`` alike, so the two cannot drift apart.

ElementTree escapes markup, but writes whatever characters it is given, and XML 1.0 cannot carry
most controls at all: one U+0001 in a document key would make the whole report unreadable to CI.
Every string is cleaned here, the illegal characters shown in the text reports' escape notation.
The suite's counts are computed from its cases, so they always agree with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.etree import ElementTree

from ._escape import visible

Outcome = Literal["passed", "failure", "error", "skipped"]

# What XML 1.0 cannot carry at all, even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Case:
    """One ``<testcase>``; ``message``, ``type`` and ``details`` describe its outcome's element."""

    classname: str
    name: str
    outcome: Outcome = "passed"
    message: str = ""
    type: str | None = None
    details: str | None = None  # the outcome element's text
    seconds: float | None = None


def xml_text(text: str) -> str:
    """``text`` without a character XML 1.0 forbids; each one shown as an escape such as ``\\x01``."""
    return _NOT_XML.sub(lambda m: visible(m.group()), text)


def render(name: str, cases: Sequence[Case], seconds: float | None = None) -> str:
    """A ``<testsuite>`` document, with its XML declaration and a final newline."""
    counts = {outcome: sum(case.outcome == outcome for case in cases) for outcome in ("failure", "error", "skipped")}
    attributes = {
        "name": name,
        "tests": str(len(cases)),
        "failures": str(counts["failure"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
    }
    if seconds is not None:
        attributes["time"] = f"{seconds:.3f}"
    suite = _element(None, "testsuite", attributes)
    for case in cases:
        attributes = {"classname": case.classname, "name": case.name}
        if case.seconds is not None:
            attributes["time"] = f"{case.seconds:.3f}"
        element = _element(suite, "testcase", attributes)
        if case.outcome != "passed":
            attributes = (
                {"message": case.message} if case.type is None else {"message": case.message, "type": case.type}
            )
            outcome = _element(element, case.outcome, attributes)
            if case.details is not None:
                outcome.text = xml_text(case.details)
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _element(parent: ElementTree.Element | None, tag: str, attributes: dict[str, str]) -> ElementTree.Element:
    clean = {key: xml_text(value) for key, value in attributes.items()}
    return ElementTree.Element(tag, clean) if parent is None else ElementTree.SubElement(parent, tag, clean)
