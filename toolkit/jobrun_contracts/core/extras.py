"""Optional dependencies: validation needs none of them; each other feature names the extra it needs."""

from __future__ import annotations

import importlib.util

from ..errors import MissingExtra

#: The extra of pyproject.toml that brings each optional module.
EXTRA_OF = {"hypothesis": "generate", "botocore": "aws"}


def missing(module: str, feature: str, extra: str | None = None) -> MissingExtra:
    """The error to raise when importing ``module`` failed."""
    return MissingExtra(feature, module, extra or EXTRA_OF[module])


def require(module: str, feature: str, extra: str | None = None) -> None:
    """Raise MissingExtra (one line in the CLI) when ``module`` cannot be imported; cheap when it can."""
    if importlib.util.find_spec(module) is None:
        raise missing(module, feature, extra)
