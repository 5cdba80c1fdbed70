"""The shipped fixtures, read by name: ``valid/x.json`` is a request, ``invalid/x.json`` wraps one."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..errors import UsageError
from . import resources


@cache
def _document(api: str, operation: str, name: str) -> dict[str, Any]:
    resource = resources.data_dir("fixtures").joinpath(api).joinpath(operation)
    for part in name.split("/"):
        resource = resource.joinpath(part)
    try:
        document: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no fixture {api}/{operation}/{name}") from None
    return document


def instance(api: str, operation: str, name: str) -> dict[str, Any]:
    document = _document(api, operation, name)
    return dict(document["instance"] if name.startswith("invalid/") else document)


def expected(api: str, operation: str, name: str) -> dict[str, str] | None:
    """An invalid fixture's expected violation (pointer and keyword); None for a valid one."""
    if not name.startswith("invalid/"):
        return None
    return dict(_document(api, operation, name)["expected"])


def names(api: str, operation: str, kind: str) -> list[str]:
    """``kind/file.json`` for every fixture of one kind, sorted."""
    folder = resources.data_dir("fixtures").joinpath(api).joinpath(operation).joinpath(kind)
    if not folder.is_dir():
        return []
    return sorted(f"{kind}/{item.name}" for item in folder.iterdir() if item.name.endswith(".json"))
