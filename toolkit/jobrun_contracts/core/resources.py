"""Where the packaged schemas and contracts live: inside the wheel, or in a source checkout."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SchemaError

if TYPE_CHECKING:
    from importlib.abc import Traversable

_PACKAGE = Path(__file__).resolve().parent.parent  # jobrun_contracts/
_PACKAGED = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent.parent  # toolkit/jobrun_contracts -> the repository root


def data_dir(kind: str) -> Path | Traversable:
    """The ``schemas``/``contracts``/``fixtures`` tree: the wheel's ``_data`` copy, else the checkout's.

    A plain path is tried first (importing importlib.resources costs a CLI run 30 ms); the
    resources API is the fallback for a package imported from a zip file.
    """
    for candidate in (_PACKAGED / kind, _CHECKOUT / kind):
        if candidate.is_dir():
            return candidate
    from importlib import resources

    packaged = resources.files("jobrun_contracts").joinpath("_data").joinpath(kind)
    if packaged.is_dir():
        return packaged
    raise SchemaError(f"jobrun-contracts is installed without its {kind}/ data")


@cache
def schema_document(api: str, name: str) -> dict[str, Any]:
    """One schema file of one API, parsed once per process."""
    resource = data_dir("schemas").joinpath(api).joinpath(name)
    try:
        document: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SchemaError(f"cannot load schema {api}/{name}: {error}") from error
    return document


def schema_names(api: str) -> list[str]:
    return sorted(item.name for item in data_dir("schemas").joinpath(api).iterdir() if item.name.endswith(".json"))
