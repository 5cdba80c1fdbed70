"""Output formats for ``validate``: one module per format, picked by name and imported on use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from .base import DocumentResult, Totals, Writer

Reporter = Callable[[Sequence[DocumentResult]], str]

FORMATS = ("text", "json", "github", "junit", "sarif")


def reporter(name: str) -> Reporter:
    """The whole report at once."""
    render: Reporter = import_module(f"{__name__}.{name}").render
    return render


def writer(name: str) -> Writer:
    """A report that streams: results are written as they arrive."""
    made: Writer = import_module(f"{__name__}.{name}").Writer()
    return made


__all__ = ["FORMATS", "DocumentResult", "Reporter", "Totals", "Writer", "reporter", "writer"]
