"""Hypothesis strategies for the job-run APIs, derived from the schemas.

``requests`` and ``responses`` draw valid values; ``invalid_requests`` draws values that break
exactly one documented constraint, with the pointer and keyword the validator must report;
``template_run_requests`` draws EMR on EKS StartJobRun requests that run from a given job template.
They are ordinary strategies: compose them, use them under ``@given``, seed them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from .core.extras import missing

try:
    from hypothesis.strategies import SearchStrategy
except ImportError:
    raise missing("hypothesis", "generating requests and responses (jobrun_contracts.strategies)") from None

from .core import registry
from .core.validation import validator_for
from .generation.compiler import SchemaCompiler
from .generation.consistency import fixer
from .generation.realistic import USUAL, providers

__all__ = ["draw_into", "examples", "invalid_requests", "requests", "responses", "template_run_requests"]


@cache
def requests(
    api: str, operation: str = "StartJobRun", *, wire: bool = False, realistic: bool = True
) -> SearchStrategy[dict[str, Any]]:
    """Valid operation inputs; ``wire=True`` always carries the idempotency token."""
    registry.operation(api, operation)
    provider = providers(api).get if realistic else None
    usual = USUAL if realistic else frozenset()
    return SchemaCompiler(api, "request", wire=wire, provider=provider, usual=usual).root(operation)


@cache
def responses(api: str, operation: str = "StartJobRun", *, realistic: bool = True) -> SearchStrategy[dict[str, Any]]:
    """Valid responses, consistent within themselves (ARNs match ids, times are ordered)."""
    registry.operation(api, operation)
    provider = providers(api).get if realistic else None
    usual = USUAL if realistic else frozenset()
    raw = SchemaCompiler(api, "response", wire=False, provider=provider, usual=usual).root(operation)
    check = validator_for(api, operation, "response", strict=True)
    return raw.map(fixer(api, operation)).filter(check.is_valid)


def template_run_requests(
    template: Mapping[str, Any],
    template_id: str | None = None,
    *,
    virtual_cluster_id: str | None = None,
    wire: bool = False,
) -> SearchStrategy[dict[str, Any]]:
    """EMR on EKS StartJobRun requests that run from ``template`` (a CreateJobTemplate input, a
    DescribeJobTemplate output, or its ``jobTemplateData``): they name ``template_id`` (drawn when not
    given), give every required parameter and values that fit where the template uses them, and
    nothing the template holds; the job-template rules accept each one (``core.job_templates.merge``)."""
    from .generation.template_runs import template_run_requests as build

    return build(template, template_id, virtual_cluster_id=virtual_cluster_id, wire=wire)


def examples(strategy: SearchStrategy[Any], count: int, seed: int = 0) -> list[Any]:
    """``count`` values drawn from ``strategy``, the same ones for the same seed (and Hypothesis)."""
    found: list[Any] = []
    draw_into(found.append, strategy, count, seed)
    return found


#: Values drawn per Hypothesis run: each run keeps a record of what it drew, so a long stream is
#: drawn in runs of this size and each run's record is dropped before the next.
BATCH = 1000


def draw_into(sink: Callable[[Any], None], strategy: SearchStrategy[Any], count: int, seed: int = 0) -> int:
    """Hand ``count`` drawn values to ``sink`` as they are drawn; memory stays flat for any count.

    Returns how many were drawn (fewer only when the strategy keeps failing to produce values).
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    state = {"drawn": 0, "stop": 0}  # what the run's callback reads: not loop variables
    round_ = misses = 0
    while state["drawn"] < count and misses < 100:
        before = state["drawn"]
        state["stop"] = min(count, before + BATCH)

        @settings(
            database=None,
            max_examples=state["stop"] - before,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @seeded(seed * 2**32 + round_)
        @given(strategy)
        def collect(value: Any) -> None:
            if state["drawn"] < state["stop"]:
                sink(value)
                state["drawn"] += 1

        collect()
        round_ += 1
        misses = misses + 1 if state["drawn"] == before else 0
    return state["drawn"]


def invalid_requests(
    api: str, operation: str = "StartJobRun", *, wire: bool = False
) -> SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    """Pairs ``(instance, expected)``: the instance breaks exactly one constraint, named by
    ``expected = {"pointer": ..., "keyword": ...}``."""
    from .generation.invalid import invalid_requests as build

    strategy: SearchStrategy[tuple[dict[str, Any], dict[str, str]]] = build(api, operation, wire=wire)
    return strategy
