"""What every input form gives the validator: an operation input, and the way back to the user's document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..registry import Direction
from ..validation import Violation

#: The forms a document may take (``--input-form``); ``auto`` picks one per document.
FORMS = ("auto", "cli-input", "asl", "airflow")

#: How a form spells a member below an API pointer: (the parent's API parts, the API name) -> the user's key.
Spelling = Callable[[list[Any], str], str]


def same(_parent: list[Any], name: str) -> str:
    return name


@dataclass
class Reading:
    """One operation input a document denotes, and how its parts map back to the document.

    ``pointers`` maps the API pointer of every value built from the document to where that value
    is in the document; a pointer it lacks (a missing member) is spelled from its nearest mapped
    ancestor with ``spell``. ``unknown`` values are known to be there but not what they are (a
    JSONPath, a placeholder): their name is checked, their value is not. ``partial`` strings are
    partly a placeholder: what is certain is still checked (``placeholders``).
    """

    data: Any
    api: str | None
    operation: str
    form: str  # one of FORMS, never "auto"
    root: str = ""  # where the input sits in the document (a task's Parameters)
    part: str | None = None  # which part of the document, when it holds several (a state, a task)
    decided: str | None = None  # one line: what was read, as what, and why
    pointers: dict[str, str] = field(default_factory=dict)
    spell: Spelling = same
    unknown: dict[str, str] = field(default_factory=dict)  # API pointer -> why its value is not known
    partial: dict[str, str] = field(default_factory=dict)  # API pointer -> the text with placeholders removed
    syntax: re.Pattern[str] | None = None  # the placeholders looked for, if any
    unknown_keys: dict[str, str] = field(default_factory=dict)  # API pointer of a map with a placeholder key
    hints: dict[str, str] = field(default_factory=dict)  # API pointer -> said after a violation at or below it
    notes: list[str] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)  # the form's own findings, at document pointers
    #: violations kept only at or below this API pointer (a --shape fragment placed in an operation)
    within: str | None = None
    error: str | None = None  # the document is of this form but holds nothing to check: why
    deferred: bool = False  # placeholders not looked for yet (``scan_deferred``)
    detected: bool = False  # the form was told by the document, not by --input-form
    root_name: str = "the request"  # how messages name the input itself
    direction: Direction = "request"

    @property
    def renames(self) -> bool:
        """Whether the document's names differ from the API's (and messages are worded anew)."""
        return self.form != "cli-input" or self.within is not None
