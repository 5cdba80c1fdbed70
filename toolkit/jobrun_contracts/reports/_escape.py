"""One escaper for every text report: what a document, a target or a file name holds is never trusted.

A key, a reason or a file name may carry a line break (a forged line, or a workflow command a CI
runner obeys), a terminal escape sequence, or a lone surrogate no encoder can write. Every text
output passes such values through here, so they print as visible escapes (``\\x1b``) instead.
"""

from __future__ import annotations

import re

# C0 controls but the tab, DEL and C1 controls (CSI, OSC, NEL ...), the Unicode line and paragraph
# separators (line breaks to str.splitlines and to some viewers), and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def visible(char: str) -> str:
    """One character as a Python-style escape: ``\\x01``, ``\\u2028``; the notation every report uses."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every control character (line breaks included) shown as an escape."""
    return _UNSAFE.sub(lambda m: visible(m.group()), text)


def one_line(text: str) -> str:
    """``text`` safe to print on one line of a terminal or CI log: line breaks as `` \\n ``, controls escaped."""
    return escape(text.replace("\r\n", "\n").replace("\n", " \\n "))
