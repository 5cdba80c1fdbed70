"""JSON, a stable interface: fields are added over time, never renamed or removed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .base import DocumentResult


def render(results: Sequence[DocumentResult]) -> str:
    files: list[dict[str, Any]] = []
    for result in results:
        entry: dict[str, Any] = {
            "path": result.path,
            "document": result.document,
            "api": result.api,
            "operation": result.operation,
            "direction": result.direction,
            "valid": result.valid,
            "violations": [{**v.to_dict(), "line": result.line_of(v.pointer)} for v in result.violations],
        }
        if result.error is not None:
            entry["error"] = result.error
            entry["line"] = result.error_line
        files.append(entry)
    counts = {
        "documents": len(results),
        "valid": sum(r.valid for r in results),
        "invalid": sum(r.error is None and not r.valid for r in results),
        "errors": sum(r.error is not None for r in results),
    }
    return json.dumps({"files": files, "summary": counts}, indent=2, ensure_ascii=False, default=str) + "\n"
