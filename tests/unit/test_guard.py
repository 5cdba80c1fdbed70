"""``guard()`` with the real SDKs: boto3 and the Alibaba SDK pointed at the emulator on loopback.

The emulator counts every request that reaches it, so "refused before sending" is a count of zero.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.session
import pytest
from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_emr_serverless_spark20230808.client import Client as AlibabaClient
from alibabacloud_tea_openapi.utils_models import Config as AlibabaConfig
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from darabonba.exceptions import ValidateException
from Tea.exceptions import ValidateException as TeaValidateException

import jobrun_contracts
from jobrun_contracts import GuardError, UsageError, ValidationFailed, guard, unguard
from jobrun_contracts.core.sensitive import MARKER
from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.wire import HttpRequest, HttpResponse

ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"
KEYS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/app.py", "sparkSubmitParameters": "--conf a=b"}}
ALIBABA = "alibaba-emr-serverless-spark"
ALIBABA_DRIVER = {"sparkSubmit": {"entryPoint": "oss://bucket/app.jar", "sparkSubmitParameters": "--conf x=y"}}


class Recording(Emulator):
    """The real emulator, keeping every request that reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return super().__call__(request)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Recording()) as running:
        yield running


def seen(server: EmulatorServer) -> list[HttpRequest]:
    emulator = server.emulator
    assert isinstance(emulator, Recording)
    return emulator.requests


def client(service: str, server: EmulatorServer, session: Any = boto3) -> Any:
    config = Config(retries={"max_attempts": 1})
    make = session.create_client if isinstance(session, botocore.session.Session) else session.client
    return make(service, endpoint_url=server.url, region_name="us-east-1", config=config, **KEYS)


def start_params(server: EmulatorServer, **extra: Any) -> dict[str, Any]:
    app = server.defaults["aws-emr-serverless"]
    return {"applicationId": app, "executionRoleArn": ROLE, "jobDriver": DRIVER, "name": "nightly"} | extra


BAD = {
    "name too long": ({"name": "n" * 257}, "/name", "maxLength"),
    "bad pattern": ({"applicationId": "my_app"}, "/applicationId", "pattern"),
    "enum": ({"mode": "batch"}, "/mode", "enum"),
}


@pytest.mark.parametrize("change", BAD.values(), ids=BAD)
def test_an_invalid_spec_is_refused_before_anything_is_sent(server: EmulatorServer, change: Any) -> None:
    extra, pointer, keyword = change
    emr = guard(client("emr-serverless", server))
    with pytest.raises(ParamValidationError) as caught:
        emr.start_job_run(**start_params(server, **extra))
    error = caught.value
    assert isinstance(error, GuardError) and isinstance(error, ValidationFailed)
    assert [(v.pointer, v.keyword) for v in error.violations] == [(pointer, keyword)]
    assert (error.api, error.operation) == ("aws-emr-serverless", "StartJobRun")
    lines = str(error).splitlines()
    assert lines[0] == "Parameter validation failed:"
    assert lines[2].startswith(f"{pointer}: ") and lines[2].endswith(f"[{keyword}]")
    assert seen(server) == []


def test_without_the_guard_botocore_sends_what_the_service_refuses(server: EmulatorServer) -> None:
    """botocore checks no max, pattern or enum: the same spec goes out and comes back refused."""
    emr = client("emr-serverless", server)
    with pytest.raises(ClientError) as caught:
        emr.start_job_run(**start_params(server, name="n" * 257))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert len(seen(server)) == 1


def test_every_violation_is_listed_one_a_line(server: EmulatorServer) -> None:
    emr = guard(client("emr-serverless", server))
    params = start_params(server, name="n" * 300, mode="batch", retryPolicy={"maxAttempts": 11})
    with pytest.raises(GuardError) as caught:
        emr.start_job_run(**params)
    lines = str(caught.value).splitlines()
    assert (
        lines[1] == "aws-emr-serverless StartJobRun request: 3 violations (checked by jobrun-contracts before sending)"
    )
    assert sorted(lines[2:]) == [
        "/mode: mode is \"batch\"; must be one of BATCH, STREAMING (case-sensitive) (did you mean 'BATCH'?) [enum]",
        "/name: name is 300 characters long; at most 256 allowed [maxLength]",
        "/retryPolicy/maxAttempts: retryPolicy.maxAttempts is 11; the maximum is 10 [maximum]"
        " (the service's guide, not the API reference)",
    ]
    assert {v.pointer: v.reference for v in caught.value.violations}["/name"].startswith("https://")


