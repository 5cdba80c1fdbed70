"""What the services state beyond their API reference, laid over the transcribed schemas.

The schema files are a faithful transcription of the API references and models (``drift``
keeps them so). The services themselves refuse more (a user guide caps a retry count) and send
more (a real response carries an empty ``stateDetails``). Those rules live in one data file,
``schemas/service-rules.json``, each with its provenance level and its source, and are applied
here when the schemas are loaded:

- ``reference``: the API reference or model; everything the transcription says.
- ``guide``: another official page of the same service (a user guide, a "common errors" page).
- ``observed``: behaviour seen in a public source (a real response or error).

Applying a rule leaves an ``x-provenance`` entry on the node it changed, keyed by the keyword
(``maximum``; ``required:codeType`` for one added required member), so a violation can say
which level and which source it comes from. ``reference_only`` gives the transcription alone.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from ..errors import SchemaError
from . import pointers
from . import resources as _resources

Level = Literal["reference", "guide", "observed"]
LEVELS: tuple[Level, ...] = ("reference", "guide", "observed")

_FILE = "service-rules.json"


@dataclass(frozen=True)
class Rule:
    """One sourced change to the transcribed schemas."""

    id: str
    api: str
    level: Level
    at: tuple[str, ...]  # sites, each ``file#pointer`` (``shapes.json#/$defs/RetryPolicy/properties/maxAttempts``)
    summary: str  # the rule in one line, for people
    source: str  # the page (and section) or the public file that states or shows it
    url: str
    quote: str
    set: Mapping[str, Any] = field(default_factory=dict)  # keywords given (or replaced)
    relax: tuple[str, ...] = ()  # keywords taken away (a response the service really sent breaks them)
    require: tuple[str, ...] = ()  # members added to ``required``

    @property
    def citation(self) -> str:
        """What a violation cites: the page and section, and where to read it."""
        return f"{self.source}: {self.url}"

    def provenance(self) -> dict[str, str]:
        return {"level": self.level, "rule": self.id, "source": self.citation}


@cache
def rules(api: str | None = None) -> tuple[Rule, ...]:
    """Every rule of one API (or of all), in file order."""
    document = _rules_document()
    chosen = [api] if api is not None else [key for key in document if not key.startswith("$")]
    return tuple(_checked(_rule(name, entry)) for name in chosen for entry in document.get(name, ()))


def rule(api: str, rule_id: str) -> Rule:
    """One rule by id: the code that enforces a rule beyond the schemas cites it so."""
    for candidate in rules(api):
        if candidate.id == rule_id:
            return candidate
    raise SchemaError(f"schemas/{_FILE}: {api} has no rule {rule_id}")


def document(api: str, name: str, *, reference_only: bool = False) -> dict[str, Any]:
    """One schema file of one API: as transcribed, or with the service's rules applied (do not mutate)."""
    if reference_only:
        return _resources.schema_document(api, name)
    with _APPLYING:  # once per process: every caller must see the same objects (identity is compared)
        applied = _applied(api)
    return applied.get(name) or _resources.schema_document(api, name)


_APPLYING = threading.Lock()


@cache
def _applied(api: str) -> dict[str, dict[str, Any]]:
    """The files the rules change, each copied once and changed in place."""
    changed: dict[str, dict[str, Any]] = {}
    for rule in rules(api):
        for site in rule.at:
            name, _, pointer = site.partition("#")
            if name not in changed:
                changed[name] = copy.deepcopy(_resources.schema_document(api, name))
            _apply(rule, changed[name], pointer, site, api)
    return changed


def _apply(rule: Rule, document: dict[str, Any], pointer: str, site: str, api: str) -> None:
    node = _node_at(document, pointer, site)
    if "$ref" in node:
        _inline(node, api, _member_citations(document, pointer))
    notes = node.setdefault("x-provenance", {})
    for keyword in rule.relax:
        node.pop(keyword, None)
        notes[keyword] = {**rule.provenance(), "relaxed": True}
    for keyword, value in rule.set.items():
        node[keyword] = copy.deepcopy(value)
        if not keyword.startswith("x-"):
            notes[keyword] = rule.provenance()
    for member in rule.require:
        required = node.setdefault("required", [])
        if member not in required:
            required.append(member)
        notes[f"required:{member}"] = rule.provenance()


