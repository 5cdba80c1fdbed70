"""``schemas/sources.json``: which version of each machine-readable source the schemas were read from.

Written by the transcription, read by the tests and by ``drift``. Versions live here once, not in
every ``x-source``, so a new release with the same model changes nothing in the schemas.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..core import resources
from ..errors import SchemaError

RECORD_NAME = "sources.json"


def content_digest(document: Any) -> str:
    """SHA-256 of a model's content, not its bytes: re-encoding or re-compressing it is no change."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_record() -> dict[str, dict[str, Any]]:
    resource = resources.data_dir("schemas").joinpath(RECORD_NAME)
    try:
        record: dict[str, dict[str, Any]] = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SchemaError(f"cannot load schemas/{RECORD_NAME}: {error}") from error
    return record


def write_record(schemas: Path, api: str, entry: dict[str, Any]) -> Path:
    """Replace one API's entry, keeping the others."""
    path = schemas / RECORD_NAME
    record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    record[api] = entry
    path.write_text(json.dumps(dict(sorted(record.items())), indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    return path
