"""CloudFormation and SAM templates that hold state machines: intrinsic functions, and definitions kept as text.

CloudFormation resolves an intrinsic function (a mapping of one key: ``Ref``, ``Condition`` or
``Fn::...``) when the stack is deployed, so in a state machine it is known-unknown, as a placeholder
is. A ``DefinitionString`` is the definition as JSON text ("The state machine definition must be in
JSON", the resource's reference page): a plain string, an ``Fn::Sub`` template whose ``${...}`` parts
CloudFormation fills in, or an ``Fn::Join`` of text and functions (what the AWS CDK writes). Each
part CloudFormation fills in becomes a ``${...}`` placeholder in the text (quoted where it stands
outside a JSON string, so that it is one unknown value), and the text is parsed as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError
from ..documents import MAX_BYTES, parse_json

RESOURCE_PAGE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html"
STATE_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
#: Where a state machine keeps its definition elsewhere than in the template (S3, or SAM's local file).
ELSEWHERE = ("DefinitionS3Location", "DefinitionUri")
#: ``${Name}`` in an ``Fn::Sub`` template; ``${!Literal}`` is the literal text ``${Literal}``.
_VARIABLE = re.compile(r"\$\{([^{}\n]*)\}")
_DEPLOYED = "CloudFormation resolves it when the stack is deployed"
_LABEL = re.compile(r"[^A-Za-z0-9:._-]")
#: The Step Functions integrations this project checks, as a definition's text names them.
_KINDS = {dict: "a mapping", list: "a list", bool: "a boolean", int: "a number", float: "a number"}
_EMR = re.compile(r":states:::(?:emr-serverless|emr-containers|aws-sdk:emrserverless|aws-sdk:emrcontainers):")


def function(value: Any) -> str | None:
    """The intrinsic function a value is (``Ref``, ``Fn::GetAtt``, ...), or None."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key,) = value
        if isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::")):
            return key
    return None


def why(value: Mapping[str, Any]) -> str:
    """Why an intrinsic function's value is not checked (one line)."""
    return f"a CloudFormation intrinsic function ({_describe(value)}): {_DEPLOYED}"


def _describe(value: Mapping[str, Any]) -> str:
    (name, argument) = next(iter(value.items()))
    if name in ("Ref", "Condition") and isinstance(argument, str):
        return f"{name} {argument}"
    if name == "Fn::GetAtt" and isinstance(argument, list) and all(isinstance(a, str) for a in argument):
        return f"Fn::GetAtt {'.'.join(argument)}"
    return str(name)


def is_template(document: Any) -> bool:
    """A CloudFormation (or SAM) template: a ``Resources`` section of typed resources."""
    resources = document.get("Resources") if isinstance(document, Mapping) else None
    return isinstance(resources, Mapping) and any(
        isinstance(r, Mapping) and isinstance(r.get("Type"), str) for r in resources.values()
    )


