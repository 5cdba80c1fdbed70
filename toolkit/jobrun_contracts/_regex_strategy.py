"""Draw strings that match a service pattern (in full, with its semantics) at an exact length.

Hypothesis's ``from_regex`` cannot aim at a length, so a 60-character minimum or a value one past
``maxLength`` that still matches would be left to luck. Here the pattern tree knows which lengths
each part can produce, and a draw splits a target length among the parts. Long runs of one
class are tiled from a few drawn characters, so a 100 KB value costs a handful of choices.

Hypothesis chooses the length (which shrinks) and a seed; the characters come from a
``random.Random`` on that seed. One string is two choices instead of two per character, which
is what makes kilobyte-sized specs cheap; reproducibility is kept, character shrinking is not.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from ._patterns import LENGTH_CAP, Lengths, Node, add, compile_pattern, contains

_PRINTABLE = (0x20, 0x7E)
_TILE = 8  # distinct draws before a long run repeats itself
_suffixes: dict[int, list[Lengths]] = {}
_printables: dict[int, tuple[tuple[int, int], ...]] = {}
_alphabets: dict[int, str] = {}
_SEEDS = st.integers(0, 2**64 - 1)


class Infeasible(Exception):
    """No string of the requested length matches (only possible where lengths have gaps)."""


def lengths_within(pattern: str | None, low: int, high: int | None) -> Lengths:
    """The lengths a value may have: the pattern's, cut to [low, high]."""
    cap = LENGTH_CAP if high is None else min(high, LENGTH_CAP)
    available: Lengths = compile_pattern(pattern).tree.lengths if pattern is not None else ((0, LENGTH_CAP),)
    return tuple((max(lo, low), min(hi, cap)) for lo, hi in available if max(lo, low) <= min(hi, cap))


def draw_match(draw: Any, pattern: str, length: int) -> str:
    """A string of exactly ``length`` characters that matches ``pattern`` in full."""
    return match(random.Random(draw(_SEEDS)), pattern, length)


def match(rng: random.Random, pattern: str, length: int) -> str:
    return _draw(rng, compile_pattern(pattern).tree, length)


_ANY = Node("class", ranges=((0xD800, 0xDFFF),), negated=True, lengths=((1, 1),))


def draw_text(draw: Any, length: int) -> str:
    """Any text (no pattern) of exactly ``length`` characters, mostly printable ASCII."""
    return _tile(random.Random(draw(_SEEDS)), _ANY, length)


def _draw(rng: random.Random, node: Node, length: int) -> str:
    if not contains(node.lengths, length):
        raise Infeasible(length)
    kind = node.kind
    if kind in ("lit", "class"):
        return _char(rng, node)
    if kind == "anchor":
        return ""
    if kind == "group":
        return _draw(rng, node.children[0], length)
    if kind == "alt":
        options = [child for child in node.children if contains(child.lengths, length)]
        return _draw(rng, rng.choice(options), length)
    if kind == "seq":
        return _sequence(rng, node, length)
    return _repeat(rng, node, length)


def _sequence(rng: random.Random, node: Node, length: int) -> str:
    suffixes = _suffixes.get(id(node))
    if suffixes is None:
        suffixes = [((0, 0),)]
        for child in reversed(node.children):
            suffixes.insert(0, add(child.lengths, suffixes[0]))
        _suffixes[id(node)] = suffixes
    parts, remaining = [], length
    for index, child in enumerate(node.children):
        rest = suffixes[index + 1]
        choices = [
            (max(a, remaining - d), min(b, remaining - c))
            for a, b in child.lengths
            for c, d in rest
            if max(a, remaining - d) <= min(b, remaining - c)
        ]
        if not choices:
            raise Infeasible(length)
        low, high = choices[0] if len(choices) == 1 else rng.choice(choices)
        size = low if low == high else rng.randint(low, high)
        parts.append(_draw(rng, child, size))
        remaining -= size
    return "".join(parts)


def _repeat(rng: random.Random, node: Node, length: int) -> str:
    child = node.children[0]
    if length == 0:
        return ""
    unit_low = max(1, child.lengths[0][0])
    unit_high = child.lengths[-1][1]
    if child.kind in ("lit", "class") and length > 1:  # the length is feasible, so within the bounds
        return _tile(rng, child, length)
    count_low = max(node.low, -(-length // unit_high), 1)
    count_high = min(node.high if node.high is not None else length, length // unit_low)
    if count_low > count_high:
        raise Infeasible(length)
    count = count_low if count_low == count_high else rng.randint(count_low, min(count_high, count_low + 8))
    parts, remaining = [], length
    for index in range(count):
        left = count - index - 1
        low = max(child.lengths[0][0], remaining - left * unit_high)
        high = min(unit_high, remaining - left * child.lengths[0][0])
        if low > high:
            raise Infeasible(length)
        size = low if low == high else rng.randint(low, high)
        parts.append(_draw(rng, child, size))
        remaining -= size
    return "".join(parts)


def _tile(rng: random.Random, node: Node, length: int) -> str:
    """A run of one class: printable characters in bulk, now and then a wider one."""
    if length == 0:
        return ""
    alphabet = _alphabet(node)
    if not alphabet:
        block = [_char(rng, node) for _ in range(min(length, _TILE))]
        return ("".join(block) * (length // len(block) + 1))[:length]
    chars = rng.choices(alphabet, k=length)
    if rng.random() < 0.1:
        chars[rng.randrange(length)] = _char(rng, node)
    return "".join(chars)


def _alphabet(node: Node) -> str:
    """The printable ASCII members of a class, as a string to draw from in bulk."""
    cached = _alphabets.get(id(node))
    if cached is None:
        if node.kind == "lit":
            cached = chr(node.ranges[0][0])
        else:
            inside = {c for lo, hi in node.ranges for c in range(max(lo, 0x20), min(hi, 0x7E) + 1)}
            members = set(range(0x20, 0x7F)) - inside if node.negated else inside
            cached = "".join(chr(c) for c in sorted(members))
        _alphabets[id(node)] = cached
    return cached


def _printable(node: Node) -> tuple[tuple[int, int], ...]:
    cached = _printables.get(id(node))
    if cached is None:
        cut = ((max(lo, _PRINTABLE[0]), min(hi, _PRINTABLE[1])) for lo, hi in node.ranges)
        cached = _printables[id(node)] = tuple((lo, hi) for lo, hi in cut if lo <= hi)
    return cached


def _char(rng: random.Random, node: Node) -> str:
    if node.kind == "lit":
        return chr(node.ranges[0][0])
    if not node.negated:
        printable = _printable(node)
        pool = node.ranges if not printable or rng.random() < 0.1 else printable
        low, high = pool[0] if len(pool) == 1 else rng.choice(pool)
        return chr(low if low == high else rng.randint(low, high))
    # a negated class: mostly printable ASCII, sometimes anything outside it (never a surrogate)
    code = rng.randint(0, 0x10FFFF) if rng.random() < 0.1 else rng.randint(*_PRINTABLE)
    if _outside(node, code):
        return chr(code)
    for candidate in range(_PRINTABLE[0], 0xD800):
        if _outside(node, candidate):
            return chr(candidate)
    raise Infeasible(1)


def _outside(node: Node, code: int) -> bool:
    return not 0xD800 <= code <= 0xDFFF and not any(lo <= code <= hi for lo, hi in node.ranges)
