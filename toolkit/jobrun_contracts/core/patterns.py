"""Service regex semantics, carried into Python's ``re``, the Rust ``regex`` engine and generators.

The services test a value against the whole pattern, with Java's rules (see docs/patterns.md):

- the whole value must match: ``my_app`` fails ``[0-9a-z]+``, and ``abc\\n`` fails ``abc$``;
- ``.`` matches anything but the line terminators ``\\n``, ``\\r``, U+0085, U+2028 and U+2029;
- ``\\d``, ``\\w`` and ``\\s`` are ASCII only (Python's and Rust's are Unicode-aware);
- ``\\uXXXX`` escapes are code points, and a surrogate pair of escapes is one supplementary
  character.

A pattern is parsed once into a small tree (:class:`Node`) that is written out again for each
engine with every class spelled out, so no engine default is left to interpret it; the same
tree drives value generation (``generation.regex``). Constructs the schemas do not use
(lookaround, backreferences, ``\\p{..}``) are refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Literal

from ..errors import SchemaError

Dialect = Literal["python", "rust"]
Ranges = tuple[tuple[int, int], ...]
Lengths = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive intervals of possible lengths

LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
_ASCII_SPACE = " \t\n\x0b\x0c\r"
LENGTH_CAP = 1 << 20  # lengths are tracked up to here; longer is "unbounded"

_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE: Ranges = tuple((ord(c), ord(c)) for c in sorted(_ASCII_SPACE))
_SHORTHANDS: dict[str, tuple[Ranges, bool]] = {
    "d": (((0x30, 0x39),), False),
    "D": (((0x30, 0x39),), True),
    "w": (_WORD, False),
    "W": (_WORD, True),
    "s": (_SPACE, False),
    "S": (_SPACE, True),
}
_DOT: tuple[Ranges, bool] = (tuple((ord(c), ord(c)) for c in sorted(LINE_TERMINATORS)), True)
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "a": 0x07, "e": 0x1B}
_META = set("\\.^$|?*+()[]{}")
_CLASS_META = set("\\]-[^&~|")


class PatternError(ValueError):
    """A pattern uses a construct this translation does not support."""


# -- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A parsed pattern: ``kind`` is one of lit, class, seq, alt, group, repeat, anchor."""

    kind: str
    children: tuple[Node, ...] = ()
    ranges: Ranges = ()  # class: the ranges; lit: one range (c, c)
    negated: bool = False
    capturing: bool = False
    low: int = 0  # repeat bounds
    high: int | None = None
    lazy: bool = False
    anchor: str = ""  # "start" or "end"
    lengths: Lengths = field(default=(), compare=False)


def _lit(code: int) -> Node:
    return Node("lit", ranges=((code, code),), lengths=((1, 1),))


def _cls(ranges: Ranges, negated: bool) -> Node:
    return Node("class", ranges=_normalize(ranges), negated=negated, lengths=((1, 1),))


def _normalize(ranges: Ranges) -> Ranges:
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


# -- length arithmetic over interval sets -----------------------------------------------------


def merge(intervals: list[tuple[int, int]]) -> Lengths:
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        lo, hi = min(lo, LENGTH_CAP), min(hi, LENGTH_CAP)
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def add(a: Lengths, b: Lengths) -> Lengths:
    return merge([(x + y, p + q) for x, p in a for y, q in b])


def _repeat_lengths(child: Lengths, low: int, high: int | None) -> Lengths:
    """Lengths of ``low`` to ``high`` copies; past 32 extra copies an unbounded repeat is open-ended."""
    result: Lengths = ((0, 0),)
    for _ in range(min(low, 64)):
        result = add(result, child)
    if low > 64:  # long fixed repeats: only the bounds matter for generation
        result = ((child[0][0] * low, min(LENGTH_CAP, child[-1][1] * low)),)
    total = list(result)
    current = result
    extra = (high - low) if high is not None else 32
    for _ in range(min(extra, 64)):
        current = add(current, child)
        total.extend(current)
    merged = merge(total)
    if child[-1][1] > 0 and (high is None or extra > 64):
        ceiling = LENGTH_CAP if high is None else child[-1][1] * high
        merged = merge([*merged, (merged[-1][0], ceiling)])
    return merged


def contains(lengths: Lengths, n: int) -> bool:
    return any(lo <= n <= hi for lo, hi in lengths)


