"""Helpers the tests share: plain functions and paths, imported as ``from support import ...``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: The acceptance tests' ``run`` fixture: the real command in a subprocess.
Run = Callable[..., subprocess.CompletedProcess[str]]


def without_added_empty_lists(mapped: Any, original: Any) -> Any:
    """The Alibaba SDK's from_map sets an absent list member to [], which to_map then writes out."""
    if isinstance(mapped, dict) and isinstance(original, dict):
        return {k: without_added_empty_lists(v, original.get(k)) for k, v in mapped.items() if k in original or v != []}
    if isinstance(mapped, list) and isinstance(original, list):
        return [without_added_empty_lists(m, o) for m, o in zip(mapped, original, strict=False)]
    return mapped
