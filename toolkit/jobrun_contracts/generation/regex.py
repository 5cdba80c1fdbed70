"""Draw strings that match a service pattern (in full, with its semantics) at an exact length.

Hypothesis's ``from_regex`` cannot aim at a length, so a 60-character minimum or a value one past
``maxLength`` that still matches would be left to luck. Here the pattern tree knows which lengths
each part can produce, and a draw splits a target length among the parts. Long runs of one
class are tiled from a block of drawn characters, so a 100 KB value stays cheap.

Everything is drawn from a ``random.Random``: the compiler (``compiler``) seeds it from a
Hypothesis choice, so a string costs no Hypothesis choice of its own, and the same seed gives
the same string.
"""

from __future__ import annotations

import random
from functools import cache

from ..core.patterns import LENGTH_CAP, Lengths, Node, add, compile_pattern, contains

_PRINTABLE = (0x20, 0x7E)
_TILE = 8  # distinct draws before a long run of wide characters repeats itself
_BLOCK = 512  # a long printable run repeats a block of this many drawn characters
_Step = tuple[Node, str | None, Lengths]  # a part of a sequence, its literal text, what may follow
_sequences: dict[int, list[_Step]] = {}
_printables: dict[int, tuple[tuple[int, int], ...]] = {}
_alphabets: dict[int, str] = {}
_tables: dict[int, bytes | None] = {}
_bulk_tables: dict[str, bytes | None] = {}
_WIDE = 0.1  # how often a run reaches past printable ASCII


class Infeasible(Exception):
    """No string of the requested length matches (only possible where lengths have gaps)."""


def lengths_within(pattern: str | None, low: int, high: int | None) -> Lengths:
    """The lengths a value may have: the pattern's, cut to [low, high]."""
    cap = LENGTH_CAP if high is None else min(high, LENGTH_CAP)
    available: Lengths = compile_pattern(pattern).tree.lengths if pattern is not None else ((0, LENGTH_CAP),)
    return tuple((max(lo, low), min(hi, cap)) for lo, hi in available if max(lo, low) <= min(hi, cap))


def match(rng: random.Random, pattern: str, length: int) -> str:
    """A string of exactly ``length`` characters that matches ``pattern`` in full."""
    tree = compile_pattern(pattern).tree
    if pattern not in _bulk_tables:
        alphabet = common_alphabet(pattern)
        raw = alphabet.encode("ascii")
        _bulk_tables[pattern] = bytes(raw[b % len(raw)] for b in range(256)) if raw else None
    table = _bulk_tables[pattern]
    if table is not None and length and rng.random() >= _WIDE:
        return _bulk(rng, table, length)
    return _draw(rng, tree, length)


def _bulk(rng: random.Random, table: bytes, length: int) -> str:
    size = min(length, _BLOCK)
    block = rng.randbytes(size).translate(table).decode("ascii")
    return block if length <= _BLOCK else (block * (length // _BLOCK + 1))[:length]


@cache
def common_alphabet(pattern: str) -> str:
    """The printable ASCII characters with which any string of a length the pattern allows
    matches it: those every part accepts, where the parts are single characters or repeats of
    one (``[0-9a-z]+``, ``.*\\S.*``); empty for the others (ARNs, URLs, literals). Such strings
    are drawn in bulk, with no walk of the tree and no check."""
    leaves: list[Node] = []
    todo = [compile_pattern(pattern).tree]
    while todo:
        node = todo.pop()
        if node.kind in ("lit", "class"):
            leaves.append(node)
        elif node.kind == "repeat" and node.children[0].kind not in ("lit", "class"):
            return ""  # its lengths may be approximate: not every length is a match
        else:
            todo.extend(node.children)
    common = set(range(0x20, 0x7F))
    for leaf in leaves:
        common &= {ord(c) for c in _alphabet(leaf)}
    return "".join(chr(c) for c in sorted(common))


_ANY = Node("class", ranges=((0xD800, 0xDFFF),), negated=True, lengths=((1, 1),))


def text(rng: random.Random, length: int) -> str:
    """Any text (no pattern) of exactly ``length`` characters, mostly printable ASCII."""
    return _tile(rng, _ANY, length)


def _draw(rng: random.Random, node: Node, length: int) -> str:
    lengths = node.lengths
    if not (lengths[0][0] <= length <= lengths[0][1] if len(lengths) == 1 else contains(lengths, length)):
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
    parts, remaining = [], length
    for child, literal, rest in _steps(node):
        if literal is not None:  # fixed parts need no choice: the length is feasible, so what follows is
            parts.append(literal)
            remaining -= len(literal)
            continue
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


def _steps(node: Node) -> list[_Step]:
    """A sequence's children, each with the lengths of what follows it; runs of literals are
    joined into one string."""
    steps = _sequences.get(id(node))
    if steps is None:
        suffixes: list[Lengths] = [((0, 0),)]
        for child in reversed(node.children):
            suffixes.insert(0, add(child.lengths, suffixes[0]))
        steps = []
        for index, child in enumerate(node.children):
            if child.kind == "lit" and steps and steps[-1][1] is not None:
                steps[-1] = (steps[-1][0], steps[-1][1] + chr(child.ranges[0][0]), suffixes[index + 1])
            elif child.kind == "lit":
                steps.append((child, chr(child.ranges[0][0]), suffixes[index + 1]))
            elif child.kind == "anchor":
                continue
            else:
                steps.append((child, None, suffixes[index + 1]))
        _sequences[id(node)] = steps
    return steps


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
    if count > _TILE:
        tiled = _tile_units(rng, child, length, count)
        if tiled is not None:
            return tiled
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


def _tile_units(rng: random.Random, child: Node, length: int, count: int) -> str | None:
    """Many repeats of a compound part: units of two neighbouring sizes, a few of each drawn and
    tiled (None where a size is not one the part can have)."""
    base, longer = divmod(length, count)
    out = []
    for size, units in ((base, count - longer), (base + 1, longer)):
        if units == 0:
            continue
        if not contains(child.lengths, size):
            return None
        block = "".join(_draw(rng, child, size) for _ in range(min(units, 4)))
        out.append((block * (units // 4 + 1))[: units * size])
    return "".join(out)


def _tile(rng: random.Random, node: Node, length: int) -> str:
    """A run of one class: printable characters in bulk, now and then a wider one."""
    if length == 0:
        return ""
    table = _tables[id(node)] if id(node) in _tables else _table(node)
    if table is None:
        block = "".join(_char(rng, node) for _ in range(min(length, _TILE)))
        return (block * (length // len(block) + 1))[:length]
    size = min(length, _BLOCK)
    block = rng.randbytes(size).translate(table).decode("ascii")
    if rng.random() < _WIDE:
        at = rng.randrange(size)
        block = block[:at] + _char(rng, node) + block[at + 1 :]
    return block if length <= _BLOCK else (block * (length // _BLOCK + 1))[:length]


def _table(node: Node) -> bytes | None:
    """A byte translation onto the class's printable ASCII members, to turn random bytes into
    characters in bulk (None if it has none)."""
    if id(node) not in _tables:
        alphabet = _alphabet(node).encode("ascii")
        _tables[id(node)] = bytes(alphabet[b % len(alphabet)] for b in range(256)) if alphabet else None
    return _tables[id(node)]


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