def _inline(node: dict[str, Any], api: str, citations: list[str]) -> None:
    """Replace a reference by a copy of the shape it names, so that a change made to one member's
    schema does not reach every other member of the same shape (``String256`` is a request's
    ``name`` and a response's ``stateDetails``; Alibaba's ``JobDriver`` is also in GetJobRun's
    answer). References inside the copy stay references."""
    target = node.pop("$ref")
    name, _, pointer = target.partition("#")
    if name not in ("", "shapes.json"):
        raise SchemaError(f"{api}: a service rule cannot inline {target}")
    shape = _node_at(_resources.schema_document(api, "shapes.json"), pointer, target)
    if "$ref" in shape:
        raise SchemaError(f"{api}: a service rule cannot inline {target}, itself a reference")
    for key, value in copy.deepcopy(shape).items():
        node.setdefault(key, value)
    # A page about one field (StartJobRun's ``name``) does not document the member inlined here.
    kept = [cited for cited in node.get("x-source", ()) if not cited.startswith("shared/docs/")]
    if citations or kept:
        node["x-source"] = [*citations, *kept]


def _member_citations(document: dict[str, Any], pointer: str) -> list[str]:
    """``JobRun``'s citations, each narrowed to the member (``shapes.JobRun.stateDetails``)."""
    parts = pointers.split(pointer)
    if len(parts) < 2 or parts[-2] != "properties":
        return []
    container = _node_at(document, pointers.join(parts[:-2]), pointer)
    member = parts[-1]
    return [
        f"{cited.partition('#')[0]}#{member}" if cited.startswith("shared/docs/") else f"{cited}.{member}"
        for cited in container.get("x-source", ())
    ]


def _node_at(root: dict[str, Any], pointer: str, site: str) -> dict[str, Any]:
    node: Any = root
    for part in pointers.split(pointer):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(str(part))
        else:
            node = None
        if node is None:
            raise SchemaError(f"service rule site {site} names nothing in the schemas")
    if not isinstance(node, dict):
        raise SchemaError(f"service rule site {site} is not a schema object")
    return node


@cache
def _rules_document() -> dict[str, Any]:
    resource = _resources.data_dir("schemas").joinpath(_FILE)
    try:
        loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SchemaError(f"cannot load schemas/{_FILE}: {error}") from error
    return loaded


def _rule(api: str, entry: Mapping[str, Any]) -> Rule:
    try:
        at = entry["at"]
        return Rule(
            id=entry["id"],
            api=api,
            level=entry["level"],
            at=(at,) if isinstance(at, str) else tuple(at),
            summary=entry["summary"],
            source=entry["source"],
            url=entry["url"],
            quote=entry["quote"],
            set=entry.get("set", {}),
            relax=tuple(entry.get("relax", ())),
            require=tuple(entry.get("require", ())),
        )
    except (KeyError, TypeError) as error:
        raise SchemaError(f"schemas/{_FILE}: {api} rule {entry.get('id', '?')} lacks {error}") from error


def _checked(rule: Rule) -> Rule:
    if not _resources.data_dir("schemas").joinpath(rule.api).is_dir():
        raise SchemaError(f"schemas/{_FILE}: unknown API {rule.api}")
    if rule.level not in LEVELS:
        raise SchemaError(f"schemas/{_FILE}: rule {rule.id} has level {rule.level!r}; choose from {', '.join(LEVELS)}")
    return rule


def provenance_of(parents: Sequence[tuple[Mapping[str, Any], str]]) -> dict[str, str] | None:
    """The provenance of a failing keyword: the nearest ``x-provenance`` entry on the way down to it.

    ``parents`` pairs each schema object on the keyword's path with the key taken below it (the
    keyword itself last; ``required:<member>`` for a missing member).
    """
    for node, key in reversed(parents):
        entry = node.get("x-provenance", {}).get(key)
        if isinstance(entry, Mapping) and not entry.get("relaxed"):
            return dict(entry)
    return None
