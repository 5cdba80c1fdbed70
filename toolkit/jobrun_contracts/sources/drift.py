"""What a source says now that the shipped schemas do not: drift, field by field, in a reviewer's words.

AWS: the model (installed botocore, or a ``service-2.json[.gz]`` file) is transcribed afresh and
the result compared with the shipped schemas, so any change the transcription would make is named.
Alibaba: the installed SDK's members, wire names, places and types are compared with the shipped
schemas directly (those are written by hand from the pages and the SDK). Version strings and the
bytes of a model file are not compared, only what they say.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core import registry, resources
from ..errors import UsageError
from . import alibaba_sdk, botocore_model
from .record import content_digest, load_record

ALIBABA = "alibaba-emr-serverless-spark"
#: Documentation and bookkeeping: a change there is no change to what is checked.
_UNCHECKED = {"x-source", "x-note", "x-correction", "x-source-pattern", "title", "description"}
_LIMITS = ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "minProperties", "maxProperties")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One difference: where (a schema file and JSON pointer), what kind, and what it means."""

    where: str
    kind: str  # member, required, limit, pattern, enum, type, operation, error, http, correction, other
    message: str


@dataclass
class Drift:
    api: str
    source: str  # what was compared: "botocore 1.44.8", a model file, "alibabacloud-... 2.3.0"
    recorded: str  # what the schemas were read from, per schemas/sources.json
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "source": self.source,
            "recorded": self.recorded,
            "drift": bool(self.changes),
            "changes": [asdict(c) for c in self.changes],
        }


def drift(api: str, model: Path | None = None) -> Drift:
    """Compare one API's shipped schemas with its source."""
    registry.check_api(api)
    if api == ALIBABA:
        if model is not None and not model.is_dir():
            raise UsageError(f"{model}: for {ALIBABA}, --model takes the SDK's package folder (client.py, models/)")
        return _alibaba(alibaba_sdk.Sdk.at(model) if model else alibaba_sdk.Sdk.installed())
    return _aws(botocore_model.SERVICES[api], model)


def api_of_model(path: Path) -> str:
    """The API a model describes: an SDK folder is Alibaba's, a ``service-2.json`` says its endpoint prefix."""
    if path.is_dir():
        return ALIBABA
    document = botocore_model.model_from_file(path).document
    metadata = document.get("metadata")
    prefix = metadata.get("endpointPrefix") if isinstance(metadata, dict) else None
    for service in botocore_model.SERVICES.values():
        if service.name == prefix:
            return service.api
    raise UsageError(f"{path}: a model of {prefix!r}, not of an API we transcribe; give --api")


def _recorded(api: str) -> Mapping[str, Any]:
    return load_record().get(api, {})


def _aws(service: botocore_model.Service, path: Path | None) -> Drift:
    model = botocore_model.model_from_file(path) if path else botocore_model.installed_model(service)
    record = _recorded(service.api)
    result = Drift(service.api, model.origin, f"{record.get('source', '?')} {record.get('version', '?')}")
    fresh = botocore_model.transcribe(service, model)
    for name, document in fresh.items():
        shipped = resources.schema_document(service.api, name)
        result.changes.extend(_diff(shipped, document, name, ""))
    known = set(record.get("operations", ()))
    now = set(model.document["operations"])
    for name in sorted(now - known):
        result.changes.append(Change(service.model_file, "operation", f"operation {name} added to the model"))
    for name in sorted(known - now):
        result.changes.append(Change(service.model_file, "operation", f"operation {name} removed from the model"))
    result.changes.extend(_corrections(service, model.document))
    return result


def _corrections(service: botocore_model.Service, model: Mapping[str, Any]) -> Iterator[Change]:
    """Which of our corrections to the model (docs/schemas.md) no longer apply, or need a second look."""
    shipped = resources.schema_document(service.api, "shapes.json")["$defs"]
    for shape, correction in botocore_model.CORRECTIONS.get(service.api, {}).items():
        where = f"shapes.json#/$defs/{shape}"
        now = model["shapes"].get(shape)
        if now is None:
            yield Change(where, "correction", f"the correction to {shape} no longer applies: the model has no {shape}")
            continue
        if "pattern" in correction:
            if now.get("pattern") == correction["pattern"]:
                yield Change(
                    where, "correction", f"the correction to {shape} is no longer needed: the model now agrees"
                )
            elif now.get("pattern") != shipped.get(shape, {}).get("x-source-pattern"):
                yield Change(
                    where,
                    "correction",
                    f"the model's pattern for {shape}, which we correct, changed from "
                    f"{shipped.get(shape, {}).get('x-source-pattern')!r} to {now.get('pattern')!r}: "
                    "check whether the correction still applies",
                )
        if correction.get("x-union") and now.get("union"):
            yield Change(
                where, "correction", f"the correction to {shape} is no longer needed: the model marks it a union"
            )


