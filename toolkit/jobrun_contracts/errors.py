"""Every error jobrun-contracts raises, so callers catch one base class and CLIs map each to an exit code.

::

    JobrunContractsError
    ├── UsageError        bad flag, unknown API or operation     exit 2
    │   └── MissingExtra  also ImportError; .extra to install
    ├── InputError        unreadable, malformed, too big or deep  exit 2
    ├── SchemaError       a packaged schema is broken            exit 2
    ├── TargetError       unreachable, cannot be prepared         exit 2
    ├── ValidationFailed  .violations (in core.validation)       exit 1
    └── ContractFailure   also AssertionError; .clause, .reason   exit 1
"""

from __future__ import annotations


class JobrunContractsError(Exception):
    """Base class: the CLI turns any of these into one line and an exit code, never a traceback."""

    exit_code = 2


class UsageError(JobrunContractsError):
    """The caller asked for something that does not exist (an API, an operation, a format)."""


class MissingExtra(UsageError, ImportError):
    """A feature needs an optional dependency that is not installed; ``extra`` names what to install.

    An ImportError too, so code that guards an optional import keeps working.
    """

    def __init__(self, feature: str, module: str, extra: str) -> None:
        self.feature, self.extra = feature, extra
        super().__init__(f"{feature} needs {module}, which is not installed: pip install 'jobrun-contracts[{extra}]'")
        self.name = module


class InputError(JobrunContractsError):
    """A document could not be read as data: its bytes, syntax, size or depth."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path, self.line = path, line
        where = path or ""
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class SchemaError(JobrunContractsError):
    """A schema shipped with the package does not load or compile: a bug in the package."""


class TargetError(JobrunContractsError):
    """The implementation under test cannot be reached or prepared (not a conformance finding)."""


class ContractFailure(JobrunContractsError, AssertionError):
    """A clause did not hold; an AssertionError too, so pytest reports it as a failed test."""

    exit_code = 1

    def __init__(self, clause: str, reason: str) -> None:
        self.clause, self.reason = clause, reason
        super().__init__(f"{clause}: {reason}")
