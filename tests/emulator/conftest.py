"""A real emulator on a loopback port per test, with every response it sends checked against our schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jobrun_contracts.emulator import Emulator, EmulatorServer

from .clients import alibaba_client, aws_client


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(check_responses=True, seed=7)) as running:
        yield running
    assert running.emulator.response_problems == [], "the emulator sent responses its own schemas refuse"


@pytest.fixture
def emulator(server: EmulatorServer) -> Emulator:
    return server.emulator


@pytest.fixture
def serverless(server: EmulatorServer) -> Any:
    return aws_client("emr-serverless", server.url)


@pytest.fixture
def serverless_raw(server: EmulatorServer) -> Any:
    """A client that sends what we give it: botocore's own validation off, so the server must refuse."""
    return aws_client("emr-serverless", server.url, validate=False)


@pytest.fixture
def containers(server: EmulatorServer) -> Any:
    return aws_client("emr-containers", server.url)


@pytest.fixture
def containers_raw(server: EmulatorServer) -> Any:
    return aws_client("emr-containers", server.url, validate=False)


@pytest.fixture
def alibaba(server: EmulatorServer) -> Any:
    return alibaba_client(server.url)
