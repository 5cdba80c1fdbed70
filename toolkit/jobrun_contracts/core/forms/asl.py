"""AWS Step Functions state machines: each EMR task read as the operation input it sends.

A ``Task`` state whose ``Resource`` is one of Step Functions' EMR integrations (the optimized
``arn:aws:states:::emr-serverless:startJobRun[.sync]`` and ``...:::emr-containers:startJobRun[.sync]``,
or the AWS SDK ones, ``...:::aws-sdk:emrserverless:<action>``) passes its ``Parameters`` (JSONPath
states) or ``Arguments`` (JSONata states) to that API action. Step Functions writes the members in
PascalCase where the API has camelCase ("Parameters in Step Functions are expressed in PascalCase",
on every optimized-integration page); map keys, such as Spark properties and tags, are data and
keep their case. A key ending in ``.$`` takes its value from a JSONPath or an intrinsic function,
and a JSONata string ``{% ... %}`` is an expression: both are evaluated as the state runs, so
their names are checked and their values are not. States are found wherever they are nested
(``Parallel`` branches, ``Map`` iterators and item processors), and a CloudFormation or SAM
template's ``Definition`` is walked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import pointers, registry
from ..shapes import Shape, operation_shape
from ..validation import Violation
from .model import Reading
from .walk import child, is_structure, mappings, shape_at

_SPEC = "https://states-language.net/spec.html (Payload Template: a field name ending in .$)"
RESOURCE = re.compile(
    r"arn:(?:aws[a-z-]*|\$\{[^{}]*\}):states:::(?P<service>emr-serverless|emr-containers|aws-sdk:emrserverless|"
    r"aws-sdk:emrcontainers):(?P<action>[A-Za-z]+)(?P<pattern>\.sync(?::2)?|\.waitForTaskToken)?"
)
_SERVICES = {
    "emr-serverless": "aws-emr-serverless",
    "aws-sdk:emrserverless": "aws-emr-serverless",
    "emr-containers": "aws-emr-containers",
    "aws-sdk:emrcontainers": "aws-emr-containers",
}
JSONPATH = "a JSONPath or intrinsic function (a key ending in .$): Step Functions evaluates it as the state runs"
JSONATA = "a JSONata expression ({% ... %}): Step Functions evaluates it as the state runs"
_EXPRESSION = re.compile(r"\s*\{%.*%\}\s*", re.DOTALL)


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def detect(document: Any) -> bool:
    """Whether a document holds Step Functions states (a state machine, or one task)."""
    for _path, node, _above in mappings(document):
        if isinstance(node.get("States"), Mapping) and "StartAt" in node:
            return True
        if node.get("Type") == "Task" and isinstance(node.get("Resource"), str) and ":states:::" in node["Resource"]:
            return True
    return False


def read(document: Any, *, api: str | None = None) -> list[Reading]:
    """One reading per EMR task in the document (an empty list when it holds none: see ``without_tasks``)."""
    readings: list[Reading] = []
    for path, node, above in mappings(document):
        resource = node.get("Resource")
        if not isinstance(resource, str) or not _is_task(node) or any(_is_task(m) for m in above):
            continue  # not a task, or inside one (its Parameters are data): O(depth), not O(tasks seen)
        match = RESOURCE.fullmatch(resource)
        if match is None:
            continue
        found_api = _SERVICES[match["service"]]
        operation = pascal(match["action"])
        name = str(path[-1]) if path else "the task"
        known = {op.name for op in registry.operations(found_api)}
        if operation not in known:
            continue
        language = next(
            (str(m["QueryLanguage"]) for m in reversed([*above, node]) if isinstance(m.get("QueryLanguage"), str)),
            "JSONPath",
        )
        readings.append(_task(node, path, name, resource, found_api, operation, language == "JSONata", api))
    return readings


def _is_task(node: Mapping[str, Any]) -> bool:
    return node.get("Type") == "Task" and isinstance(node.get("Resource"), str)


def without_tasks(document: Any) -> str:
    """Why a Step Functions document gave nothing to check."""
    others = sorted(
        {
            str(node["Resource"])
            for _p, node, _a in mappings(document)
            if node.get("Type") == "Task" and isinstance(node.get("Resource"), str)
        }
    )
    listed = f" (its tasks call {', '.join(others[:5])}{', ...' if len(others) > 5 else ''})" if others else ""
    return f"a Step Functions definition with no EMR Serverless or EMR on EKS job-run task: nothing to check{listed}"


def _task(
    state: Mapping[str, Any],
    path: list[Any],
    name: str,
    resource: str,
    api: str,
    operation: str,
    jsonata: bool,
    asked: str | None,
) -> Reading:
    field = "Arguments" if jsonata else "Parameters"
    root_path = [*path, field]
    shape = operation_shape(api, operation, "request")
    reading = Reading(
        data={},
        api=api,
        operation=operation,
        form="asl",
        root=pointers.join(root_path),
        part=f"state {name}",
        decided=f"Step Functions state {name!r} ({resource}): {api} {operation}",
        spell=speller(shape),
    )
    if asked is not None and asked != api:
        reading.notes.append(f"the state's Resource calls {api}, not --api {asked}: checked as {api}")
    given = state.get(field)
    other = "Parameters" if jsonata else "Arguments"
    if given is None and other in state:
        language = "JSONata" if jsonata else "JSONPath"
        reading.error = f"state {name!r} is a {language} state, which takes {field}, not {other}"
    elif given is None:
        reading.error = (
            f"state {name!r} has no {field}: Step Functions passes the state's input, which the document does not hold"
        )
    elif isinstance(given, str) and jsonata and _EXPRESSION.fullmatch(given):
        reading.error = f"state {name!r}'s {field} is one JSONata expression: nothing is known before it runs"
    else:
        reading.data = Converter(reading, jsonata).convert(given, shape, [], root_path)
    return reading


def speller(root: Shape) -> Any:
    def spell(parent: list[Any], name: str) -> str:
        return pascal(name) if is_structure(shape_at(root, parent)) else name

    return spell


class Converter:
    def __init__(self, reading: Reading, jsonata: bool) -> None:
        self.reading, self.jsonata = reading, jsonata

    def convert(self, value: Any, shape: Shape | None, api: list[Any], user: list[Any]) -> Any:
        where = pointers.join(api)
        self.reading.pointers[where] = pointers.join(user)
        if isinstance(value, str) and self.jsonata and _EXPRESSION.fullmatch(value):
            self.reading.unknown[where] = JSONATA
            return value
        if isinstance(value, list):
            items = shape.items if shape is not None else None
            return [self.convert(item, items, [*api, i], [*user, i]) for i, item in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        structure = is_structure(shape)
        members = {pascal(m): m for m in shape.properties} if shape is not None and structure else {}
        converted: dict[str, Any] = {}
        for key, item in value.items():
            name, dynamic = key, False
            if not self.jsonata and key.endswith(".$"):
                name, dynamic = key[:-2], True
            if structure:
                # a name that is no PascalCase member is an unknown field; one spelled as the API spells
                # it (camelCase) is too, so it is kept apart from the member it resembles
                api_key = members.get(name, name + " " if shape is not None and name in shape.properties else name)
            else:
                api_key = name
            below, beside = [*api, api_key], [*user, key]
            if api_key in converted:
                self.reading.problems.append(_twice(beside, name))
                continue
            if dynamic:
                self.reading.pointers[pointers.join(below)] = pointers.join(beside)
                self.reading.unknown[pointers.join(below)] = JSONPATH
                converted[api_key] = item
            else:
                converted[api_key] = self.convert(item, child(shape, api_key), below, beside)
        return converted


def _twice(user: list[Any], name: str) -> Violation:
    message = f"{name} is given twice, as {name} and as {name}.$: keep one"
    return Violation(pointers.join(user), "duplicate", message, name, _SPEC, "", instance=None)
