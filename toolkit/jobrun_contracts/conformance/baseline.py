"""Known failures: a baseline file, so a team can adopt ``conform`` on an implementation that does not
conform yet and still catch regressions.

``--write-baseline FILE`` records a run's failed clauses; ``--baseline FILE`` reports a failure it
records as ``known``, not ``failed``, so only a new failure fails the run, and names each recorded
clause that now passes as ``fixed`` (the baseline can be tightened).

A failure is "the same" when it is the same clause: its API, operation and clause id. The reason is
recorded too, normalised (see :func:`normalise`), and a known failure whose reason has changed says
so, but is still known: a reason quotes what the target answered, which moves with every release
of it, and a baseline that broke on a reworded message would be rewritten by reflex and catch
nothing. The file is small, sorted JSON, meant to be committed and reviewed::

    {"baseline": "jobrun-contracts conform", "version": 1,
     "failures": [{"api": "...", "operation": "...", "clause": "...", "level": "MUST", "reason": "..."}]}
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import registry
from ..errors import InputError, UsageError

if TYPE_CHECKING:
    from .runner import ClauseResult, Report

VERSION = 1
_KIND = "jobrun-contracts conform"
_LARGEST = 16 * 1024 * 1024  # bytes: a baseline is a list of clause ids, not a data set
_REASON_LIMIT = 400  # characters of a normalised reason kept in the file
_NOT_RUN = "not run: "  # how the runner words a clause the run's time limit kept from starting: not a finding

_SURROGATE = re.compile("[\ud800-\udfff]")

# What moves from run to run in a reason, replaced so that the same failure reads the same.
_VOLATILE = (
    # timestamps: ISO 8601 (2024-05-01T12:00:00.123Z) and the HTTP date format
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"), "<time>"),
    # a port: loopback servers take a new one each run
    (
        re.compile(
            r"(?<![\w.-])((?:\d{1,3}\.){3}\d{1,3}|localhost|\[[0-9A-Fa-f:]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):\d{1,5}\b"
        ),
        r"\1:<port>",
    ),
    # ids, tokens, epoch seconds, account numbers: 8 characters or more with a digit among them
    (re.compile(r"(?<![\w<-])(?=[\w-]*\d)[A-Za-z0-9_-]{8,}(?![\w>])"), "<id>"),
    # fractions of a second (a measured duration)
    (re.compile(r"\b\d+\.\d+(?= ?(?:s|ms|seconds)\b)"), "<n>"),
)


def normalise(reason: str) -> str:
    """A failure's reason without what changes between two runs of the same failure: timestamps, ports,
    ids and tokens (8 characters or more with a digit), measured durations; spaces collapsed."""
    text = _SURROGATE.sub("\ufffd", " ".join(reason.split()))  # a lone surrogate cannot be written as UTF-8
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Entry:
    """One recorded failure: which clause, and (for a reader and to tell a changed reason) why."""

    api: str
    operation: str
    clause: str
    level: str = ""
    reason: str | None = None  # normalised; None: any reason

    @property
    def key(self) -> str:
        """The clause's node id, ``api::Operation::clause-id``: what a failure is matched by."""
        return f"{self.api}::{self.operation}::{self.clause}"


@dataclass(frozen=True)
class Known:
    """What a known failure's baseline entry says: the reason it recorded, and whether the reason now differs."""

    recorded: str | None
    changed: bool


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: Mapping[str, Entry]  # by key

    def apply(self, report: Report) -> None:
        """Turn the report's recorded failures into ``known`` ones, and list the recorded clauses that passed
        in :attr:`Report.fixed`. A clause the run skipped, or did not have, is neither."""
        report.baseline = self.path
        report.fixed = []
        for result in report.results:
            entry = self.entries.get(result.clause.node_id)
            if entry is None:
                continue
            if result.outcome == "failed":
                self.mark(result)
            elif result.outcome == "passed":
                report.fixed.append(entry.key)

    def mark(self, result: ClauseResult) -> bool:
        """Make one failed result ``known`` if the baseline records its clause; whether it did."""
        entry = self.entries.get(result.clause.node_id)
        if entry is None or result.outcome != "failed":
            return False
        changed = entry.reason is not None and normalise(result.reason) != entry.reason
        result.outcome = "known"
        result.known = Known(entry.reason, changed)
        return True


