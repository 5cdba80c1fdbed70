"""JSON, a stable interface: fields are added over time, never renamed or removed."""

from __future__ import annotations

import json
from typing import Any

from . import base
from .base import DocumentResult


class Writer(base.Writer):
    """The same bytes ``json.dumps(report, indent=2)`` gives, written one file entry at a time."""

    def start(self) -> str:
        return '{\n  "files": ['

    def entry(self, result: DocumentResult) -> str:
        entry: dict[str, Any] = {
            "path": result.path,
            "document": result.document,
            "api": result.api,
            "operation": result.operation,
            "direction": result.direction,
            "valid": result.valid,
            "violations": [{**v.to_dict(), "line": result.line_of(v.pointer)} for v in result.violations],
        }
        if result.omitted:
            entry["omitted"] = result.omitted  # violations past --max-violations
        if result.notes:
            entry["notes"] = list(result.notes)
        if result.form is not None:
            entry["form"] = {
                "name": result.form,
                "decided": result.decided,
                "root": result.root,
                "part": result.part,
                "detected": result.detected,
            }
        if result.unchecked:
            entry["unchecked"] = [
                {"pointer": pointer, "line": result.line_of(pointer), "reason": reason}
                for pointer, reason in result.unchecked
            ]
        if result.error is not None:
            entry["error"] = result.error
            entry["line"] = result.error_line
        text = json.dumps(entry, indent=2, ensure_ascii=False, default=str).replace("\n", "\n    ")
        return ("\n    " if self.totals.documents == 1 else ",\n    ") + text

    def finish(self) -> str:
        counts = {
            "documents": self.totals.documents,
            "valid": self.totals.valid,
            "invalid": self.totals.invalid,
            "errors": self.totals.errors,
        }
        closing = "\n  ]," if self.totals.documents else "],"
        return closing + '\n  "summary": ' + json.dumps(counts, indent=2).replace("\n", "\n  ") + "\n}\n"


render = Writer.render
