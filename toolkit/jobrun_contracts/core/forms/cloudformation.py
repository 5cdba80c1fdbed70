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
_KINDS = {dict: "a mapping", list: "a list", bool: "a boolean", int: "a number", float: "a number"}
#: The Step Functions integrations this project checks, as a definition's text names them.
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


class Budget:
    """The characters the texts of one document's functions may add up to, counted as they are made.

    A YAML alias, or an ``Fn::Sub`` variable used many times, repeats text at the cost of a reference:
    a 100 KB template can stand for gigabytes of text. So each piece a text is made of is counted (at
    least one character, a hole as if quoted) against one budget for the whole document; a bound per
    value alone would still be multiplied by the number of values.
    """

    def __init__(self, limit: int = MAX_BYTES) -> None:
        self.limit = self.left = limit

    def add(self, pieces: list[str | _Hole], piece: str | _Hole) -> None:
        self.left -= max(1, len(piece)) if isinstance(piece, str) else len(piece.token) + 2
        if self.left < 0:
            raise Unreadable(
                f"its text would be longer than {self.limit} characters (counting every Fn::Sub and Fn::Join "
                "text of the document)"
            )
        pieces.append(piece)


def _sub_pieces(argument: Any, pieces: list[str | _Hole], budget: Budget) -> None:
    """An ``Fn::Sub`` argument (a template, or ``[template, variables]``) as text and holes.

    A variable the list form gives as a plain string is put in as CloudFormation would put it in.
    """
    variables: Mapping[str, Any] = {}
    if isinstance(argument, list):
        if not (len(argument) == 2 and isinstance(argument[1], Mapping)):
            raise Unreadable("its Fn::Sub is neither a template nor [template, {variables}]")
        argument, variables = argument
    if not isinstance(argument, str):
        raise Unreadable("its Fn::Sub template is not a string")
    last = 0
    for match in _VARIABLE.finditer(argument):
        budget.add(pieces, argument[last : match.start()])
        name = match.group(1)
        last = match.end()
        if name.startswith("!"):
            budget.add(pieces, "${" + name[1:] + "}")
            continue
        given = variables.get(name)
        if isinstance(given, str):
            budget.add(pieces, given)
        elif isinstance(given, Mapping) and function(given) is not None:
            budget.add(pieces, _hole(name, why(given)))
        else:
            reason = f"a CloudFormation Fn::Sub variable (${{{name}}}): {_DEPLOYED}"
            budget.add(pieces, _hole(name, reason))
    budget.add(pieces, argument[last:])


def _join_pieces(argument: Any, pieces: list[str | _Hole], budget: Budget) -> None:
    """An ``Fn::Join`` argument (``[delimiter, [parts]]``) as text and holes."""
    if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
        raise Unreadable("its Fn::Join is not [delimiter, [parts]]")
    delimiter, parts = argument
    if not isinstance(parts, list):
        if function(parts) is not None:
            raise Unreadable("the parts of its Fn::Join are a function's result, not known before deployment")
        raise Unreadable("its Fn::Join is not [delimiter, [parts]]")
    for index, part in enumerate(parts):
        if index:
            budget.add(pieces, delimiter)
        _pieces(part, pieces, budget)


def _pieces(value: Any, pieces: list[str | _Hole], budget: Budget) -> None:
    if isinstance(value, str):
        budget.add(pieces, value)
        return
    name = function(value)
    if name == "Fn::Sub":
        _sub_pieces(value[name], pieces, budget)
    elif name == "Fn::Join":
        _join_pieces(value[name], pieces, budget)
    elif name is not None:
        budget.add(pieces, _function_hole(value))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        budget.add(pieces, str(value))
    else:
        raise Unreadable(f"a part of it is {type(value).__name__ if value is not None else 'null'}, not text")


def text_pieces(value: Any, budget: Budget | None = None) -> list[str | _Hole]:
    """A value CloudFormation turns into text: a string, ``Fn::Sub``, ``Fn::Join``, or another function.

    ``budget``: the document's (see :class:`Budget`); without one, this text alone is bounded.
    """
    pieces: list[str | _Hole] = []
    _pieces(value, pieces, Budget() if budget is None else budget)
    return pieces


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


def definition(value: Any, budget: Budget | None = None) -> tuple[Any, Text, str]:
    """A ``DefinitionString``'s definition, its placeholders, and how it was written (``Unreadable``: why not)."""
    name = function(value)
    how = "a string" if isinstance(value, str) else str(name)
    if name is None and not isinstance(value, str):
        raise Unreadable(f"it is {_KINDS.get(type(value), 'a value')}, not a string")
    if name is not None and name not in ("Fn::Sub", "Fn::Join"):
        raise Unreadable(f"it is {_describe(value)}, whose text is not known before deployment")
    text = json_text(text_pieces(value, budget))
    try:
        (document,) = parse_json(text.text, "DefinitionString")
    except InputError as error:
        where = f" (line {error.line} of its text)" if error.line else ""
        placeholders = " once the parts CloudFormation fills in are placeholders" if text.tokens else ""
        reason = error.reason.removeprefix("invalid JSON: ")
        raise Unreadable(f"its text is not JSON{placeholders}: {reason}{where}") from None
    return document.data, text, how


def names_emr_task(value: Any, budget: Budget | None = None) -> bool:
    """Whether a definition's text names an EMR integration this project checks: as far as it is known,
    or, when it cannot be made (a part that is not text, too long), as one of its literal strings does."""
    try:
        return bool(_EMR.search(plain(text_pieces(value, budget)).text))
    except Unreadable:
        return any(_EMR.search(literal) for literal in _literals(value))


def _literals(value: Any) -> Iterator[str]:
    """Each string in a value once: a YAML alias is one object, however often the value holds it."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