def load(path: str, flag: str = "--baseline") -> Baseline:
    """A baseline file, checked; anything wrong with it is one :class:`InputError` (or :class:`UsageError`
    for a missing file) naming the file and, for JSON that does not parse, the line."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{flag} {path}: no such file" if not file.exists() else f"{flag} {path}: not a file")
    try:
        size = file.stat().st_size
        if size > _LARGEST:
            raise InputError(f"{size} bytes is more than a baseline holds ({_LARGEST})", path=path)
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=path) from None
    except OSError as error:
        raise InputError(f"cannot be read: {error.strerror or error}", path=path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg}", path=path, line=error.lineno) from None
    except RecursionError:
        raise InputError("not JSON: nested too deeply", path=path) from None
    return Baseline(path, _entries(data, path))


def _entries(data: Any, path: str) -> dict[str, Entry]:
    if not isinstance(data, dict) or data.get("baseline") != _KIND:
        raise InputError(f'not a baseline: a JSON object with "baseline": "{_KIND}" expected', path=path)
    version = data.get("version")
    if version != VERSION:
        raise InputError(f"baseline version {json.dumps(version)} is not one this version reads ({VERSION})", path=path)
    failures = data.get("failures")
    if not isinstance(failures, list):
        raise InputError('"failures" must be a list', path=path)
    entries: dict[str, Entry] = {}
    for index, item in enumerate(failures):
        where = f"failures[{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} must be an object", path=path)
        for name in ("api", "operation", "clause"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise InputError(f"{where}.{name} must be a non-empty string", path=path)
        if item["api"] not in registry.APIS:
            raise InputError(f"{where}.api: unknown API {json.dumps(item['api'])}", path=path)
        reason, level = item.get("reason"), item.get("level", "")
        if reason is not None and not isinstance(reason, str):
            raise InputError(f"{where}.reason must be a string or null", path=path)
        if not isinstance(level, str):
            raise InputError(f"{where}.level must be a string", path=path)
        entry = Entry(item["api"], item["operation"], item["clause"], level, reason)
        entries[entry.key] = entry
    return entries


def entries_of(results: Iterable[ClauseResult]) -> list[Entry]:
    """The failed and known clauses of a run, as baseline entries, in a stable order (a clause not run
    because the run's time limit was reached is not a finding, and is left out)."""
    found = {
        r.clause.node_id: Entry(r.clause.api, r.clause.operation, r.clause.id, r.clause.level, normalise(r.reason))
        for r in results
        if r.outcome in ("failed", "known") and not r.reason.startswith(_NOT_RUN)
    }
    return [found[key] for key in sorted(found)]


def render(entries: Iterable[Entry]) -> str:
    """A baseline file's text: one failure a line, so that a diff of two shows which clauses changed."""
    lines = [
        json.dumps(
            {"api": e.api, "operation": e.operation, "clause": e.clause, "level": e.level, "reason": e.reason},
            ensure_ascii=False,
        )
        for e in entries
    ]
    body = ",\n    ".join(lines)
    failures = f"[\n    {body}\n  ]" if lines else "[]"
    return f'{{\n  "baseline": "{_KIND}",\n  "version": {VERSION},\n  "failures": {failures}\n}}\n'


def write(path: str, results: Iterable[ClauseResult], previous: Baseline | None = None) -> int:
    """Write the run's failures as a baseline (whole or not at all: a temporary file, then renamed); how many.

    ``previous`` (the file as it was) keeps the entries of the clauses this run did not decide: another
    ``--api``'s, a skipped clause's, one the run's time limit kept from starting. So one baseline can be
    written API by API, and a narrower run does not forget the rest.
    """
    results = list(results)
    entries = entries_of(results)
    if previous is not None:
        decided = {r.clause.node_id for r in results if r.outcome != "skipped" and not r.reason.startswith(_NOT_RUN)}
        kept = [e for key, e in previous.entries.items() if key not in decided]
        merged = {e.key: e for e in [*kept, *entries]}
        entries = [merged[key] for key in sorted(merged)]
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=".baseline-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(render(entries))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(entries)
