"""Service regex semantics, carried into Python's ``re`` and the Rust ``regex`` engine.

The services test a value against the whole pattern, with Java's rules (see docs/patterns.md):

- the whole value must match: ``my_app`` fails ``[0-9a-z]+``, and ``abc\\n`` fails ``abc$``;
- ``.`` matches anything but the line terminators ``\\n``, ``\\r``, U+0085, U+2028 and U+2029;
- ``\\d``, ``\\w`` and ``\\s`` are ASCII only (Python's and Rust's are Unicode-aware);
- ``\\uXXXX`` escapes are code points, and a surrogate pair of escapes is one supplementary
  character.

The translation parses the pattern and writes it out again with every class spelled out, so
no engine default is left to interpret it. Constructs the schemas do not use (lookaround,
backreferences, ``\\p{..}``) are refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

Dialect = Literal["python", "rust"]

LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
_ASCII_SPACE = " \t\n\x0b\x0c\r"

# (ranges, negated) for each shorthand class
_SHORTHANDS: dict[str, tuple[tuple[tuple[int, int], ...], bool]] = {
    "d": (((0x30, 0x39),), False),
    "D": (((0x30, 0x39),), True),
    "w": (((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)), False),
    "W": (((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)), True),
    "s": (tuple((ord(c), ord(c)) for c in _ASCII_SPACE), False),
    "S": (tuple((ord(c), ord(c)) for c in _ASCII_SPACE), True),
}
_DOT = (tuple((ord(c), ord(c)) for c in LINE_TERMINATORS), True)
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "a": 0x07, "e": 0x1B}
_META = set("\\.^$|?*+()[]{}")
_CLASS_META = set("\\]-[^&~|")


class PatternError(ValueError):
    """A pattern uses a construct this translation does not support."""


@dataclass(frozen=True)
class ServicePattern:
    """A service pattern and its translations."""

    source: str
    python: re.Pattern[str]  # use .fullmatch()
    rust: str  # anchored; for jsonschema-rs with RegexOptions

    def matches(self, value: str) -> bool:
        return self.python.fullmatch(value) is not None


@cache
def compile_pattern(source: str) -> ServicePattern:
    python = _Translator(source, "python").translate()
    rust = _Translator(source, "rust").translate()
    return ServicePattern(source, re.compile(python), f"^(?:{rust})$")


def _char(code: int, *, in_class: bool) -> str:
    char = chr(code)
    special = _CLASS_META if in_class else _META
    if char in special:
        return "\\" + char
    if 0x21 <= code <= 0x7E or char == " ":
        return char
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _class(ranges: tuple[tuple[int, int], ...], negated: bool) -> str:
    body = "".join(_range(lo, hi) for lo, hi in ranges)
    return f"[{'^' if negated else ''}{body}]"


def _range(lo: int, hi: int) -> str:
    if lo == hi:
        return _char(lo, in_class=True)
    return f"{_char(lo, in_class=True)}-{_char(hi, in_class=True)}"


class _Translator:
    def __init__(self, source: str, dialect: Dialect) -> None:
        self.source, self.dialect, self.pos = source, dialect, 0

    def error(self, what: str) -> PatternError:
        return PatternError(f"{what} at offset {self.pos} of pattern {self.source!r}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.source[index] if index < len(self.source) else ""

    def translate(self) -> str:
        out: list[str] = []
        while self.pos < len(self.source):
            char = self.source[self.pos]
            if char == "\\":
                out.append(self.escape_outside())
            elif char == "[":
                out.append(self.char_class())
            elif char == ".":
                self.pos += 1
                out.append(_class(*_DOT))
            elif char == "^":
                self.pos += 1
                out.append("\\A" if self.dialect == "python" else "^")
            elif char == "$":
                self.pos += 1
                out.append("\\Z" if self.dialect == "python" else "$")
            elif char == "(":
                out.append(self.group_open())
            elif char in ")|*+?":
                self.pos += 1
                out.append(char)
            elif char == "{":
                out.append(self.brace())
            else:
                self.pos += 1
                out.append(_char(ord(char), in_class=False))
        return "".join(out)

    def group_open(self) -> str:
        if self.source.startswith("(?:", self.pos):
            self.pos += 3
            return "(?:"
        if self.peek(1) == "?":
            raise self.error("unsupported group syntax")
        self.pos += 1
        return "("

    def brace(self) -> str:
        match = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.source, self.pos)
        if match:
            self.pos = match.end()
            return match.group(0)
        self.pos += 1  # Java would refuse a stray brace; treat it as the literal
        return "\\{"

    def code_point_escape(self) -> int:
        """``\\uXXXX`` at pos; a high and low surrogate escape in a row make one code point."""
        digits = self.source[self.pos + 2 : self.pos + 6]
        if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
            raise self.error("malformed \\u escape")
        self.pos += 6
        code = int(digits, 16)
        if 0xD800 <= code <= 0xDBFF and self.source.startswith("\\u", self.pos):
            low_digits = self.source[self.pos + 2 : self.pos + 6]
            if re.fullmatch(r"[0-9A-Fa-f]{4}", low_digits) and 0xDC00 <= int(low_digits, 16) <= 0xDFFF:
                self.pos += 6
                return 0x10000 + ((code - 0xD800) << 10) + (int(low_digits, 16) - 0xDC00)
        if 0xD800 <= code <= 0xDFFF:
            raise self.error("lone surrogate escape")
        return code

    def single_escape(self) -> int | str:
        """The escape at pos: a code point, or a shorthand letter."""
        letter = self.peek(1)
        if not letter:
            raise self.error("trailing backslash")
        if letter == "u":
            return self.code_point_escape()
        if letter == "x":
            match = re.compile(r"\\x([0-9A-Fa-f]{2})").match(self.source, self.pos)
            if not match:
                raise self.error("malformed \\x escape")
            self.pos = match.end()
            return int(match.group(1), 16)
        self.pos += 2
        if letter in _SHORTHANDS:
            return letter
        if letter in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[letter]
        if letter.isalnum():
            raise self.error(f"unsupported escape \\{letter}")
        return ord(letter)

    def escape_outside(self) -> str:
        escape = self.single_escape()
        if isinstance(escape, str):
            return _class(*_SHORTHANDS[escape])
        return _char(escape, in_class=False)

    def class_atom(self) -> int | str:
        char = self.peek()
        if char == "\\":
            return self.single_escape()
        if char == "[" or (char == "&" and self.peek(1) == "&"):
            raise self.error("nested class or class intersection")
        self.pos += 1
        return ord(char)

    def char_class(self) -> str:
        self.pos += 1  # [
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.peek()
            if not char:
                raise self.error("unterminated character class")
            if char == "]" and not first:
                self.pos += 1
                break
            first = False
            atom = self.class_atom()
            if isinstance(atom, str):
                members, member_negated = _SHORTHANDS[atom]
                if member_negated:
                    raise self.error(f"negated shorthand \\{atom} inside a class")
                ranges.extend(members)
                continue
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                upper = self.class_atom()
                if isinstance(upper, str):
                    raise self.error("shorthand as a range bound")
                if upper < atom:
                    raise self.error("range out of order")
                ranges.append((atom, upper))
            else:
                ranges.append((atom, atom))
        return _class(tuple(ranges), negated)