def _diff(old: Any, new: Any, file: str, pointer: str) -> Iterator[Change]:
    """The differences between a shipped schema (old) and a fresh transcription (new)."""
    where = f"{file}#{pointer}"
    if not (isinstance(old, dict) and isinstance(new, dict)):
        if old != new:
            yield Change(where, "other", f"changed from {_show(old)} to {_show(new)}")
        return
    for key in sorted(set(old) | set(new), key=str):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if key in _UNCHECKED or before == after:
            continue
        at = f"{pointer}/{key}"
        if key in ("properties", "$defs") and isinstance(before, dict) and isinstance(after, dict):
            noun = "member" if key == "properties" else "shape"
            for name in sorted(set(after) - set(before)):
                yield Change(f"{file}#{at}/{name}", "member", f"{noun} {name} added")
            for name in sorted(set(before) - set(after)):
                yield Change(f"{file}#{at}/{name}", "member", f"{noun} {name} removed")
            for name in sorted(set(before) & set(after)):
                yield from _diff(before[name], after[name], file, f"{at}/{name}")
        elif key == "required":
            was, now = set(_list(before)), set(_list(after))
            for name in sorted(now - was):
                yield Change(where, "required", f"{name} is now required")
            for name in sorted(was - now):
                yield Change(where, "required", f"{name} is no longer required")
        elif key == "enum":
            values_before, values_after = _list(before), _list(after)
            added, removed = (
                [v for v in values_after if v not in values_before],
                [v for v in values_before if v not in values_after],
            )
            if added:
                yield Change(where, "enum", f"values added: {', '.join(map(str, added))}")
            if removed:
                yield Change(where, "enum", f"values removed: {', '.join(map(str, removed))}")
        elif key in _LIMITS:
            yield Change(where, "limit", _changed(key, before, after))
        elif key == "pattern":
            yield Change(where, "pattern", _changed("pattern", before, after))
        elif key == "x-http":
            yield from _http(before, after, where)
        elif isinstance(before, dict) and isinstance(after, dict):
            yield from _diff(before, after, file, at)
        else:
            yield Change(
                f"{file}#{at}", "type" if key in ("type", "$ref", "format") else "other", _changed(key, before, after)
            )


def _http(before: Any, after: Any, where: str) -> Iterator[Change]:
    before, after = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
    errors_before, errors_after = before.get("errors", {}), after.get("errors", {})
    for name in sorted(set(errors_after) - set(errors_before)):
        yield Change(where, "error", f"error {name} (HTTP {errors_after[name]}) added")
    for name in sorted(set(errors_before) - set(errors_after)):
        yield Change(where, "error", f"error {name} removed")
    for name in sorted(set(errors_before) & set(errors_after)):
        if errors_before[name] != errors_after[name]:
            yield Change(where, "error", f"error {name}: HTTP {errors_before[name]} -> {errors_after[name]}")
    for key in ("method", "uri", "status"):
        if before.get(key) != after.get(key):
            yield Change(where, "http", _changed(key, before.get(key, _MISSING), after.get(key, _MISSING)))


def _changed(key: str, before: Any, after: Any) -> str:
    if before is _MISSING:
        return f"{key} {_show(after)} added"
    if after is _MISSING:
        return f"{key} {_show(before)} removed"
    return f"{key} changed from {_show(before)} to {_show(after)}"


def _show(value: Any) -> str:
    return "(nothing)" if value is _MISSING else repr(value)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


# --- Alibaba: the SDK against the hand-written schemas ---------------------------------------


def alibaba_description(sdk: alibaba_sdk.Sdk) -> dict[str, Any]:
    """Everything of the SDK that the schemas depend on, as plain data (its digest is recorded)."""
    models: dict[str, Any] = {}

    def collect(model: str) -> None:
        if model in models:
            return
        members = sdk.members(model)
        models[model] = [asdict(m) for m in members]
        for member in members:
            for kind in _nested_models(member.type):
                collect(kind)

    operations = {}
    for name in alibaba_sdk.OPERATIONS:
        operation = sdk.operation(name)
        operations[name] = asdict(operation)
        for member in operation.request:
            for kind in _nested_models(member.type):
                collect(kind)
        collect(operation.response)
    return {"operations": operations, "models": models}


def _nested_models(kind: alibaba_sdk.Type) -> Iterator[str]:
    if kind.model:
        yield kind.model
    if kind.item:
        yield from _nested_models(kind.item)