def state_machines(document: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each state machine resource of a template: its logical id and its ``Properties``."""
    if not is_template(document):
        return
    for name, resource in document["Resources"].items():
        if isinstance(resource, Mapping) and resource.get("Type") in STATE_MACHINES:
            properties = resource.get("Properties")
            yield str(name), properties if isinstance(properties, Mapping) else {}


@dataclass(frozen=True)
class _Hole:
    """A part CloudFormation fills in: its ``${...}`` placeholder and why it is not known."""

    token: str
    reason: str


@dataclass
class Text:
    """Text with the placeholders put where CloudFormation fills something in."""

    text: str
    tokens: dict[str, str] = field(default_factory=dict)  # placeholder -> why it is not known

    def pattern(self) -> re.Pattern[str] | None:
        """The placeholders, to find them again in the values parsed out of the text."""
        if not self.tokens:
            return None
        return re.compile("|".join(re.escape(t) for t in sorted(self.tokens, key=len, reverse=True)))


class Unreadable(Exception):
    """A definition that cannot be read soundly: the one-line reason."""


def _hole(label: str, reason: str) -> _Hole:
    return _Hole("${" + (_LABEL.sub("_", label)[:100] or "_") + "}", reason)


def _function_hole(value: Mapping[str, Any]) -> _Hole:
    return _hole(_describe(value).split(" ", 1)[-1], why(value))


def sub_pieces(argument: Any) -> list[str | _Hole]:
    """An ``Fn::Sub`` argument (a template, or ``[template, variables]``) as text and holes.

    A variable the list form gives as a plain string is put in as CloudFormation would put it in.
    """
    variables: Mapping[str, Any] = {}
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], Mapping):
        argument, variables = argument
    if not isinstance(argument, str):
        raise Unreadable("its Fn::Sub template is not a string")
    pieces: list[str | _Hole] = []
    last = 0
    for match in _VARIABLE.finditer(argument):
        pieces.append(argument[last : match.start()])
        name = match.group(1)
        last = match.end()
        if name.startswith("!"):
            pieces.append("${" + name[1:] + "}")
            continue
        given = variables.get(name)
        if isinstance(given, str):
            pieces.append(given)
        elif isinstance(given, Mapping) and function(given) is not None:
            pieces.append(_hole(name, why(given)))
        else:
            reason = f"a CloudFormation Fn::Sub variable (${{{name}}}): {_DEPLOYED}"
            pieces.append(_hole(name, reason))
    pieces.append(argument[last:])
    return pieces


def join_pieces(argument: Any) -> list[str | _Hole]:
    """An ``Fn::Join`` argument (``[delimiter, [parts]]``) as text and holes."""
    if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
        raise Unreadable("its Fn::Join is not [delimiter, [parts]]")
    delimiter, parts = argument
    if not isinstance(parts, list):
        raise Unreadable("the parts of its Fn::Join are a function's result, not known before deployment")
    pieces: list[str | _Hole] = []
    for index, part in enumerate(parts):
        if index:
            pieces.append(delimiter)
        pieces.extend(text_pieces(part))
    return pieces


def text_pieces(value: Any) -> list[str | _Hole]:
    """A value CloudFormation turns into text: a string, ``Fn::Sub``, ``Fn::Join``, or another function."""
    if isinstance(value, str):
        return [value]
    name = function(value)
    if name == "Fn::Sub":
        return sub_pieces(value[name])
    if name == "Fn::Join":
        return join_pieces(value[name])
    if name is not None:
        return [_function_hole(value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    raise Unreadable(f"a part of it is {type(value).__name__ if value is not None else 'null'}, not text")


def plain(pieces: list[str | _Hole]) -> Text:
    """The pieces as one text, each hole as its placeholder (a task's ``Resource``, say)."""
    text = Text("")
    chunks = []
    for piece in pieces:
        if isinstance(piece, _Hole):
            text.tokens[piece.token] = piece.reason
            chunks.append(piece.token)
        else:
            chunks.append(piece)
    text.text = "".join(chunks)
    return text


def json_text(pieces: list[str | _Hole], limit: int = MAX_BYTES) -> Text:
    """The pieces as JSON text: a hole inside a JSON string is its placeholder; outside one, a quoted
    placeholder (one unknown value, whatever it holds). Longer than ``limit`` is unreadable."""
    text = Text("")
    chunks: list[str] = []
    size = 0
    in_string = escaped = False
    for piece in pieces:
        if isinstance(piece, _Hole):
            text.tokens[piece.token] = piece.reason
            chunk = piece.token if in_string else f'"{piece.token}"'
            escaped = False
        else:
            chunk = piece
            for char in piece:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = in_string
                elif char == '"':
                    in_string = not in_string
        size += len(chunk)
        if size > limit:
            raise Unreadable(f"its text would be longer than {limit} characters")
        chunks.append(chunk)
    text.text = "".join(chunks)
    return text


def definition(value: Any) -> tuple[Any, Text, str]:
    """A ``DefinitionString``'s definition, its placeholders, and how it was written (``Unreadable``: why not)."""
    name = function(value)
    how = "a string" if isinstance(value, str) else str(name)
    if name is None and not isinstance(value, str):
        raise Unreadable(f"it is {_KINDS.get(type(value), 'a value')}, not a string")
    if name is not None and name not in ("Fn::Sub", "Fn::Join"):
        raise Unreadable(f"it is {_describe(value)}, whose text is not known before deployment")
    text = json_text(text_pieces(value))
    try:
        (document,) = parse_json(text.text, "DefinitionString")
    except InputError as error:
        where = f" (line {error.line} of its text)" if error.line else ""
        placeholders = " once the parts CloudFormation fills in are placeholders" if text.tokens else ""
        reason = error.reason.removeprefix("invalid JSON: ")
        raise Unreadable(f"its text is not JSON{placeholders}: {reason}{where}") from None
    return document.data, text, how


def names_emr_task(value: Any) -> bool:
    """Whether a definition's text (as far as it is known) names an EMR integration this project checks."""
    try:
        return bool(_EMR.search(plain(text_pieces(value)).text))
    except Unreadable:
        return False
