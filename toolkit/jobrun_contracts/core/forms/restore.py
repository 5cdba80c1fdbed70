"""Violations found in an operation input, said again about the user's own document.

Each violation's pointer is mapped back (a missing member is spelled as the form spells it), its
message names the fields as the document does, and what is known-unknown is dropped and listed:
a placeholder or an expression's value cannot break a constraint the validator can see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .. import pointers
from ..shapes import Shape, operation_shape
from ..suggest import did_you_mean
from ..validation import Violation
from . import placeholders
from .model import Reading
from .walk import shape_at

PARTIAL = "partly a placeholder: checked only as far as its literal text decides"
_WHEN = re.compile(r" when ([A-Za-z0-9]+(?: or [A-Za-z0-9]+)*) is (not )?given$")


def user_pointer(reading: Reading, api_pointer: str) -> str:
    """Where an API pointer is in the document; a value it lacks is spelled from its nearest ancestor."""
    found = reading.pointers.get(api_pointer)
    if found is not None:
        return found
    parts = pointers.split(api_pointer)
    for index in range(len(parts) - 1, -1, -1):
        base = reading.pointers.get(pointers.join(parts[:index]))
        if base is None:
            continue
        rest = [reading.spell(parts[:j], str(parts[j])) for j in range(index, len(parts))]
        return base + pointers.join(rest)
    return reading.root + api_pointer


def _below(pointer: str, ancestor: str) -> bool:
    return pointer == ancestor or pointer.startswith(ancestor + "/")


def _unknown_above(reading: Reading, pointer: str) -> str | None:
    """The known-unknown value at or above ``pointer``, if any."""
    if not reading.unknown:
        return None
    parts = pointer.split("/")
    for index in range(len(parts), 0, -1):
        candidate = "/".join(parts[:index])
        if candidate in reading.unknown:
            return candidate
    return None


def kept(reading: Reading, violations: Sequence[Violation]) -> list[Violation]:
    """The violations that hold whatever the known-unknown values are (still at API pointers)."""
    out = []
    for violation in violations:
        pointer = violation.pointer
        if reading.within is not None and not _below(pointer, reading.within):
            continue
        unknown = _unknown_above(reading, pointer)
        if unknown is not None and not (unknown == pointer and violation.keyword == "additionalProperties"):
            continue
        if violation.keyword == "propertyNames" and pointer in reading.unknown_keys:
            continue
        literal = reading.partial.get(pointer)
        if literal is not None and violation.keyword != "additionalProperties":
            syntax = reading.syntax or placeholders.GENERIC
            still = placeholders.certain(violation, literal, syntax)
            if still is None:
                continue
            violation = still
        out.append(violation)
    return out


def unchecked(reading: Reading) -> list[tuple[str, str]]:
    """(document pointer, why) for each value not checked."""
    found = [(p, r) for p, r in reading.unknown.items()]
    found += [(p, PARTIAL) for p in reading.partial]
    found += [(p, r) for p, r in reading.unknown_keys.items()]
    if reading.within is not None:
        found = [(p, r) for p, r in found if _below(p, reading.within)]
    return sorted((user_pointer(reading, p), r) for p, r in found)


def restore(reading: Reading, violations: Sequence[Violation]) -> list[Violation]:
    """Violations at document pointers, worded with the document's names; then the form's own."""
    out = []
    root = _root_shape(reading)
    for violation in violations:
        target = user_pointer(reading, violation.pointer)
        message = violation.message
        if reading.renames:
            message = _reword(reading, root, violation)
        hint = _hint(reading, violation)
        if hint:
            message = f"{message} ({hint})"
        out.append(replace(violation, pointer=target, message=message))
    seen = {(v.pointer, v.keyword) for v in reading.problems}
    return [*reading.problems, *(v for v in out if (v.pointer, v.keyword) not in seen)]


def _root_shape(reading: Reading) -> Shape | None:
    if not reading.renames or reading.api is None:
        return None
    return operation_shape(reading.api, reading.operation, reading.direction)


def _hint(reading: Reading, violation: Violation) -> str | None:
    if not reading.hints or not isinstance(violation.instance, str) or "{{" not in violation.instance:
        return None
    return next((h for p, h in reading.hints.items() if _below(violation.pointer, p)), None)


def display(reading: Reading, api_parts: list[Any]) -> str:
    """A field as the document names it, below the input's root: ``JobDriver.SparkSubmit.EntryPoint``."""
    target = user_pointer(reading, pointers.join(api_parts))
    if target == reading.root or not target.startswith(reading.root + "/"):
        return reading.root_name if target == reading.root else pointers.display(pointers.split(target))
    return pointers.display(pointers.split(target[len(reading.root) :])) or reading.root_name


def _reword(reading: Reading, root: Shape | None, violation: Violation) -> str:
    parts: list[Any] = pointers.split(violation.pointer)
    message = violation.message
    if violation.keyword == "additionalProperties" and parts:
        parent = parts[:-1]
        name = pointers.unescape(user_pointer(reading, violation.pointer).rsplit("/", 1)[-1])
        shape = shape_at(root, parent)
        allowed = [reading.spell(parent, m) for m in shape.properties] if shape is not None else []
        hint = did_you_mean(name, allowed)
        where = display(reading, parent)
        text = f"unknown field '{name}' in {where}{hint}"
        if allowed and not hint:
            text += f"; allowed fields: {', '.join(allowed)}"
        return text
    spelled_api = pointers.display(parts) if parts else f"the {reading.direction}"
    if message.startswith(spelled_api):
        message = display(reading, parts) + message[len(spelled_api) :]
    if violation.union and isinstance(violation.instance, dict):
        shape = shape_at(root, parts)
        for member in shape.properties if shape is not None else ():
            message = re.sub(rf"\b{re.escape(member)}\b", reading.spell(parts, member), message)
    if violation.keyword == "required":
        message = _WHEN.sub(
            lambda m: (
                " when "
                + " or ".join(reading.spell(parts[:-1], n) for n in m.group(1).split(" or "))
                + f" is {m.group(2) or ''}given"
            ),
            message,
        )
    return message
