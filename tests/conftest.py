"""Shared test settings: Hypothesis profiles (``dev`` by default, ``ci`` derandomized)."""

from __future__ import annotations

import yaml  # noqa: F401
from hypothesis import HealthCheck, settings

# PyYAML is imported before any pytester run: pytester forgets the modules a run imported, and a
# re-imported yaml no longer matches the node classes its C extension (libyaml) already holds.

pytest_plugins = ["pytester"]

settings.register_profile("dev", max_examples=50)
settings.register_profile(
    "ci", max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("dev")
