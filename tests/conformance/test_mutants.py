"""Every broken variant of the emulator fails at least one MUST clause; the kill rate is reported."""

from __future__ import annotations

import pytest

from jobrun_contracts.conformance import Settings, all_clauses, emulator_target, run

from .mutants import MUTANTS

_killed: dict[str, list[str]] = {}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_the_mutant_fails_a_must_clause(name: str) -> None:
    api, build = MUTANTS[name]
    emulator = build()
    clauses = all_clauses([api], level="MUST", examples=3)
    with emulator_target(emulator) as target:
        report = run(target, clauses, Settings(timeout=5))
    failed = [r.clause.node_id for r in report.must_failures]
    _killed[name] = failed
    assert failed, f"no MUST clause caught the mutant '{name}'"


def test_the_unbroken_emulator_passes_every_must_clause_in_process() -> None:
    from jobrun_contracts.emulator import Emulator

    clauses = all_clauses(
        ["aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"], level="MUST", examples=3
    )
    with emulator_target(Emulator()) as target:
        report = run(target, clauses, Settings(timeout=5))
    assert [r.reason for r in report.must_failures] == []


def test_kill_rate_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    if len(_killed) < len(MUTANTS):
        pytest.skip("runs after the mutants (not under -k or xdist splitting)")
    killed = sum(bool(clauses) for clauses in _killed.values())
    with capsys.disabled():
        print(f"\nmutation check: {killed}/{len(MUTANTS)} mutants killed")
        for name, clauses in _killed.items():
            print(f"  {name}: {len(clauses)} MUST clauses failed, e.g. {clauses[:2]}")
    assert killed == len(MUTANTS)
