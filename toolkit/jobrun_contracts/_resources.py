"""Where the packaged schemas and contracts live: inside the wheel, or in a source checkout."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .errors import SchemaError

_CHECKOUT = Path(__file__).resolve().parent.parent.parent


def data_dir(kind: str) -> Traversable:
    """The ``schemas``/``contracts``/``fixtures`` tree: the wheel's ``_data`` copy, else the checkout's."""
    packaged = resources.files("jobrun_contracts").joinpath("_data").joinpath(kind)
    if packaged.is_dir():
        return packaged
    checkout = _CHECKOUT / kind
    if checkout.is_dir():
        return checkout
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
