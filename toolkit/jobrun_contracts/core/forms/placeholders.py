"""Template placeholders (``${EMR_APP_ID}``, ``{{ ds }}``): values a tool fills in later, not mistakes.

A job spec kept as a template is checked for what it already says. A value that is only a
placeholder is known-unknown: it is there, but its value (and so its type) is not known, so
nothing about it is checked. A value only partly a placeholder (``s3://${BUCKET}/job.py``) is
checked as far as its literal text decides, whatever the placeholder stands for:

- longer than allowed when its literal text alone is (a placeholder adds, never removes);
- outside an enum when no allowed value fits it (a placeholder read as any text);
- against a pattern that is one character class repeated (``[0-9a-z]+``, most ids): a literal
  character outside the class fails whatever the placeholder holds. Other patterns, lengths at
  least, formats and types are not checked (a placeholder may supply what is missing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .. import pointers
from ..patterns import PatternError, compile_pattern
from ..validation import Violation
from .model import Reading

#: ``${NAME}`` (shells, envsubst, Terraform, CloudFormation ``!Sub``) and ``{{ ... }}`` (Jinja, Helm).
GENERIC = re.compile(r"\$\{[^{}\n]*\}|\{\{.*?\}\}", re.DOTALL)
#: ``${NAME}`` alone: what a shell or Terraform fills in before Airflow reads a file.
DOLLAR = re.compile(r"\$\{[^{}\n]*\}")
#: In an Airflow template field: ``${NAME}`` and Jinja's expressions, statements and comments.
AIRFLOW = re.compile(r"\$\{[^{}\n]*\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)

WHOLE = "a placeholder: filled in before the request is made"
_SINGLE_CLASS = re.compile(r"(\[(?:[^\]\\]|\\.)+\])(?:[+*]|\{\d+(?:,\d*)?\})")


def scan(
    reading: Reading,
    syntax: re.Pattern[str] = GENERIC,
    *,
    applies: Callable[[list[Any]], bool] | None = None,
    reason: str = WHOLE,
) -> None:
    """Note every placeholder value and key in ``reading.data`` (where ``applies`` to its API path)."""
    for path, value in _strings(reading.data, []):
        if applies is not None and not applies(path):
            continue
        pointer = pointers.join(path)
        if pointer in reading.unknown:
            continue
        literal = syntax.sub("", value)
        if literal == value or _inside_unknown(reading, path):
            continue  # no placeholder, or inside a value not known at all (a CloudFormation function)
        if not literal.strip():
            reading.unknown[pointer] = reason
        else:
            reading.partial[pointer] = literal
    for path, key in _keys(reading.data, []):
        if (applies is None or applies([*path, key])) and syntax.search(key):
            reading.unknown_keys[pointers.join(path)] = "a key that is a placeholder"


def _inside_unknown(reading: Reading, path: list[Any]) -> bool:
    return any(pointers.join(path[:i]) in reading.unknown for i in range(len(path)))


def _strings(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    stack: list[tuple[list[Any], Any]] = [(path, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, str):
            yield where, current
        elif isinstance(current, Mapping):
            stack.extend(([*where, k], v) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend(([*where, i], v) for i, v in enumerate(current))


def _keys(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    stack: list[tuple[list[Any], Any]] = [(path, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, Mapping):
            for key, item in current.items():
                yield where, str(key)
                stack.append(([*where, key], item))
        elif isinstance(current, list):
            stack.extend(([*where, i], v) for i, v in enumerate(current))


def certain(violation: Violation, literal: str, syntax: re.Pattern[str] = GENERIC) -> Violation | None:
    """The violation as it holds whatever the placeholders stand for, or None when they might mend it."""
    value = violation.instance
    if not isinstance(value, str):
        return None
    keyword, constraint = violation.keyword, violation.constraint
    if keyword == "maxLength" and isinstance(constraint, int) and len(literal) > constraint:
        message = re.sub(
            r"is \d+ characters long",
            f"is at least {len(literal)} characters long whatever its placeholders stand for",
            violation.message,
            count=1,
        )
        return replace(violation, message=message)
    if keyword == "enum" and isinstance(constraint, list):
        shape = re.compile(".*".join(re.escape(part) for part in syntax.split(value)), re.DOTALL)
        if not any(shape.fullmatch(str(choice)) for choice in constraint):
            return replace(
                violation, message=violation.message + "; no allowed value fits it, whatever its placeholders hold"
            )
        return None
    if keyword == "pattern" and isinstance(constraint, str):
        outside = _outside_class(constraint, literal)
        if outside is not None:
            hint = f"; {outside!r} is never allowed there, whatever its placeholders stand for"
            return replace(violation, message=violation.message + hint)
    return None


def _outside_class(pattern: str, literal: str) -> str | None:
    """The first literal character a one-class pattern (``[0-9a-z]+``) never allows, if any."""
    match = _SINGLE_CLASS.fullmatch(pattern.removeprefix("^").removesuffix("$"))
    if match is None:
        return None
    try:
        klass = compile_pattern(match.group(1))
    except PatternError:
        return None
    return next((c for c in literal if not klass.matches(c)), None)
