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
(``Parallel`` branches, ``Map`` iterators and item processors). In a CloudFormation or SAM template
the state machines' ``Definition`` objects are walked the same way and each ``DefinitionString`` is
parsed (``cloudformation``); there an intrinsic function is known-unknown too, and the ``Fn::Sub``
or ``Fn::Join`` text of a value is checked as far as its literal text decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import pointers, registry
from ..shapes import Shape, operation_shape
from ..validation import Violation
from . import cloudformation
from .cloudformation import Budget, Text, Unreadable
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
#: Values CloudFormation fills in, more than one of them in one value.
_FILLED = "parts CloudFormation fills in when the stack is deployed"


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def detect(document: Any) -> bool:
    """Whether a document holds Step Functions states (a state machine, or one task, or a template's state machines)."""
    if next(cloudformation.state_machines(document), None) is not None:
        return True
    for _path, node, _above in mappings(document):
        if isinstance(node.get("States"), Mapping) and "StartAt" in node:
            return True
        if node.get("Type") == "Task" and isinstance(node.get("Resource"), str) and ":states:::" in node["Resource"]:
            return True
    return False


def read(document: Any, *, api: str | None = None, operation: str = "StartJobRun") -> list[Reading]:
    """One reading per EMR task in the document (an empty list when it holds none: see ``without_tasks``).

    In a template, also one per EMR task of each ``DefinitionString``, or one that says why a
    definition naming an EMR task cannot be read (``operation`` is only that reading's).
    """
    if not cloudformation.is_template(document):
        return _read(document, [], api)
    budget = Budget()  # what the document's Fn::Sub and Fn::Join texts may add up to
    readings = _read(document, [], api, template=True, budget=budget)
    for machine, properties in cloudformation.state_machines(document):
        if "DefinitionString" in properties:
            readings.extend(_definition_string(machine, properties["DefinitionString"], api, operation, budget))
    return readings


def _definition_string(machine: str, value: Any, api: str | None, operation: str, budget: Budget) -> list[Reading]:
    """The tasks of a definition kept as text; its pointers continue into the text, its lines are the key's."""
    root = ["Resources", machine, "Properties", "DefinitionString"]
    try:
        data, text, how = cloudformation.definition(value, budget)
    except Unreadable as error:
        if not cloudformation.names_emr_task(value, budget):
            return []  # as far as its text shows, no task of ours: like a state machine without one
        problem = f"the DefinitionString of {machine} is not checked: {error}"
        return [
            Reading(
                value, None, operation, "asl", root=pointers.join(root), part=f"state machine {machine}", error=problem
            )
        ]
    held = "DefinitionString" if how == "a string" else f"DefinitionString ({how})"
    return _read(data, root, api, template=True, text=text, held=held, budget=budget)


def _read(
    document: Any,
    prefix: list[Any],
    api: str | None,
    *,
    template: bool = False,
    text: Text | None = None,
    held: str | None = None,
    budget: Budget | None = None,
) -> list[Reading]:
    readings: list[Reading] = []
    resources = _Resources(template, budget)
    for path, node, above in mappings(document):
        resource = resources.of(node)
        if resource is None or not resources.is_task(node) or any(resources.is_task(m) for m in above):
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
        full = [*prefix, *path]
        machine = str(full[1]) if template and len(full) > 2 and full[0] == "Resources" else None
        if machine is not None and held is None and full[2:4] == ["Properties", "Definition"]:
            origin: str | None = f"in {machine}'s Definition"
        else:
            origin = f"in {machine}'s {held}" if machine is not None and held else None
        task = _Task(name, resource, found_api, operation, language == "JSONata", machine, origin)
        readings.append(_task(node, full, task, api, template, text, budget))
    return readings


class _Resources:
    """Each state's ``Resource``; in a template also an ``Fn::Sub`` or ``Fn::Join`` of it, placeholders and all.

    A function's text is made once per function (every mapping below a task asks about the task).
    """

    def __init__(self, template: bool, budget: Budget | None = None) -> None:
        self.template, self.budget = template, budget
        self.texts: dict[int, str | None] = {}  # by the function's id: it lives as long as the document

    def of(self, node: Mapping[str, Any]) -> str | None:
        resource = node.get("Resource")
        if isinstance(resource, str):
            return resource
        if not self.template or cloudformation.function(resource) not in ("Fn::Sub", "Fn::Join"):
            return None
        if id(resource) not in self.texts:
            try:
                self.texts[id(resource)] = cloudformation.plain(cloudformation.text_pieces(resource, self.budget)).text
            except Unreadable:
                self.texts[id(resource)] = None
        return self.texts[id(resource)]

    def is_task(self, node: Mapping[str, Any]) -> bool:
        return node.get("Type") == "Task" and self.of(node) is not None


