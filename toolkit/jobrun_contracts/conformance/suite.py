"""Which clauses a run has: the contracts (shipped and the user's), every fixture's replay, the fuzzing clauses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..core.extras import require
from .clauses import Clause, Level, load_contracts


def all_clauses(
    apis: Sequence[str], *, level: Level = "SHOULD", extra_dirs: Iterable[str] = (), examples: int = 10
) -> list[Clause]:
    """The built-in and user clauses, then every fixture's replay, then the fuzzing clauses."""
    require("hypothesis", "conformance runs (they send generated requests)", "conform")
    from .replay import fixture_clauses, fuzz_clauses

    clauses = load_contracts(apis, extra_dirs, level)
    for api in apis:
        clauses += fixture_clauses(api)
        if examples > 0:
            clauses += fuzz_clauses(api, examples)
    return clauses
