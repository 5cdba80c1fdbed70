"""Draw strings that match a service pattern (in full, with its semantics) at an exact length.

Hypothesis's ``from_regex`` cannot aim at a length, so a 60-character minimum or a value one past
``maxLength`` that still matches would be left to luck. Here the pattern tree knows which lengths
each part can produce, and a draw splits a target length among the parts. Long runs of one
class are tiled from a few drawn characters, so a 100 KB value costs a handful of choices.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ._patterns import LENGTH_CAP, Lengths, Node, add, compile_pattern, contains

_PRINTABLE = (0x20, 0x7E)
_TILE = 8  # distinct draws before a long run repeats itself
_suffixes: dict[int, list[Lengths]] = {}


class Infeasible(Exception):
    """No string of the requested length matches (only possible where lengths have gaps)."""


def lengths_within(pattern: str | None, low: int, high: int | None) -> Lengths:
    """The lengths a value may have: the pattern's, cut to [low, high]."""
    cap = LENGTH_CAP if high is None else min(high, LENGTH_CAP)
    available: Lengths = compile_pattern(pattern).tree.lengths if pattern is not None else ((0, LENGTH_CAP),)
    return tuple((max(lo, low), min(hi, cap)) for lo, hi in available if max(lo, low) <= min(hi, cap))


def draw_match(draw: Any, pattern: str, length: int) -> str:
    """A string of exactly ``length`` characters that matches ``pattern`` in full."""
    return _draw(draw, compile_pattern(pattern).tree, length)


def draw_text(draw: Any, length: int) -> str:
    """Any text (no pattern) of exactly ``length`` characters, mostly printable ASCII."""
    node = Node("class", ranges=((0xD800, 0xDFFF),), negated=True, lengths=((1, 1),))
    return _tile(draw, node, length)


def _draw(draw: Any, node: Node, length: int) -> str:
    if not contains(node.lengths, length):
        raise Infeasible(length)
    kind = node.kind
    if kind in ("lit", "class"):
        return _char(draw, node)
    if kind == "anchor":
        return ""
    if kind == "group":
        return _draw(draw, node.children[0], length)
    if kind == "alt":
        options = [child for child in node.children if contains(child.lengths, length)]
        return _draw(draw, draw(st.sampled_from(options)), length)
    if kind == "seq":
        return _sequence(draw, node, length)
    return _repeat(draw, node, length)


def _sequence(draw: Any, node: Node, length: int) -> str:
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
        low, high = choices[0] if len(choices) == 1 else draw(st.sampled_from(choices))
        size = low if low == high else draw(st.integers(low, high))
        parts.append(_draw(draw, child, size))
        remaining -= size
    return "".join(parts)


def _repeat(draw: Any, node: Node, length: int) -> str:
    child = node.children[0]
    if length == 0:
        return ""
    unit_low = max(1, child.lengths[0][0])
    unit_high = child.lengths[-1][1]
    if child.kind in ("lit", "class") and length > _TILE:
        return _tile(draw, child, length)
    count_low = max(node.low, -(-length // unit_high), 1)
    count_high = min(node.high if node.high is not None else length, length // unit_low)
    if count_low > count_high:
        raise Infeasible(length)
    count = count_low if count_low == count_high else draw(st.integers(count_low, min(count_high, count_low + 8)))
    parts, remaining = [], length
    for index in range(count):
        left = count - index - 1
        low = max(child.lengths[0][0], remaining - left * unit_high)
        high = min(unit_high, remaining - left * child.lengths[0][0])
        if low > high:
            raise Infeasible(length)
        size = low if low == high else draw(st.integers(low, high))
        parts.append(_draw(draw, child, size))
        remaining -= size
    return "".join(parts)


def _tile(draw: Any, node: Node, length: int) -> str:
    block = [_char(draw, node) for _ in range(min(length, _TILE))]
    return ("".join(block) * (length // len(block) + 1))[:length]


def _char(draw: Any, node: Node) -> str:
    if node.kind == "lit":
        return chr(node.ranges[0][0])
    if not node.negated:
        printable = [(max(lo, _PRINTABLE[0]), min(hi, _PRINTABLE[1])) for lo, hi in node.ranges]
        printable = [(lo, hi) for lo, hi in printable if lo <= hi]
        pool = node.ranges if not printable or draw(st.integers(0, 9)) == 0 else tuple(printable)
        low, high = pool[0] if len(pool) == 1 else draw(st.sampled_from(pool))
        return chr(low if low == high else draw(st.integers(low, high)))
    # a negated class: mostly printable ASCII, sometimes anything outside it (never a surrogate)
    wide = draw(st.integers(0, 9)) == 0
    code = draw(st.integers(0, 0x10FFFF) if wide else st.integers(*_PRINTABLE))
    for candidate in (code, *range(_PRINTABLE[0], _PRINTABLE[1] + 1), *range(0xA0, 0xD800)):
        if not 0xD800 <= candidate <= 0xDFFF and not any(lo <= candidate <= hi for lo, hi in node.ranges):
            return chr(candidate)
    raise Infeasible(1)
