"""GitHub Actions workflow commands: each violation becomes an annotation on its file and line.

The runner obeys any stdout line that starts with ``::``, so a file name or key holding a line
break could issue commands of its own. Values are escaped as GitHub's toolkit does (``%0A`` for a
line break, ``%3A`` and ``%2C`` in properties), and other controls as the text reports show them.
"""

from __future__ import annotations

from . import base
from ._escape import escape
from .base import DocumentResult


def _data(text: str) -> str:
    """A command's message: ``%``, CR and LF percent-encoded, then any other control escaped."""
    return escape(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    """A command's property value (``file=``, ``title=``): as ``_data``, and ``:`` and ``,`` encoded too."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class Writer(base.Writer):
    def entry(self, result: DocumentResult) -> str:
        out: list[str] = []
        file = _property(result.path)
        if result.error is not None:
            line = f",line={result.error_line}" if result.error_line else ""
            out.append(f"::error file={file}{line},title=unreadable input::{_data(result.error)}")
        for violation in result.violations:
            line_number = result.line_of(violation.pointer)
            line = f",line={line_number}" if line_number else ""
            title = _property(f"{violation.pointer or '/'} {violation.keyword}")
            out.append(f"::error file={file}{line},title={title}::{_data(violation.message)}")
        return "".join(line + "\n" for line in out)

    def finish(self) -> str:
        return self.totals.line() + "\n"


render = Writer.render
