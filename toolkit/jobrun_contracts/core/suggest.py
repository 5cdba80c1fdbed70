"""'Did you mean' hints, shared by usage errors and unknown-field violations."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    """Choices that differ only in case come first: ``executionRoleARN`` is ``executionRoleArn``."""
    options = list(choices)
    same_case = [c for c in options if c.lower() == word.lower() and c != word]
    if same_case:
        return same_case[:limit]
    by_lower = {c.lower(): c for c in options}
    fuzzy = [by_lower[m] for m in difflib.get_close_matches(word.lower(), list(by_lower), n=limit, cutoff=0.6)]
    return list(dict.fromkeys(fuzzy))[:limit]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    matches = close_matches(word, choices)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(f"'{m}'" for m in matches) + "?)"
