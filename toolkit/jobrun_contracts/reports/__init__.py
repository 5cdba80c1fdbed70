"""Output formats for ``validate``: one module per format, picked by name and imported on use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from .base import DocumentResult

Reporter = Callable[[Sequence[DocumentResult]], str]

FORMATS = ("text", "json", "github", "junit")


def reporter(name: str) -> Reporter:
    render: Reporter = import_module(f"{__name__}.{name}").render
    return render


__all__ = ["FORMATS", "DocumentResult", "Reporter", "reporter"]