def test_sensitive_values_are_not_in_the_error(server: EmulatorServer) -> None:
    secret, other = "hunter2-DO-NOT-PRINT", "s3cr3t-argument-value"
    driver = {
        "sparkSubmit": {
            "entryPoint": f"s3://bucket/{secret}\n",  # a line break: the pattern .*\S.* fails
            "entryPointArguments": [other, 7],
            "sparkSubmitParameters": f"--conf spark.password={secret}\n",
        }
    }
    emr = guard(client("emr-serverless", server))
    with pytest.raises(GuardError) as caught:
        emr.start_job_run(**start_params(server, jobDriver=driver))
    error = caught.value
    assert {v.pointer for v in error.violations} == {
        "/jobDriver/sparkSubmit/entryPoint",
        "/jobDriver/sparkSubmit/entryPointArguments/1",
        "/jobDriver/sparkSubmit/sparkSubmitParameters",
    }
    assert all(v.sensitive for v in error.violations)
    shown = [
        str(error),
        repr(error),
        *(v.message for v in error.violations),
        *(str(v.instance) for v in error.violations),
    ]
    assert not [text for text in shown if secret in text or other in text]
    assert MARKER in {str(v.instance) for v in error.violations}
    assert seen(server) == []


def test_the_error_survives_pickling(server: EmulatorServer) -> None:
    emr = guard(client("emr-serverless", server))
    with pytest.raises(GuardError) as caught:
        emr.start_job_run(**start_params(server, mode="batch"))
    copied = pickle.loads(pickle.dumps(caught.value))
    # the same class by name: an in-process pytester run may have had its module imported anew since
    assert (type(copied).__module__, type(copied).__qualname__) == ("jobrun_contracts.guards.boto", "BotoGuardError")
    assert isinstance(copied, GuardError) and isinstance(copied, ParamValidationError)
    assert (str(copied), copied.violations) == (str(caught.value), caught.value.violations)


def test_a_valid_spec_goes_out_exactly_as_without_the_guard(server: EmulatorServer) -> None:
    app = server.defaults["aws-emr-serverless"]
    after = datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    listing = {"applicationId": app, "createdAtAfter": after, "createdAtBefore": datetime(2030, 1, 1), "maxResults": 5}
    starting = start_params(server, clientToken="token-1", mode="BATCH")
    given = copy.deepcopy([listing, starting])

    plain, guarded = client("emr-serverless", server), guard(client("emr-serverless", server))
    plain.list_job_runs(**listing)
    assert guarded.list_job_runs(**listing)["jobRuns"] == []
    run = guarded.start_job_run(**starting)
    assert plain.start_job_run(**starting)["jobRunId"] == run["jobRunId"]  # the same token: the same run

    assert [listing, starting] == given  # the caller's parameters are not changed
    sent = [(r.method, r.target, r.body) for r in seen(server)]
    assert sent[0] == sent[1] and sent[2] == sent[3] and len(sent) == 4
    assert "createdAtAfter=2024-05-01T10%3A30%3A00Z" in sent[0][1]


def test_a_spec_may_leave_the_client_token_to_botocore(server: EmulatorServer) -> None:
    emr = guard(client("emr-serverless", server))
    run = emr.start_job_run(**start_params(server))
    assert emr.get_job_run(applicationId=run["applicationId"], jobRunId=run["jobRunId"])["jobRun"]["name"] == "nightly"


def test_unknown_parameters_are_violations_with_a_hint(server: EmulatorServer) -> None:
    emr = guard(client("emr-serverless", server))
    params = start_params(server)
    params["executionRoleARN"] = params.pop("executionRoleArn")
    with pytest.raises(GuardError) as caught:
        emr.start_job_run(**params)
    assert sorted(v.keyword for v in caught.value.violations) == ["additionalProperties", "required"]
    assert "did you mean 'executionRoleArn'?" in str(caught.value)


def test_what_the_guard_cannot_judge_is_left_to_botocore(server: EmulatorServer) -> None:
    emr = guard(client("emr-serverless", server))
    with pytest.raises(ParamValidationError) as caught:  # bytes are not JSON data: botocore's own check refuses
        emr.start_job_run(**start_params(server, tags={"team": b"bi"}))
    assert not isinstance(caught.value, GuardError)
    assert "Invalid type for parameter tags.team" in str(caught.value)
    assert seen(server) == []