def _alibaba(sdk: alibaba_sdk.Sdk) -> Drift:
    record = _recorded(ALIBABA)
    result = Drift(ALIBABA, sdk.origin, f"{record.get('source', '?')} {record.get('version', '?')}")
    resolver = registry.referencing_registry(ALIBABA)
    for name in alibaba_sdk.OPERATIONS:
        operation = sdk.operation(name)
        request = registry.schema(ALIBABA, name, "request")
        file = f"{name}.request.json"
        http = request.get("x-http", {})
        for key, ours, theirs in (
            ("method", http.get("method"), operation.method),
            ("uri", http.get("uri"), operation.pathname),
        ):
            if ours != theirs:
                result.changes.append(
                    Change(f"{file}#/x-http", "http", f"{key}: the SDK says {theirs!r}, we say {ours!r}")
                )
        checker = _Checker(sdk, resolver.resolver(request["$id"]), result.changes)
        members = {m.wire_name: m for m in operation.request}
        properties = request.get("properties", {})
        for wire, member in members.items():
            ours_name = next((n for n, p in properties.items() if p.get("x-wire-name", n) == wire), None)
            where = f"{file}#/properties/{ours_name or wire}"
            if ours_name is None:
                result.changes.append(Change(where, "member", f"member {wire} ({member.location}) added in the SDK"))
                continue
            prop = properties[ours_name]
            if prop.get("x-location") != member.location:
                result.changes.append(
                    Change(
                        where,
                        "other",
                        f"travels in the {member.location} in the SDK, in the {prop.get('x-location')} here",
                    )
                )
            if member.json_encoded != (prop.get("x-wire-encoding") == "json"):
                said = "JSON-encoded" if member.json_encoded else "sent as it is"
                result.changes.append(Change(where, "other", f"the SDK has it {said} in the query"))
            checker.compare(member.type, prop, where)
        wires = {p.get("x-wire-name", n): n for n, p in properties.items()}
        for wire in sorted(set(wires) - set(members)):
            result.changes.append(
                Change(f"{file}#/properties/{wires[wire]}", "member", f"member {wire} is not in the SDK")
            )
        response = registry.schema(ALIBABA, name, "response")
        checker = _Checker(sdk, resolver.resolver(response["$id"]), result.changes)
        checker.compare(alibaba_sdk.Type("object", model=operation.response), response, f"{name}.response.json#")
    known = set(record.get("operations", ()))
    now = set(sdk.operation_names())
    if known:
        for added in sorted(now - known):
            result.changes.append(Change("client.py", "operation", f"operation {added} added to the SDK"))
        for removed in sorted(known - now):
            result.changes.append(Change("client.py", "operation", f"operation {removed} removed from the SDK"))
    return result


class _Checker:
    """Compares an SDK type with a schema node, following ``$ref`` and nested models."""

    def __init__(self, sdk: alibaba_sdk.Sdk, resolver: Any, changes: list[Change]) -> None:
        self.sdk, self.resolver, self.changes = sdk, resolver, changes
        self._seen: set[tuple[str, int]] = set()

    def _resolved(self, node: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
        resolver = self.resolver
        while "$ref" in node:
            found = resolver.lookup(node["$ref"])
            node, resolver = found.contents, found.resolver
        return node, resolver

    def compare(self, kind: alibaba_sdk.Type, node: Mapping[str, Any], where: str) -> None:
        node, resolver = self._resolved(node)
        saved, self.resolver = self.resolver, resolver
        try:
            self._compare(kind, node, where)
        finally:
            self.resolver = saved

    def _compare(self, kind: alibaba_sdk.Type, node: Mapping[str, Any], where: str) -> None:
        if kind.kind == "any":
            return
        types = node.get("type")
        allowed = set(types) if isinstance(types, list) else {types} if types else set()
        json_kind = "object" if kind.kind == "map" else kind.kind
        if allowed and json_kind not in allowed and not (json_kind == "integer" and "number" in allowed):
            self.changes.append(
                Change(where, "type", f"the SDK types it {kind.kind}, we say {'/'.join(sorted(allowed))}")
            )
            return
        if kind.kind == "array" and kind.item and isinstance(node.get("items"), dict):
            self.compare(kind.item, node["items"], f"{where}/items")
        elif kind.kind == "map" and kind.item and isinstance(node.get("additionalProperties"), dict):
            self.compare(kind.item, node["additionalProperties"], f"{where}/additionalProperties")
        elif kind.kind == "object" and kind.model:
            key = (kind.model, id(node))
            if key in self._seen:
                return
            self._seen.add(key)
            properties = node.get("properties", {})
            members = {m.wire_name: m for m in self.sdk.members(kind.model)}
            for wire in sorted(set(members) - set(properties)):
                self.changes.append(
                    Change(f"{where}/properties/{wire}", "member", f"member {wire} added in the SDK ({kind.model})")
                )
            for wire in sorted(set(properties) - set(members)):
                self.changes.append(
                    Change(f"{where}/properties/{wire}", "member", f"member {wire} is not in the SDK ({kind.model})")
                )
            for wire in sorted(set(members) & set(properties)):
                self.compare(members[wire].type, properties[wire], f"{where}/properties/{wire}")


def alibaba_record_entry() -> dict[str, Any]:
    sdk = alibaba_sdk.Sdk.installed()
    return {
        "source": alibaba_sdk.DISTRIBUTION,
        "version": sdk.version,
        "sha256": content_digest(alibaba_description(sdk)),
        "operations": sorted(sdk.operation_names()),
    }
