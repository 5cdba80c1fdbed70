"""pytest plugin: conformance clauses as test items, and fixtures for users' own tests.

Loaded through the ``pytest11`` entry point and inert unless ``--jobrun-target`` is given:
importing it costs this module alone, and it collects nothing. With the option, every clause
becomes an item with a readable id (``aws-emr-serverless::StartJobRun::idempotent-client-token``).
The options are ``conform``'s, from the one table in ``conformance.options``, each with the
``--jobrun-`` prefix; their values are checked at configure time, so that a bad one is a one-line
usage error rather than a traceback on every item. A failure ``--jobrun-baseline`` records is an
xfail (a known failure); a recorded clause that passes simply passes.
Under pytest-xdist every worker is its own session, so clauses spread over the workers and each
worker opens its own target (for ``builtin``, its own emulator) and cleans it up at the end; the
controller's terminal summary shows every worker's cleanup lines.
No secret reaches the output: a target URL with credentials is a usage error (shown without them),
and failure text passes through the runner's scrubber with every secret the target knows of and
every sensitive value (``x-sensitive``) the clause's requests and responses carried. A
target that answers nothing, several clauses in a row, ends the session with one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conformance import Clause, ClauseResult, RunOptions, Target
    from .conformance.runner import Health
    from .emulator import EmulatorServer

_PREFIX = "jobrun-"  # the plugin's options are conform's, each under this prefix: --jobrun-level
_RUN: pytest.StashKey[RunOptions] = pytest.StashKey()
_TARGET = pytest.StashKey["Target | None"]()
_HEALTH: pytest.StashKey[Health] = pytest.StashKey()
_CLEANUP: pytest.StashKey[list[str]] = pytest.StashKey()
_WORKER_CLEANUP = "jobrun_contracts_cleanup"  # the key of a worker's cleanup lines in xdist's workeroutput
_UNGUARD: pytest.StashKey[Callable[[], None]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    """conform's option table (conformance.options) as pytest options; pytest only collects the strings."""
    from .conformance import OPTIONS

    group = parser.getgroup("jobrun-contracts", "conformance of job-run API implementations")
    for option in OPTIONS:
        if option.cli_only:
            continue
        if option.flag:
            group.addoption(f"--{_PREFIX}{option.name}", action="store_true", default=option.default, help=option.help)
            continue
        default, help_text = option.default, option.help
        if option.name == "target":  # no default here: the option is what turns the plugin on
            default, help_text = None, f"{help_text} Turns the plugin on."
        elif option.shown_default is not None:
            help_text = f"{help_text} Default: {option.shown_default}."
        group.addoption(
            f"--{_PREFIX}{option.name}",
            action="append" if option.multiple else "store",
            default=list(default) if option.multiple else default,
            metavar=option.metavar,
            help=help_text,
        )
    guarding = parser.getgroup("jobrun-contracts-guard", "jobrun-contracts: check SDK calls before they are sent")
    guarding.addoption(
        "--jobrun-guard",
        action="store_true",
        default=None,
        help="Check the parameters of every job-run call made through a boto3 (emr-serverless, emr-containers) "
        "or Alibaba EMR Serverless Spark SDK client during the session before it is sent: a call that breaks a "
        "documented constraint raises jobrun_contracts.GuardError (for boto3 also a botocore "
        "ParamValidationError) and sends nothing. Ini: jobrun_guard.",
    )
    parser.addini("jobrun_guard", "as --jobrun-guard", type="bool", default=False)


def _dest(name: str) -> str:
    """Where argparse keeps ``--jobrun-clause-timeout``: ``jobrun_clause_timeout``."""
    return f"{_PREFIX}{name}".replace("-", "_")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "jobrun_contract: a conformance clause collected by jobrun-contracts")
    if not config.getoption(_dest("target")):
        return
    from .conformance import OPTIONS, resolve
    from .errors import JobrunContractsError

    values = {o.dest: config.getoption(_dest(o.name)) for o in OPTIONS if not o.cli_only}
    try:
        config.stash[_RUN] = resolve(values, prefix=_PREFIX)
    except JobrunContractsError as error:  # one line, as conform prints it, not a traceback
        raise pytest.UsageError(f"jobrun-contracts: {error}") from None


def pytest_sessionstart(session: pytest.Session) -> None:
    """``--jobrun-guard``: guard every SDK client created from here on (``guards.guard_everywhere``), so a
    team's existing tests surface bad job specs without code changes; undone at unconfigure.

    Clients made before the session starts (while an initial ``conftest.py`` is imported) are not guarded.
    """
    config = session.config
    if not (config.getoption("jobrun_guard") or config.getini("jobrun_guard")):
        return
    from .errors import JobrunContractsError
    from .guards import guard_everywhere

    try:
        config.stash[_UNGUARD] = guard_everywhere()
    except JobrunContractsError as error:
        raise pytest.UsageError(f"jobrun-contracts: --jobrun-guard: {error}") from None


