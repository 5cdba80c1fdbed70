"""The options of a conformance run, stated once, so the two ways of starting one cannot drift apart.

``jobrun-contracts conform`` builds its click options from :data:`OPTIONS` and the pytest plugin
its ``--jobrun-`` options; each hands back the raw values and :func:`resolve` parses and checks
them, so a name, a default, a help text or a rule (``--container API=ID``) is written here only.
No click and no pytest here: each front end adapts the table to its own library. :class:`Settings`
lives here too, so the defaults of the options that fill it are its own. This module is cheap to
import (no validator, no runner): pytest imports it at start-up in every session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..core import registry
from ..errors import UsageError

if TYPE_CHECKING:
    from .baseline import Baseline
    from .clauses import Clause, Level
    from .targets import Target


@dataclass(frozen=True)
class Settings:
    """How each clause is run; the defaults here are the defaults of ``--timeout`` and its siblings."""

    timeout: float = 10.0  # seconds for one request
    clause_timeout: float = 120.0  # seconds of wall time for one clause
    poll_limit: float = 60.0  # --wait: wall seconds an "eventually" may wait on a target that cannot advance time
    seed: int = 0
    run_timeout: float | None = None  # wall seconds for the whole run; clauses not started by then fail
    max_body: int = 2 * 1024 * 1024  # bytes of a response body that are judged; a larger one fails unjudged
    max_values: int = 100_000  # values (objects, arrays, scalars) in a judged body; more fail unjudged
    dead_after: int = 3  # clauses in a row that got no answer at all: the target is down and the run stops
    keep: bool = False  # --keep: leave what the run made on the target (the report lists it)
    cleanup_timeout: float = 300.0  # wall seconds for removing what the run made (conformance.cleanup)


#: Turns one value as typed (a string) into what a run takes; ``flag`` is how the user spelled the option.
Convert = Callable[[str, str], Any]


@dataclass(frozen=True)
class Option:
    """One option of a conformance run, as both front ends offer it."""

    name: str  # the flag without its dashes: ``--clause-timeout`` (``--jobrun-clause-timeout`` in pytest)
    help: str
    convert: Convert
    default: Any = None
    metavar: str | None = None
    multiple: bool = False  # repeatable; the values come back as a tuple, () when none was given
    cli_only: bool = False  # meaningless for pytest items, so the plugin does not offer it
    flag: bool = False  # takes no value: given or not (``convert`` is not used)

    @property
    def dest(self) -> str:
        """The Python name of the value: ``clause_timeout``."""
        return self.name.replace("-", "_")

    @property
    def shown_default(self) -> str | None:
        """The default as both front ends' help shows it (None: none is shown): ``60``, not ``60.0``."""
        if self.default in (None, ()):
            return None
        if isinstance(self.default, float) and self.default.is_integer():
            return str(int(self.default))
        return str(self.default)

    def parse(self, raw: Any, flag: str) -> Any:
        """The value given (a string, a list of strings for a repeatable option) or, for None, the default."""
        if raw is None:
            return self.default
        if self.flag:
            return bool(raw)
        if self.multiple:
            return tuple(self.convert(str(item), flag) for item in raw)
        return self.convert(str(raw), flag)


def _text(what: str) -> Convert:
    def convert(raw: str, flag: str) -> str:
        if not raw.strip():
            raise UsageError(f"{flag} takes {what}, not an empty value")
        return raw

    return convert


def _target(raw: str, flag: str) -> str:
    if raw in ("builtin", "moto"):
        return raw
    if raw.startswith(("http://", "https://")):
        from ..transports.http import shown_url, split_userinfo  # stdlib only; imported when a URL is given

        if split_userinfo(raw)[1] is not None:  # never echo them: a secret may hold any character
            raise UsageError(
                f"{flag} {shown_url(raw)}: put no credentials in the target URL; AWS credentials come from "
                "botocore's chain (AWS_ACCESS_KEY_ID, AWS_PROFILE...), Alibaba's from ALIBABA_CLOUD_ACCESS_KEY_ID, "
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN"
            )
        return raw
    from ..transports.http import shown_url

    raise UsageError(f"unknown target '{shown_url(raw)}' for {flag}: give builtin, moto or an http(s):// URL")


