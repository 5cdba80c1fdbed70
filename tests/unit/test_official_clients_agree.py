"""Valid fixtures are valid to the official clients too: botocore's validator, Alibaba's models."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from jobrun_contracts.core import registry
from support import ROOT, without_added_empty_lists

FIXTURES = ROOT / "fixtures"
SERVICES = {"aws-emr-serverless": "emr-serverless", "aws-emr-containers": "emr-containers"}


def valid_requests(api: str) -> list[Path]:
    return sorted((FIXTURES / api).glob("*/valid/*.json"))


@pytest.mark.parametrize(
    "path", [p for api in SERVICES for p in valid_requests(api)], ids=lambda p: str(p.relative_to(FIXTURES))
)
def test_botocore_accepts_valid_aws_fixtures(path: Path) -> None:
    import botocore.session
    from botocore.handlers import generate_idempotent_uuid
    from botocore.validate import validate_parameters

    api, operation = path.parts[-4], path.parts[-3]
    model = botocore.session.get_session().get_service_model(SERVICES[api]).operation_model(operation)
    params = json.loads(path.read_text())
    generate_idempotent_uuid(params, model)  # what the client does before it validates: a spec may omit the token
    validate_parameters(params, model.input_shape)  # raises on a mismatch


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.parametrize(
    "path", valid_requests("alibaba-emr-serverless-spark"), ids=lambda p: str(p.relative_to(FIXTURES))
)
def test_alibaba_sdk_models_round_trip_valid_fixtures(path: Path) -> None:
    models = importlib.import_module("alibabacloud_emr_serverless_spark20230808.models")
    operation = path.parts[-3]
    instance: dict[str, Any] = json.loads(path.read_text())
    op = registry.operation("alibaba-emr-serverless-spark", operation)
    body = {k: v for k, v in instance.items() if op.field(k).location != "path"}
    request = getattr(models, f"{operation}Request")().from_map(body)
    assert without_added_empty_lists(request.to_map(), body) == body
