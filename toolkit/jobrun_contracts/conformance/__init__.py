"""Conformance: clauses in, a report out. Contracts and their clauses, the suite a run has, the
runner, the expectations a step checks, fixture replay and fuzzing, and the targets a run talks to.

    from jobrun_contracts.conformance import all_clauses, open_target, run
    report = run(open_target("builtin"), all_clauses(["aws-emr-serverless"]))
"""

from ..wire.messages import HttpRequest, HttpResponse
from .clauses import Clause, Level, Scope, load_contracts
from .runner import ClauseResult, ClauseRun, Exchange, Report, Settings, redact, run
from .suite import all_clauses
from .targets import (
    BuiltinTarget,
    Credentials,
    InProcessTarget,
    MotoTarget,
    Target,
    Unsupported,
    UrlTarget,
    emulator_target,
    open_target,
)

__all__ = [
    "BuiltinTarget",
    "Clause",
    "ClauseResult",
    "ClauseRun",
    "Credentials",
    "Exchange",
    "HttpRequest",
    "HttpResponse",
    "InProcessTarget",
    "Level",
    "MotoTarget",
    "Report",
    "Scope",
    "Settings",
    "Target",
    "Unsupported",
    "UrlTarget",
    "all_clauses",
    "emulator_target",
    "load_contracts",
    "open_target",
    "redact",
    "run",
]
