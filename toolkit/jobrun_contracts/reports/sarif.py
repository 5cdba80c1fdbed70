"""SARIF 2.1.0, for code-scanning tools (GitHub code scanning, IDE viewers): one result per violation.

Rule ids are the JSON Schema keyword that failed (``pattern``, ``maxLength``, ...), so a tool can
group and filter them; a file that could not be read is the rule ``unreadable-input``. Results
stream; the rules seen are written after them (SARIF does not order an object's members).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from . import base
from .base import DocumentResult

_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_UNREADABLE = "unreadable-input"
_RULES = {
    _UNREADABLE: "The file or document could not be read as plain JSON or YAML data.",
    "additionalProperties": "A field the API does not define.",
    "required": "A field the API requires is missing.",
    "type": "A value of the wrong JSON type.",
    "enum": "A value outside the documented set.",
    "pattern": "A value that does not match the documented pattern.",
    "minLength": "A value shorter than documented.",
    "maxLength": "A value longer than documented.",
    "skeleton": "Placeholders of an unfilled --generate-cli-skeleton file.",
}


class Writer(base.Writer):
    def __init__(self) -> None:
        super().__init__()
        self.rules: dict[str, None] = {}
        self.written = 0

    def start(self) -> str:
        return f'{{"$schema": "{_SCHEMA}", "version": "2.1.0", "runs": [{{"results": ['

    def entry(self, result: DocumentResult) -> str:
        found = []
        if result.error is not None:
            found.append(_result(_UNREADABLE, result.error, result.path, result.error_line))
        for violation in result.violations:
            text = violation.message + (f" (source: {violation.reference})" if violation.source else "")
            found.append(_result(violation.keyword, text, result.path, result.line_of(violation.pointer)))
        chunks = []
        for item in found:
            self.rules.setdefault(item["ruleId"])
            chunks.append(("" if self.written == 0 else ",") + "\n  " + json.dumps(item, ensure_ascii=False))
            self.written += 1
        return "".join(chunks)

    def finish(self) -> str:
        rules = [
            {"id": rule, "shortDescription": {"text": _RULES.get(rule, f"The {rule} constraint.")}}
            for rule in self.rules
        ]
        driver = {
            "name": "jobrun-contracts",
            "informationUri": "https://pypi.org/project/jobrun-contracts/",
            "rules": rules,
        }
        return "\n], " + json.dumps({"tool": {"driver": driver}}, ensure_ascii=False)[1:-1] + "}]}\n"


def _result(rule: str, message: str, path: str, line: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": quote(path)}}
    if line:
        location["region"] = {"startLine": line}
    return {
        "ruleId": rule,
        "level": "error",
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    }


render = Writer.render
