"""The ``jobrun-contracts`` command line."""

from .main import main

__all__ = ["main"]
