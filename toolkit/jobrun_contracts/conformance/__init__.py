"""Conformance: clauses in, a report out. Contracts and their clauses, the suite a run has, the
runner, the expectations a step checks, fixture replay and fuzzing, the targets a run talks to,
the options that start a run (one table for the command line and the pytest plugin), the cleanup
of what a run made on its target, and the dry run that lists what a run would send.

    from jobrun_contracts.conformance import all_clauses, open_target, run
    report = run(open_target("builtin"), all_clauses(["aws-emr-serverless"]))

Names are imported on first use (PEP 562), as at the root: the pytest plugin reads the option
table at start-up in every session, and that must not load the runner and the validator.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # For type checkers only (``X as X`` is an explicit re-export under mypy --strict); keep in step with _WHERE.
    from ..wire.messages import HttpRequest as HttpRequest
    from ..wire.messages import HttpResponse as HttpResponse
    from .clauses import Clause as Clause
    from .clauses import Level as Level
    from .clauses import Scope as Scope
    from .clauses import load_contracts as load_contracts
    from .cleanup import Cleanup as Cleanup
    from .cleanup import clean_up as clean_up
    from .dry_run import Plan as Plan
    from .dry_run import dry_run as dry_run
    from .options import OPTIONS as OPTIONS
    from .options import Option as Option
    from .options import RunOptions as RunOptions
    from .options import Settings as Settings
    from .options import resolve as resolve
    from .runner import ClauseResult as ClauseResult
    from .runner import ClauseRun as ClauseRun
    from .runner import Exchange as Exchange
    from .runner import Report as Report
    from .runner import redact as redact
    from .runner import run as run
    from .suite import all_clauses as all_clauses
    from .targets import BuiltinTarget as BuiltinTarget
    from .targets import Created as Created
    from .targets import Credentials as Credentials
    from .targets import DryTarget as DryTarget
    from .targets import InProcessTarget as InProcessTarget
    from .targets import MotoTarget as MotoTarget
    from .targets import Target as Target
    from .targets import Unsupported as Unsupported
    from .targets import UrlTarget as UrlTarget
    from .targets import emulator_target as emulator_target
    from .targets import open_target as open_target

#: Where each public name lives (``__all__`` is derived from it).
_WHERE = {
    "..wire.messages": ("HttpRequest", "HttpResponse"),
    ".cleanup": ("Cleanup", "clean_up"),
    ".clauses": ("Clause", "Level", "Scope", "load_contracts"),
    ".dry_run": ("Plan", "dry_run"),
    ".options": ("OPTIONS", "Option", "RunOptions", "Settings", "resolve"),
    ".runner": ("ClauseResult", "ClauseRun", "Exchange", "Report", "redact", "run"),
    ".suite": ("all_clauses",),
    ".targets": (
        "BuiltinTarget",
        "Created",
        "Credentials",
        "DryTarget",
        "InProcessTarget",
        "MotoTarget",
        "Target",
        "Unsupported",
        "UrlTarget",
        "emulator_target",
        "open_target",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
