"""pytest plugin: conformance clauses as test items, and fixtures for users' own tests.

Loaded through the ``pytest11`` entry point and inert unless ``--jobrun-target`` is given:
importing it costs this module alone, and it collects nothing. With the option, every clause
becomes an item with a readable id (``aws-emr-serverless::StartJobRun::idempotent-client-token``).
Under pytest-xdist every worker is its own session, so clauses spread over the workers and each
worker opens its own target (for ``builtin``, its own emulator).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conformance import Clause, ClauseResult, Target
    from .emulator import EmulatorServer

_TARGET = pytest.StashKey["Target | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jobrun-contracts", "conformance of job-run API implementations")
    group.addoption("--jobrun-target", help="builtin, moto, or an http(s):// base URL; turns the plugin on.")
    group.addoption("--jobrun-api", action="append", default=[], help="Check only this API (repeatable).")
    group.addoption("--jobrun-contracts", action="append", default=[], metavar="DIR", help="More contract files.")
    group.addoption(
        "--jobrun-level", choices=("MUST", "SHOULD"), default="MUST", help="SHOULD adds observed behaviour."
    )
    group.addoption("--jobrun-examples", type=int, default=10, help="Generated requests per fuzzing clause (0: none).")
    group.addoption("--jobrun-seed", type=int, default=0, help="Seed for generated requests.")
    group.addoption(
        "--jobrun-container", action="append", default=[], metavar="API=ID", help="Use this container (repeatable)."
    )
    group.addoption("--jobrun-region", default="us-east-1", help="AWS region for signing (URL targets).")
    group.addoption("--jobrun-timeout", type=float, default=10.0, help="Seconds per request.")


def _option(config: pytest.Config, name: str) -> Any:
    return config.getoption(f"jobrun_{name}")


def pytest_report_header(config: pytest.Config) -> str | None:
    target = _option(config, "target")
    if not target:
        return None
    apis = ", ".join(_option(config, "api")) or "all APIs"
    return f"jobrun-contracts: target {target}, {apis}, level {_option(config, 'level')}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _option(config, "target"):
        return
    from .conformance import all_clauses
    from .core import registry
    from .errors import JobrunContractsError

    apis = _option(config, "api") or list(registry.APIS)
    try:
        clauses = all_clauses(
            apis,
            level=_option(config, "level"),
            extra_dirs=_option(config, "contracts"),
            examples=_option(config, "examples"),
        )
    except JobrunContractsError as error:
        raise pytest.UsageError(f"jobrun-contracts: {error}") from None
    items.extend(
        ClauseItem.from_parent(session, name=clause.node_id, nodeid=clause.node_id, clause=clause) for clause in clauses
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.stash.get(_TARGET, None)
    if target is not None:
        target.close()
        session.config.stash[_TARGET] = None


def _session_target(config: pytest.Config) -> Target:
    target = config.stash.get(_TARGET, None)
    if target is None:
        from .conformance import open_target

        containers = {}
        for pair in _option(config, "container"):
            api, _, container = pair.partition("=")
            containers[api] = container
        from .core.registry import APIS

        target = open_target(
            _option(config, "target"),
            _option(config, "api") or APIS,
            containers=containers,
            region=_option(config, "region"),
        )
        config.stash[_TARGET] = target
    return target


class ClauseItem(pytest.Item):
    """One clause against the session's target."""

    def __init__(self, *, clause: Clause, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clause = clause
        self.add_marker(pytest.mark.jobrun_contract)
        self.result: ClauseResult | None = None

    def runtest(self) -> None:
        from .conformance import ClauseRun, Settings
        from .errors import ContractFailure, TargetError

        config = self.config
        settings = Settings(timeout=_option(config, "timeout"), seed=_option(config, "seed"))
        try:
            target = _session_target(config)
        except TargetError as error:
            raise ContractFailure(self.clause.node_id, f"cannot open the target: {error}") from None
        self.result = ClauseRun(self.clause, target, settings).run()
        if self.result.outcome == "skipped":
            pytest.skip(self.result.reason)
        if self.result.outcome == "failed":
            raise ContractFailure(self.clause.node_id, self.result.reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from .errors import ContractFailure

        if not isinstance(excinfo.value, ContractFailure):
            return str(super().repr_failure(excinfo, style))
        clause = self.clause
        lines = [
            f"{clause.level} clause {clause.node_id} failed: {excinfo.value.reason}",
            f"  {clause.summary}",
            f"  source: {clause.source}",
            f"  defined in: {clause.origin}",
        ]
        if self.result is not None and self.result.exchanges:
            lines.append("  last exchanges (credentials and signatures redacted):")
            lines += ["    " + line for line in self.result.evidence().splitlines()]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.clause.origin, None, self.clause.node_id


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "jobrun_contract: a conformance clause collected by jobrun-contracts")


# -- fixtures for users' own tests --------------------------------------------------------------


@pytest.fixture(scope="session")
def jobrun_emulator_session() -> Iterator[EmulatorServer]:
    """One emulator on a free loopback port for the whole session (per xdist worker)."""
    from .emulator import Emulator, EmulatorServer

    with EmulatorServer(Emulator()) as server:
        yield server


@pytest.fixture
def jobrun_emulator(jobrun_emulator_session: EmulatorServer) -> EmulatorServer:
    """The session's emulator, reset for this test: ``.url``, ``.defaults``, ``.advance()``, ``.fail()``."""
    jobrun_emulator_session.reset()
    return jobrun_emulator_session


@pytest.fixture(scope="session")
def jobrun_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The ``--jobrun-target`` of this run, or the built-in emulator when none is given."""
    if _option(pytestconfig, "target"):
        yield _session_target(pytestconfig)
        return
    from .conformance import BuiltinTarget

    with BuiltinTarget() as target:
        yield target


@pytest.fixture(scope="session")
def jobrun_validator() -> Any:
    """:func:`jobrun_contracts.validate`: ``jobrun_validator(spec, api, operation) -> list[Violation]``."""
    from .core.validation import validate

    return validate
