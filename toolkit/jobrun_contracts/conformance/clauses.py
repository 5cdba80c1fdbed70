"""Behavioural contracts: clauses read from YAML files, checked against ``contract.schema.json``.

A clause is data (steps, captures, expectations) so that users add their own without Python; the
runner (``runner.py``) gives the steps meaning. Built-in clause files ship in the wheel
under ``_data/contracts``; users add directories of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ..core import pointers, registry, resources
from ..core.documents import load
from ..errors import InputError, JobrunContractsError, UsageError

Level = Literal["MUST", "SHOULD"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD")
_TEMPLATE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


@dataclass(frozen=True)
class Clause:
    api: str
    id: str
    operation: str
    level: Level
    source: str
    summary: str
    steps: tuple[Mapping[str, Any], ...]
    needs: frozenset[str] = frozenset()
    origin: str = ""  # the file it came from, or how it was made (fixture replay, fuzzing)
    skip: str | None = None  # known in advance not to apply, and why

    @property
    def node_id(self) -> str:
        """The readable test id: ``aws-emr-serverless::StartJobRun::idempotent-client-token``."""
        return f"{self.api}::{self.operation}::{self.id}"


def load_contracts(
    apis: Sequence[str] = registry.APIS, extra_dirs: Iterable[str | Path] = (), level: Level = "SHOULD"
) -> list[Clause]:
    """The built-in clauses plus those in ``extra_dirs``, for these APIs, at or above ``level``.

    ``level="MUST"`` keeps only MUST clauses; ``"SHOULD"`` keeps both.
    """
    for api in apis:
        registry.check_api(api)
    if level not in LEVELS:
        raise UsageError(f"level must be MUST or SHOULD, not '{level}'")
    files = list(_builtin_files())
    for directory in extra_dirs:
        path = Path(directory)
        if not path.is_dir():
            raise UsageError(f"contract directory not found: {directory}")
        files += sorted(str(p) for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    clauses: list[Clause] = []
    seen: dict[str, str] = {}
    for file in files:
        for clause in read_contract_file(file):
            if clause.node_id in seen:
                raise InputError(f"clause {clause.node_id} is also defined in {seen[clause.node_id]}", path=file)
            seen[clause.node_id] = file
            if clause.api in apis and (level == "SHOULD" or clause.level == "MUST"):
                clauses.append(clause)
    return clauses


def read_contract_file(path: str) -> list[Clause]:
    """The clauses of one file; a malformed file is an :class:`InputError` naming the file and field."""
    clauses: list[Clause] = []
    for document in load(path):
        problem = _first_problem(document.data)
        if problem is not None:
            pointer, message = problem
            line = document.line_of(pointer)
            where = pointers.display(pointers.split(pointer)) or "the file"
            raise InputError(f"{where}: {message}", path=path, line=line)
        api = document.data["api"]
        for index, raw in enumerate(document.data["clauses"]):
            try:
                registry.operation(api, raw["operation"])
                for step in raw["steps"]:
                    for key in ("call", "paginate"):
                        if key in step:
                            registry.operation(api, step[key])
                    for pattern in step.get("expect", {}).get("matches", {}).values():
                        _check_regex(pattern)
            except JobrunContractsError as error:
                line = document.line_of(f"/clauses/{index}")
                raise InputError(f"clauses[{index}] ({raw['id']}): {error}", path=path, line=line) from None
            clauses.append(
                Clause(
                    api=api,
                    id=raw["id"],
                    operation=raw["operation"],
                    level=raw["level"],
                    source=raw["source"],
                    summary=raw["summary"],
                    steps=tuple(raw["steps"]),
                    needs=frozenset(raw.get("needs", ())),
                    origin=path,
                )
            )
    return clauses


def _check_regex(pattern: str) -> None:
    try:
        re.compile(_TEMPLATE.sub("x", pattern))
    except re.error as error:
        raise UsageError(f"'matches' pattern {pattern!r} is not a regular expression: {error}") from None


def _builtin_files() -> list[str]:
    root = resources.data_dir("contracts")
    found = []
    for api in registry.APIS:
        folder = root.joinpath(api)
        if folder.is_dir():
            found += sorted(str(item) for item in folder.iterdir() if item.name.endswith((".yaml", ".yml")))
    return found


def _first_problem(data: Any) -> tuple[str, str] | None:
    """The deepest schema error (the most specific field to name), or None for a well-formed file."""
    errors = list(_contract_validator().iter_errors(data))
    if not errors:
        return None
    error = max(errors, key=lambda e: len(list(e.instance_path)))
    return pointers.join(list(error.instance_path)), error.message


@cache
def _contract_validator() -> Any:
    import jsonschema_rs

    document = json.loads(resources.data_dir("contracts").joinpath("contract.schema.json").read_text("utf-8"))
    return jsonschema_rs.validator_for(document)


# -- templates ------------------------------------------------------------------------------


@dataclass
class Scope:
    """The values a clause's templates may name: built-ins, captures, and each named step's exchange."""

    values: dict[str, Any] = field(default_factory=dict)

    def lookup(self, dotted: str) -> Any:
        head, *rest = dotted.split(".")
        if head not in self.values:
            raise KeyError(f"'{head}' is not defined at this point of the clause")
        value = self.values[head]
        for part in rest:
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                raise KeyError(f"'{dotted}' has no '{part}'")
        return value

    def render(self, value: Any) -> Any:
        """Fill in ``${name}``; a string that is one whole template keeps the named value's type."""
        if isinstance(value, str):
            whole = _TEMPLATE.fullmatch(value)
            if whole:
                return self.lookup(whole.group(1))
            return _TEMPLATE.sub(lambda m: _text(self.lookup(m.group(1))), value)
        if isinstance(value, list):
            return [self.render(v) for v in value]
        if isinstance(value, Mapping):
            return {self.render(k): self.render(v) for k, v in value.items()}
        return value

    def render_regex(self, pattern: str) -> str:
        """A regex template: the values filled in are escaped, so an id cannot act as a pattern."""
        return _TEMPLATE.sub(lambda m: re.escape(_text(self.lookup(m.group(1)))), pattern)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