def test_every_job_run_operation_is_guarded(server: EmulatorServer) -> None:
    serverless, containers = guard(client("emr-serverless", server)), guard(client("emr-containers", server))
    app, cluster = server.defaults["aws-emr-serverless"], server.defaults["aws-emr-containers"]
    calls = [
        (serverless.get_job_run, {"applicationId": app, "jobRunId": "Not_An_Id"}, "/jobRunId"),
        (serverless.list_job_runs, {"applicationId": app, "states": ["running"]}, "/states/0"),
        (
            serverless.cancel_job_run,
            {"applicationId": app, "jobRunId": "00abc", "shutdownGracePeriodInSeconds": "60"},
            "/shutdownGracePeriodInSeconds",
        ),
        (containers.describe_job_run, {"virtualClusterId": cluster, "id": "bad!"}, "/id"),
        (containers.list_job_runs, {"virtualClusterId": cluster, "states": ["DONE"]}, "/states/0"),
        (containers.cancel_job_run, {"virtualClusterId": "Bad_Cluster", "id": "abc"}, "/virtualClusterId"),
        (
            containers.start_job_run,
            {
                "virtualClusterId": cluster,
                "name": "r",
                "executionRoleArn": "not-an-arn",
                "releaseLabel": "emr-6.15.0-latest",
                "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://b/x.py"}},
            },
            "/executionRoleArn",
        ),
        (containers.describe_job_template, {"id": "bad!"}, "/id"),
    ]
    for method, params, pointer in calls:
        with pytest.raises(GuardError) as caught:
            method(**params)
        assert pointer in [v.pointer for v in caught.value.violations], method
    paginator = serverless.get_paginator("list_job_runs").paginate(applicationId=app, mode="stream")
    with pytest.raises(GuardError):
        list(paginator)
    assert seen(server) == []


def test_other_calls_of_a_guarded_client_are_left_alone(server: EmulatorServer) -> None:
    emr = guard(client("emr-containers", server))
    provider = {"type": "EKS", "id": "my-eks", "info": {"eksInfo": {"namespace": "spark"}}}
    assert emr.create_virtual_cluster(name="analytics", containerProvider=provider)["id"]


def test_guarding_a_session_guards_the_clients_it_makes_later(server: EmulatorServer) -> None:
    for session in (boto3.Session(), botocore.session.get_session()):
        before = client("emr-serverless", server, session)
        assert guard(session) is session
        later = [client("emr-serverless", server, session), client("emr-containers", server, session)]
        with pytest.raises(GuardError):
            later[0].start_job_run(**start_params(server, mode="batch"))
        with pytest.raises(GuardError):
            later[1].list_job_runs(virtualClusterId=server.defaults["aws-emr-containers"], states=["nope"])
        assert seen(server) == []
        with pytest.raises(ClientError):  # made before: botocore's checks only, and the service refuses
            before.start_job_run(**start_params(server, mode="batch"))
        assert len(seen(server)) == 1
        seen(server).clear()


def registered_checks(emr: Any, params: dict[str, Any]) -> int:
    """How many of our handlers run for StartJobRun: botocore's emitter says who answered."""
    from jobrun_contracts.guards import boto

    event = "before-parameter-build.emr-serverless.StartJobRun"
    model = emr.meta.service_model.operation_model("StartJobRun")
    responses = emr.meta.events.emit(event, params=dict(params), model=model, context={})
    return sum(1 for handler, _ in responses if handler is boto._handler("aws-emr-serverless", "StartJobRun"))


def test_guarding_twice_registers_once_and_unguard_undoes_it(server: EmulatorServer) -> None:
    session = guard(boto3.Session())
    emr = guard(guard(client("emr-serverless", server, session)))
    assert registered_checks(emr, start_params(server)) == 1
    assert unguard(emr) is emr
    assert registered_checks(emr, start_params(server)) == 0
    with pytest.raises(ClientError):
        emr.start_job_run(**start_params(server, mode="batch"))
    assert len(seen(server)) == 1
    unguard(session)
    assert registered_checks(client("emr-serverless", server, session), start_params(server)) == 0


def test_what_cannot_be_guarded_is_a_usage_error(server: EmulatorServer) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", **KEYS)
    with pytest.raises(UsageError, match="not a 's3' client"):
        guard(s3)
    with pytest.raises(UsageError) as caught:
        guard({"applicationId": "x"})
    assert str(caught.value).startswith("guard() takes a boto3 emr-serverless or emr-containers client")
    assert str(caught.value).endswith("not a builtins.dict")


def test_the_root_names_are_the_guards(server: EmulatorServer) -> None:
    from jobrun_contracts import guards

    assert (jobrun_contracts.guard, jobrun_contracts.GuardError) == (guards.guard, guards.GuardError)


# -- the Alibaba SDK ------------------------------------------------------------------------------