def without_tasks(document: Any) -> str:
    """Why a Step Functions document (or a template's state machines) gave nothing to check."""
    budget = Budget()
    resources = _Resources(cloudformation.is_template(document), budget)
    definitions, notes = [document], []
    for machine, properties in cloudformation.state_machines(document):
        if "DefinitionString" in properties:
            try:
                definitions.append(cloudformation.definition(properties["DefinitionString"], budget)[0])
            except Unreadable as error:
                notes.append(f"the DefinitionString of {machine} cannot be read: {error}")
        elif "Definition" not in properties:
            elsewhere = next((key for key in cloudformation.ELSEWHERE if key in properties), None)
            if elsewhere is not None:
                notes.append(f"{machine} keeps its definition in its {elsewhere}, not read here: validate that file")
    others = sorted(
        {str(resources.of(node)) for held in definitions for _p, node, _a in mappings(held) if resources.is_task(node)}
    )
    if others:
        notes.insert(0, f"its tasks call {', '.join(others[:5])}{', ...' if len(others) > 5 else ''}")
    listed = f" ({'; '.join(notes)})" if notes else ""
    return f"a Step Functions definition with no EMR Serverless or EMR on EKS job-run task: nothing to check{listed}"


@dataclass(frozen=True)
class _Task:
    """What a task state is: its name, its integration, and where a template holds it."""

    name: str
    resource: str
    api: str
    operation: str
    jsonata: bool
    machine: str | None = None  # the template's state machine resource
    origin: str | None = None  # "in Machine's DefinitionString (Fn::Join)"


def _task(
    state: Mapping[str, Any],
    path: list[Any],
    task: _Task,
    asked: str | None,
    template: bool,
    text: Text | None,
    budget: Budget | None,
) -> Reading:
    name, resource, api, operation, jsonata = task.name, task.resource, task.api, task.operation, task.jsonata
    field = "Arguments" if jsonata else "Parameters"
    root_path = [*path, field]
    shape = operation_shape(api, operation, "request")
    origin = f" {task.origin}" if task.origin else ""
    reading = Reading(
        data={},
        api=api,
        operation=operation,
        form="asl",
        root=pointers.join(root_path),
        part=f"state {name}" + (f" of {task.machine}" if task.machine else ""),
        decided=f"Step Functions state {name!r} ({resource}){origin}: {api} {operation}",
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
        converter = Converter(reading, jsonata, template=template, text=text, budget=budget)
        reading.data = converter.convert(given, shape, [], root_path)
    return reading


def speller(root: Shape) -> Any:
    def spell(parent: list[Any], name: str) -> str:
        return pascal(name) if is_structure(shape_at(root, parent)) else name

    return spell


class Converter:
    """A task's Parameters or Arguments as the operation input, noting what is known-unknown.

    In a template (``template``) an intrinsic function is known-unknown, and an ``Fn::Sub`` or
    ``Fn::Join`` is its text; ``text`` is the definition's own text when it was kept as a string,
    whose placeholders mark what CloudFormation fills in; ``budget`` bounds the texts (the document's).
    """

    def __init__(
        self,
        reading: Reading,
        jsonata: bool,
        *,
        template: bool = False,
        text: Text | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.reading, self.jsonata, self.template = reading, jsonata, template
        self.budget = Budget() if budget is None else budget
        self.reasons = text.tokens if text is not None else {}
        self.filled = text.pattern() if text is not None else None

    def convert(self, value: Any, shape: Shape | None, api: list[Any], user: list[Any]) -> Any:
        where = pointers.join(api)
        self.reading.pointers[where] = pointers.join(user)
        if isinstance(value, str) and self.jsonata and _EXPRESSION.fullmatch(value):
            self.reading.unknown[where] = JSONATA
            return value
        if self.template and cloudformation.function(value) is not None:
            return self._function(value, where)
        if isinstance(value, str) and self.filled is not None and self.filled.search(value):
            self._filled_in(value, where, self.filled, self.reasons)
            return value
        if isinstance(value, list):
            items = shape.items if shape is not None else None
            return [self.convert(item, items, [*api, i], [*user, i]) for i, item in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        structure = is_structure(shape)
        members = {pascal(m): m for m in shape.properties} if shape is not None and structure else {}
        converted: dict[str, Any] = {}
        if self.filled is not None and not structure and any(self.filled.search(str(k)) for k in value):
            self.reading.unknown_keys[where] = "a key CloudFormation fills in when the stack is deployed"
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

    def _function(self, value: Mapping[str, Any], where: str) -> Any:
        """An intrinsic function is known-unknown; an ``Fn::Sub`` or ``Fn::Join`` is its text, checked as far
        as its literal text decides."""
        name = cloudformation.function(value)
        if name in ("Fn::Sub", "Fn::Join"):
            try:
                text = cloudformation.plain(cloudformation.text_pieces(value, self.budget))
            except Unreadable as error:  # malformed, or too long: said, not guessed at
                self.reading.unknown[where] = f"a CloudFormation intrinsic function ({name}) not read: {error}"
                return value
            pattern = text.pattern()
            if pattern is not None:
                self._filled_in(text.text, where, pattern, text.tokens)
            return text.text
        self.reading.unknown[where] = cloudformation.why(value)
        return value

    def _filled_in(self, value: str, where: str, pattern: re.Pattern[str], reasons: dict[str, str]) -> None:
        literal = pattern.sub("", value)
        if literal.strip():
            self.reading.partial[where] = literal
            return
        found = {reasons[m.group(0)] for m in pattern.finditer(value)}
        self.reading.unknown[where] = found.pop() if len(found) == 1 else _FILLED


def _twice(user: list[Any], name: str) -> Violation:
    message = f"{name} is given twice, as {name} and as {name}.$: keep one"
    return Violation(pointers.join(user), "duplicate", message, name, _SPEC, "", instance=None)
