"""Every broken variant of the emulator fails at least one MUST clause: one test per mutant, all killed."""

from __future__ import annotations

import pytest

from jobrun_contracts.conformance import Settings, all_clauses, emulator_target, run

from .mutants import MUTANTS


@pytest.mark.parametrize("name", list(MUTANTS))
def test_the_mutant_fails_a_must_clause(name: str) -> None:
    api, build = MUTANTS[name]
    emulator = build()
    clauses = all_clauses([api], level="MUST", examples=3)
    with emulator_target(emulator) as target:
        report = run(target, clauses, Settings(timeout=5))
    failed = [r.clause.node_id for r in report.must_failures]
    assert failed, f"no MUST clause caught the mutant '{name}'"


def test_the_unbroken_emulator_passes_every_must_clause_in_process() -> None:
    from jobrun_contracts.emulator import Emulator

    clauses = all_clauses(
        ["aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"], level="MUST", examples=3
    )
    with emulator_target(Emulator()) as target:
        report = run(target, clauses, Settings(timeout=5))
    assert [r.reason for r in report.must_failures] == []