#: The SDKs' own packages (top-level module names): their frames in a refused call's traceback
#: show the call's parameters; every ``alibabacloud_*`` package is the Alibaba SDK's too.
_SDK_PACKAGES = frozenset({"botocore", "boto3", "aiobotocore", "darabonba", "Tea"})
_GUARDS = "jobrun_contracts.guards"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A call a guard refused is shown without the SDK's frames and the guard's own after the test's.

    pytest's long tracebacks print each frame's arguments, and botocore's event frames (and the
    guard's, which ``--fulltrace`` shows) hold the call's parameters as given: sensitive values
    (entry points, their arguments, Spark parameters) the refusal itself hides. The test's own lines stay.
    """
    excinfo = call.excinfo
    if excinfo is not None and type(excinfo.value).__module__.startswith(_GUARDS):
        _unlink_sdk_frames(excinfo.tb)
        excinfo.traceback = type(excinfo.traceback)(excinfo.tb)  # pytest rebuilds from the raw chain
    report: Any = yield
    return report


def _unlink_sdk_frames(head: Any) -> None:
    """Take the SDKs' and the guard's frames out of a traceback chain (``tb_next`` is writable), the first kept:
    pytest's reports start from the raw chain, so a filtered copy would not be enough."""
    last, node = head, head.tb_next
    while node is not None:
        following = node.tb_next
        module = str(node.tb_frame.f_globals.get("__name__", ""))
        package = module.partition(".")[0]
        # the guard's own frames hold the whole input too, shown under --fulltrace (__tracebackhide__ off)
        guard = module.startswith(_GUARDS)
        if package not in _SDK_PACKAGES and not package.startswith("alibabacloud_") and not guard:
            last.tb_next = node
            last = node
        node = following
    last.tb_next = None


def pytest_unconfigure(config: pytest.Config) -> None:
    unguard = config.stash.get(_UNGUARD, None)
    if unguard is not None:
        unguard()
        del config.stash[_UNGUARD]


def pytest_report_header(config: pytest.Config) -> str | None:
    asked = config.stash.get(_RUN, None)
    if asked is None:
        return None
    return f"jobrun-contracts: target {asked.target}, {', '.join(asked.apis)}, level {asked.level}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = config.stash.get(_RUN, None)
    if asked is None:
        return
    from .errors import JobrunContractsError

    try:
        clauses = asked.clauses()
    except JobrunContractsError as error:
        raise pytest.UsageError(f"jobrun-contracts: {error}") from None
    items.extend(
        ClauseItem.from_parent(session, name=clause.node_id, nodeid=clause.node_id, clause=clause) for clause in clauses
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.stash.get(_TARGET, None)
    if target is not None:
        try:  # what the clauses made on the target, removed as conform removes it (--jobrun-keep keeps it)
            from .conformance import clean_up
            from .reports.cleanup import cleanup_lines

            lines = cleanup_lines(clean_up(target, session.config.stash[_RUN].settings))
            session.config.stash[_CLEANUP] = lines
            workeroutput = getattr(session.config, "workeroutput", None)  # an xdist worker prints no summary
            if workeroutput is not None:
                workeroutput[_WORKER_CLEANUP] = lines  # sent to the controller when this worker finishes
        finally:
            target.close()
            session.config.stash[_TARGET] = None


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: the controller, as each worker finishes
def pytest_testnodedown(node: Any, error: object) -> None:
    """Under xdist each worker cleans up its own target: its lines go to the controller's terminal summary."""
    lines = getattr(node, "workeroutput", {}).get(_WORKER_CLEANUP)
    if lines:
        node.config.stash.setdefault(_CLEANUP, []).extend(lines)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(_CLEANUP, []):  # each thing left is one line, with its id
        terminalreporter.write_line(f"jobrun-contracts: {line}")


def _session_target(config: pytest.Config) -> Target:
    target = config.stash.get(_TARGET, None)
    if target is None:
        target = config.stash[_RUN].open_target()
        config.stash[_TARGET] = target
    return target


class ClauseItem(pytest.Item):
    """One clause against the session's target."""

    def __init__(self, *, clause: Clause, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clause = clause
        self.add_marker(pytest.mark.jobrun_contract)
        self.result: ClauseResult | None = None
        self._secrets: list[str] = []  # the clause's sensitive values (and the target's secrets), never shown

    def runtest(self) -> None:
        from .conformance import ClauseRun
        from .conformance.runner import Health
        from .errors import ContractFailure, TargetError, UsageError

        config = self.config
        settings = config.stash[_RUN].settings
        try:
            target = _session_target(config)
        except TargetError as error:  # opening it again for every item would say nothing more
            pytest.exit(f"jobrun-contracts: cannot open the target: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
        except UsageError as error:  # e.g. moto not installed: one line for the session, not one per item
            pytest.exit(f"jobrun-contracts: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
        runner = ClauseRun(self.clause, target, settings)
        try:
            self.result = runner.run()
        finally:
            self._secrets = runner.secrets()
        health = config.stash.setdefault(_HEALTH, Health(settings.dead_after))
        down = health.after(runner)
        if down:  # waiting out the timeout on every remaining item would say nothing more
            pytest.exit(f"jobrun-contracts: {down}", returncode=pytest.ExitCode.INTERRUPTED)
        if self.result.outcome == "skipped":
            pytest.skip(self.result.reason)
        if self.result.outcome == "failed":
            baseline = config.stash[_RUN].baseline
            if baseline is not None and baseline.mark(self.result):  # --jobrun-baseline records it: known
                pytest.xfail(f"known failure (baseline {baseline.path}): {self.result.reason}")
            raise ContractFailure(self.clause.node_id, self.result.reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from .errors import ContractFailure

        if not isinstance(excinfo.value, ContractFailure):
            return self._scrubbed(str(super().repr_failure(excinfo, style)))
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
        return self._scrubbed("\n".join(lines))

    def _scrubbed(self, text: str) -> str:
        """Failure text with every secret the session's target knows of, and every sensitive value the
        clause carried, replaced (and what looks like a secret)."""
        from .conformance.runner import scrub

        target = self.config.stash.get(_TARGET, None)
        return scrub(text, [*(target.secrets() if target is not None else ()), *self._secrets])

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.clause.origin, None, self.clause.node_id


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
    if _RUN in pytestconfig.stash:
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