def _choice(choices: tuple[str, ...]) -> Convert:
    def convert(raw: str, flag: str) -> str:
        if raw not in choices:
            listed = ", ".join(choices[:-1]) + " or " + choices[-1]
            raise UsageError(f"{flag} takes {listed}, not '{raw}'")
        return raw

    return convert


_DAY = 86_400.0  # the longest a time limit may be: inf or 1e300 would overflow the timers


def _number(kind: type[int] | type[float], what: str, low: float, high: float = float("inf")) -> Convert:
    bounds = f"from {low:g} to {high:g}" if high != float("inf") else f"of at least {low:g}"

    def convert(raw: str, flag: str) -> int | float:
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:  # also refuses nan
            raise UsageError(f"{flag} takes {what} {bounds}, not '{raw}'")
        return value

    return convert


_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(raw: str, flag: str) -> float:
    """Seconds, or a number with ``s``, ``m`` or ``h``: ``90``, ``90s``, ``15m``, ``1.5h``."""
    text = raw.strip().lower()
    unit = text[-1:] if text[-1:] in ("s", "m", "h") else ""
    try:
        seconds = float(text[: len(text) - len(unit)]) * _UNITS[unit]
    except ValueError:
        seconds = float("nan")
    if not 1 <= seconds <= _DAY:  # also refuses nan
        raise UsageError(f"{flag} takes a duration from 1 s to 24 h (90, 90s, 15m, 1h), not '{raw}'")
    return seconds


def _baseline(raw: str, flag: str) -> Baseline:
    """The baseline file, read and checked now: a malformed one is refused before anything runs."""
    from .baseline import load  # json and re only

    return load(_text("a baseline file")(raw, flag), flag)


def _container(raw: str, flag: str) -> tuple[str, str]:
    api, sep, container = raw.partition("=")
    if not sep or api not in registry.APIS or not container:
        raise UsageError(f"{flag} takes API=ID with a known API, not '{raw}'")
    return api, container


_LEVELS: tuple[Level, ...] = ("MUST", "SHOULD")  # clauses.LEVELS, which is not cheap to import
_SETTINGS = Settings()

#: Every option, in the order the help lists them. The level default is MUST in both front ends:
#: docs/contracts.md says why.
OPTIONS: tuple[Option, ...] = (
    Option(
        "target",
        help="builtin, moto, or an http(s):// base URL (without credentials: those come from the environment).",
        convert=_target,
        default="builtin",
        metavar="builtin|moto|URL",
    ),
    Option(
        "api",
        help="Check only this API (repeatable): " + ", ".join(registry.APIS) + ".",
        convert=_choice(registry.APIS),
        default=(),
        metavar="API",
        multiple=True,
    ),
    Option(
        "level",
        help="MUST: documented behaviour only; SHOULD adds the observed behaviour clauses.",
        convert=_choice(_LEVELS),
        default="MUST",
        metavar="|".join(_LEVELS),
    ),
    Option(
        "contracts",
        help="A directory of more contract files (repeatable).",
        convert=_text("a directory"),
        default=(),
        metavar="DIR",
        multiple=True,
    ),
    Option(
        "examples",
        help="Generated requests per fuzzing clause (0: none).",
        convert=_number(int, "a whole number", 0, 10_000),
        default=10,
        metavar="N",
    ),
    Option(
        "seed",
        help="Seed for generated requests.",
        convert=_number(int, "a whole number", 0),
        default=_SETTINGS.seed,
        metavar="N",
    ),
    Option(
        "container",
        help="Use this existing container for API (repeatable).",
        convert=_container,
        default=(),
        metavar="API=ID",
        multiple=True,
    ),
    Option(
        "region",
        help="AWS region for signing (URL targets).",
        convert=_text("a region name"),
        default="us-east-1",
        metavar="REGION",
    ),
    Option(
        "timeout",
        help="Seconds per request.",
        convert=_number(float, "seconds", 0.1, _DAY),
        default=_SETTINGS.timeout,
        metavar="SECONDS",
    ),
    Option(
        "clause-timeout",
        help="Seconds per clause.",
        convert=_number(float, "seconds", 1, _DAY),
        default=_SETTINGS.clause_timeout,
        metavar="SECONDS",
    ),
    Option(
        "wait",
        help="How long an 'eventually' step (a run reaching a state) may wait in real time on a target whose "
        "clock cannot be advanced (a URL): a clause that allows longer is skipped, so give the time a real "
        "service needs (--wait 1h) to check the run lifecycles. A step ends as soon as the state is reached; "
        "each clause's time limit grows by what its steps may wait. 90, 90s, 15m, 1h.",
        convert=_duration,
        default=_SETTINGS.poll_limit,
        metavar="DURATION",
    ),
    Option(
        "run-timeout",
        help="Seconds for the whole run; later clauses fail as not run.",
        convert=_number(float, "seconds", 1, _DAY),
        default=_SETTINGS.run_timeout,
        metavar="SECONDS",
        cli_only=True,  # pytest runs clause by clause, so there is no run for it to bound
    ),
    Option(
        "baseline",
        help="Failures recorded in this baseline file (see --write-baseline) are reported as known, not failed: "
        "only a MUST failure it does not record fails the run. A recorded clause that passes is reported as fixed.",
        convert=_baseline,
        metavar="FILE",
    ),
    Option(
        "write-baseline",
        help="Write the clauses that failed (known ones too) to FILE, a baseline for --baseline. An existing "
        "FILE keeps the entries of the clauses this run did not decide (another --api's, skipped ones).",
        convert=_text("a file"),
        metavar="FILE",
        cli_only=True,  # under xdist no one process sees every item's outcome
    ),
    Option(
        "keep",
        help="Leave what the run created on the target (the report lists each id); by default it is removed "
        "at the end: runs cancelled, job templates deleted, the application or virtual cluster it created deleted.",
        convert=_text("nothing"),
        default=False,
        flag=True,
    ),
    Option(
        "cleanup-timeout",
        help="Seconds for removing what the run created, at the end (stopping an application takes a while).",
        convert=_number(float, "seconds", 1, _DAY),
        default=_SETTINGS.cleanup_timeout,
        metavar="SECONDS",
    ),
    Option(
        "dry-run",
        help="Print the requests the run would send, redacted, and send none (nothing is created); exit 0.",
        convert=_text("nothing"),
        default=False,
        flag=True,
        cli_only=True,  # pytest items are run, not listed
    ),
)


