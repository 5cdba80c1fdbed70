"""Clients of the emulator the emulator tests share: boto3 and the Alibaba SDK pointed at a URL."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"


def aws_client(service: str, url: str, *, validate: bool = True, **extra: Any) -> Any:
    config = Config(parameter_validation=validate, retries={"max_attempts": 1})
    credentials = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"} | extra
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=config, **credentials)


def alibaba_client(url: str, key: str = "LTAIexample", secret: str = "secret") -> Any:
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi.utils_models import Config as AlibabaConfig

    endpoint = url.removeprefix("http://")
    config = AlibabaConfig(access_key_id=key, access_key_secret=secret, endpoint=endpoint, protocol="http")
    return Client(config)