# -- parsing ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.source, self.pos = source, 0

    def error(self, what: str) -> PatternError:
        return PatternError(f"{what} at offset {self.pos} of pattern {self.source!r}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.source[index] if index < len(self.source) else ""

    def parse(self) -> Node:
        node = self.alternation()
        if self.pos != len(self.source):
            raise self.error("unbalanced parenthesis")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        return Node("alt", tuple(branches), lengths=merge([iv for b in branches for iv in b.lengths]))

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.peek() and self.peek() not in "|)":
            atom = self.atom()
            items.append(self.quantified(atom))
        lengths: Lengths = ((0, 0),)
        for item in items:
            lengths = add(lengths, item.lengths)
        return Node("seq", tuple(items), lengths=lengths)

    def quantified(self, atom: Node) -> Node:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{" and (match := re.compile(r"\{(\d+)(,(\d*))?\}").match(self.source, self.pos)):
            self.pos = match.end()
            low = int(match.group(1))
            high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            if high is not None and high < low:
                raise self.error("repeat bounds out of order")
        else:
            return atom
        if atom.kind == "anchor":
            raise self.error("quantified anchor")
        lazy = self.peek() == "?"
        if lazy:
            self.pos += 1
        elif self.peek() == "+":
            raise self.error("possessive quantifier")
        lengths = _repeat_lengths(atom.lengths, low, high)
        return Node("repeat", (atom,), low=low, high=high, lazy=lazy, lengths=lengths)

    def atom(self) -> Node:
        char = self.peek()
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == ".":
            self.pos += 1
            return _cls(*_DOT)
        if char in "^$":
            self.pos += 1
            return Node("anchor", anchor="start" if char == "^" else "end", lengths=((0, 0),))
        if char == "\\":
            escape = self.single_escape()
            return _cls(*_SHORTHANDS[escape]) if isinstance(escape, str) else _lit(escape)
        if char in "*+?":
            raise self.error("nothing to repeat")
        self.pos += 1
        return _lit(ord(char))  # a stray { or } is the literal, as most engines read it

    def group(self) -> Node:
        capturing = True
        if self.source.startswith("(?:", self.pos):
            self.pos += 3
            capturing = False
        elif self.peek(1) == "?":
            raise self.error("unsupported group syntax")
        else:
            self.pos += 1
        inner = self.alternation()
        if self.peek() != ")":
            raise self.error("unbalanced parenthesis")
        self.pos += 1
        return Node("group", (inner,), capturing=capturing, lengths=inner.lengths)

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

    def class_atom(self) -> int | str:
        char = self.peek()
        if char == "\\":
            return self.single_escape()
        if char == "[" or (char == "&" and self.peek(1) == "&"):
            raise self.error("nested class or class intersection")
        self.pos += 1
        return ord(char)

    def char_class(self) -> Node:
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
        return _cls(tuple(ranges), negated)


# -- writing it out again ---------------------------------------------------------------------


def _char(code: int, *, in_class: bool) -> str:
    char = chr(code)
    special = _CLASS_META if in_class else _META
    if char in special:
        return "\\" + char
    if 0x21 <= code <= 0x7E or char == " ":
        return char
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _range(lo: int, hi: int) -> str:
    if lo == hi:
        return _char(lo, in_class=True)
    return f"{_char(lo, in_class=True)}-{_char(hi, in_class=True)}"


def emit(node: Node, dialect: Dialect) -> str:
    if node.kind == "lit":
        return _char(node.ranges[0][0], in_class=False)
    if node.kind == "class":
        return f"[{'^' if node.negated else ''}{''.join(_range(lo, hi) for lo, hi in node.ranges)}]"
    if node.kind == "seq":
        return "".join(emit(child, dialect) for child in node.children)
    if node.kind == "alt":
        return "|".join(emit(child, dialect) for child in node.children)
    if node.kind == "group":
        return f"({'' if node.capturing else '?:'}{emit(node.children[0], dialect)})"
    if node.kind == "anchor":
        if dialect == "python":
            return "\\A" if node.anchor == "start" else "\\Z"
        return "^" if node.anchor == "start" else "$"
    low, high = node.low, node.high
    quantifier = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((low, high))
    if quantifier is None:
        quantifier = f"{{{low}}}" if high == low else f"{{{low},{'' if high is None else high}}}"
    return emit(node.children[0], dialect) + quantifier + ("?" if node.lazy else "")


@dataclass(frozen=True)
class ServicePattern:
    """A service pattern, its tree and its translations."""

    source: str
    tree: Node
    rust: str  # anchored; for jsonschema-rs with RegexOptions

    @cached_property
    def python(self) -> re.Pattern[str]:
        """Compiled on first use (use ``.fullmatch()``): the engine checks valid documents with the Rust
        translation alone, so a ``validate`` run over valid files never pays for Python's ``re.compile``."""
        return re.compile(emit(self.tree, "python"))

    def matches(self, value: str) -> bool:
        return self.python.fullmatch(value) is not None


@cache
def compile_pattern(source: str) -> ServicePattern:
    tree = _Parser(source).parse()
    return ServicePattern(source, tree, f"^(?:{emit(tree, 'rust')})$")


_RESPELL = re.compile(r"\\U([0-9A-F]{8})|\\([&~])|\\.", re.DOTALL)


def portable(source: str) -> str:
    """``source`` as the service reads it, written so ECMA-262 (``u``), Python ``re`` and Rust agree.

    Starts from the Rust translation (anchored, classes spelled out) and respells its two escapes
    ECMA-262 refuses: ``\\U0010FFFF`` becomes the character itself, ``\\~`` and ``\\&`` become ``\\u`` escapes.
    """
    try:
        translated = compile_pattern(source).rust
    except PatternError as error:
        raise SchemaError(f"pattern {source!r}: {error}") from None
    return _RESPELL.sub(_respell, translated)


def _respell(match: re.Match[str]) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    if match.group(2):
        return f"\\u{ord(match.group(2)):04X}"
    return match.group(0)