@dataclass(frozen=True)
class RunOptions:
    """A conformance run as the options ask for it: what to open, which clauses, how to run them."""

    target: str
    apis: tuple[str, ...]  # every API when none was chosen
    level: Level
    contract_dirs: tuple[str, ...]
    examples: int
    containers: Mapping[str, str]
    region: str
    settings: Settings
    baseline: Baseline | None = None  # --baseline, read
    write_baseline: str | None = None  # --write-baseline
    dry_run: bool = False  # --dry-run: list the requests, send none

    def clauses(self) -> list[Clause]:
        from .suite import all_clauses

        return all_clauses(list(self.apis), level=self.level, extra_dirs=self.contract_dirs, examples=self.examples)

    def open_target(self) -> Target:
        from .targets import open_target

        return open_target(
            self.target, self.apis, dry=self.dry_run, containers=dict(self.containers), region=self.region
        )


def resolve(values: Mapping[str, Any], *, prefix: str = "") -> RunOptions:
    """The run that ``values`` (raw, by :attr:`Option.dest`; absent or None: the default) ask for.

    A bad value is a :class:`UsageError` naming the option as the user spelled it, ``--{prefix}{name}``.
    """
    given = {o.dest: o.parse(values.get(o.dest), f"--{prefix}{o.name}") for o in OPTIONS}
    apis = tuple(dict.fromkeys(given["api"])) or registry.APIS
    settings = Settings(
        timeout=given["timeout"],
        clause_timeout=given["clause_timeout"],
        seed=given["seed"],
        run_timeout=given["run_timeout"],
        poll_limit=given["wait"],
        keep=given["keep"],
        cleanup_timeout=given["cleanup_timeout"],
    )
    return RunOptions(
        target=given["target"],
        apis=apis,
        level=cast("Level", given["level"]),
        contract_dirs=given["contracts"],
        examples=given["examples"],
        containers=dict(given["container"]),
        region=given["region"],
        settings=settings,
        baseline=given["baseline"],
        write_baseline=given["write_baseline"],
        dry_run=given["dry_run"],
    )


__all__ = ["OPTIONS", "Option", "RunOptions", "Settings", "resolve"]
