"""pytest plugin: the ``jobrun_emulator`` fixture for users' own tests.

Loaded through the ``pytest11`` entry point; importing it costs only this module, since the
emulator is imported when a test first asks for it. Under pytest-xdist every worker is its own
session, so every worker gets its own emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import EmulatorServer


@pytest.fixture(scope="session")
def jobrun_emulator_session() -> Iterator[EmulatorServer]:
    """One emulator on a free loopback port for the whole session (per xdist worker)."""
    from .emulator import Emulator, EmulatorServer

    with EmulatorServer(Emulator()) as server:
        yield server


@pytest.fixture
def jobrun_emulator(jobrun_emulator_session: EmulatorServer) -> EmulatorServer:
    """The session's emulator, reset for this test: ``.url``, ``.defaults``, ``.advance()``, ``.fail()``."""
    jobrun_emulator_session.reset()
    return jobrun_emulator_session
