"""A real emulator on a loopback port per test, with every response it sends checked against our schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from jobrun_contracts.emulator import Emulator, EmulatorServer

ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(check_responses=True, seed=7)) as running:
        yield running
    assert running.emulator.response_problems == [], "the emulator sent responses its own schemas refuse"


@pytest.fixture
def emulator(server: EmulatorServer) -> Emulator:
    return server.emulator


def aws_client(service: str, url: str, *, validate: bool = True, **extra: Any) -> Any:
    config = Config(parameter_validation=validate, retries={"max_attempts": 1})
    credentials = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"} | extra
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=config, **credentials)


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


def alibaba_client(url: str, key: str = "LTAIexample", secret: str = "secret") -> Any:
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi.utils_models import Config as AlibabaConfig

    endpoint = url.removeprefix("http://")
    config = AlibabaConfig(access_key_id=key, access_key_secret=secret, endpoint=endpoint, protocol="http")
    return Client(config)


@pytest.fixture
def alibaba(server: EmulatorServer) -> Any:
    return alibaba_client(server.url)
