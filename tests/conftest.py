"""Shared test settings: Hypothesis profiles (``dev`` by default, ``ci`` derandomized)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

settings.register_profile("dev", max_examples=50)
settings.register_profile(
    "ci", max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("dev")


def without_added_empty_lists(mapped: Any, original: Any) -> Any:
    """The Alibaba SDK's from_map sets an absent list member to [], which to_map then writes out."""
    if isinstance(mapped, dict) and isinstance(original, dict):
        return {k: without_added_empty_lists(v, original.get(k)) for k, v in mapped.items() if k in original or v != []}
    if isinstance(mapped, list) and isinstance(original, list):
        return [without_added_empty_lists(m, o) for m, o in zip(mapped, original, strict=False)]
    return mapped