def alibaba_client(server: EmulatorServer) -> Any:
    endpoint = server.url.removeprefix("http://")
    return AlibabaClient(
        AlibabaConfig(access_key_id="LTAIexample", access_key_secret="secret", endpoint=endpoint, protocol="http")
    )


def alibaba_start(**extra: Any) -> Any:
    request = {"name": "etl", "codeType": "JAR", "resourceQueueId": "root_queue", "jobDriver": ALIBABA_DRIVER}
    return models.StartJobRunRequest().from_map(request | extra)


def test_alibaba_an_invalid_request_is_refused_before_sending(server: EmulatorServer) -> None:
    sdk = guard(alibaba_client(server))
    workspace = server.defaults[ALIBABA]
    with pytest.raises(ValidateException) as caught:
        sdk.start_job_run(workspace, alibaba_start(codeType="PYTHON3"))
    error = caught.value
    assert isinstance(error, GuardError) and isinstance(error, TeaValidateException)
    assert [(v.pointer, v.keyword) for v in error.violations] == [("/codeType", "enum")]
    assert "did you mean 'PYTHON'?" in str(error)
    with pytest.raises(GuardError) as caught:
        sdk.list_job_runs(workspace, models.ListJobRunsRequest(max_results=101))
    assert [v.pointer for v in caught.value.violations] == ["/maxResults"]
    with pytest.raises(GuardError) as caught:  # the path arguments are checked too
        sdk.get_job_run(None, "jr-1", models.GetJobRunRequest())
    assert [(v.pointer, v.keyword) for v in caught.value.violations] == [("/workspaceId", "required")]
    with pytest.raises(GuardError):
        asyncio.run(sdk.start_job_run_async(workspace, alibaba_start(codeType="PYTHON3")))
    assert seen(server) == []


def test_alibaba_a_request_model_without_a_map_is_left_to_the_sdk(server: EmulatorServer) -> None:
    sdk = guard(alibaba_client(server))
    request = models.StartJobRunRequest(name="x", code_type="PYTHON3", resource_queue_id="q", job_driver={"a": 1})
    with pytest.raises(AttributeError, match="'dict' object has no attribute 'validate'"):  # the SDK's own check
        sdk.start_job_run(server.defaults[ALIBABA], request)
    assert seen(server) == []


def test_alibaba_a_valid_request_goes_through(server: EmulatorServer) -> None:
    sdk = guard(alibaba_client(server))
    workspace = server.defaults[ALIBABA]
    run_id = sdk.start_job_run(workspace, alibaba_start(tags=[{"key": "team", "value": "bi"}])).body.job_run_id
    run = sdk.get_job_run(workspace, run_id, models.GetJobRunRequest()).body.job_run
    assert (run.name, run.tags[0].value) == ("etl", "bi")
    listed = asyncio.run(sdk.list_job_runs_async(workspace, models.ListJobRunsRequest(states=["Submitted"])))
    assert [r.job_run_id for r in listed.body.job_runs] == [run_id]
    assert sdk.cancel_job_run(workspace, run_id, models.CancelJobRunRequest()).body.job_run_id == run_id
    assert len(seen(server)) == 4


def test_alibaba_guarding_the_class_guards_every_instance_until_undone(server: EmulatorServer) -> None:
    workspace = server.defaults[ALIBABA]
    before = alibaba_client(server)
    guard(AlibabaClient)
    try:
        for sdk in (before, guard(alibaba_client(server))):  # an instance guarded again is checked once
            with pytest.raises(GuardError):
                sdk.start_job_run(workspace, alibaba_start(codeType="python"))
        assert seen(server) == []
    finally:
        unguard(AlibabaClient)
    assert not hasattr(AlibabaClient.start_job_run_with_options, "__jobrun_guard__")
    with pytest.raises(Exception) as caught:
        before.start_job_run(workspace, alibaba_start(codeType="python"))
    assert not isinstance(caught.value, GuardError)  # the service's refusal, after a request
    assert len(seen(server)) == 1


def test_an_sdk_runtime_that_is_not_installed_gets_a_stand_in_error_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 1.x Alibaba SDK has Tea and no darabonba: the refusal's class must still be made."""
    from jobrun_contracts.guards import alibaba

    monkeypatch.setitem(sys.modules, "darabonba.exceptions", None)  # an import of it now fails
    stand_in = alibaba._sdk_error("darabonba.exceptions")
    assert issubclass(stand_in, Exception) and stand_in.__name__ == "ValidateException"
    assert alibaba._sdk_error("Tea.exceptions").__module__ == "Tea.exceptions"  # installed: the SDK's own
