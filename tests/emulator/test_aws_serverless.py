"""EMR Serverless through boto3 against the emulator: the SDK flow, each error, lifecycle, listing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jobrun_contracts import validate
from jobrun_contracts.emulator import Emulator, EmulatorServer

from .clients import ROLE

DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf spark.a=b"}}


def start(client: Any, application: str, **extra: Any) -> dict[str, Any]:
    request = {"applicationId": application, "executionRoleArn": ROLE, "jobDriver": DRIVER} | extra
    return client.start_job_run(**request)  # type: ignore[no-any-return]


def error_of(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_application_flow_then_start_get_cancel(serverless: Any, emulator: Emulator) -> None:
    created = serverless.create_application(name="etl", releaseLabel="emr-7.1.0", type="Spark")
    app = created["applicationId"]
    assert serverless.get_application(applicationId=app)["application"]["state"] == "CREATED"
    assert app in [a["id"] for a in serverless.list_applications()["applications"]]

    started = start(serverless, app, name="nightly", tags={"team": "data"}, executionTimeoutMinutes=60)
    assert started["arn"].endswith(f":/applications/{app}/jobruns/{started['jobRunId']}")
    run = serverless.get_job_run(applicationId=app, jobRunId=started["jobRunId"])["jobRun"]
    assert (run["name"], run["tags"], run["jobDriver"], run["releaseLabel"]) == (
        "nightly",
        {"team": "data"},
        DRIVER,
        "emr-7.1.0",
    )
    assert run["state"] == "SUBMITTED" and run["executionRole"] == ROLE and run["executionTimeoutMinutes"] == 60

    emulator.advance(20)
    assert serverless.get_job_run(applicationId=app, jobRunId=started["jobRunId"])["jobRun"]["state"] == "RUNNING"
    cancelled = serverless.cancel_job_run(applicationId=app, jobRunId=started["jobRunId"])
    assert cancelled == {
        "applicationId": app,
        "jobRunId": started["jobRunId"],
        "ResponseMetadata": cancelled["ResponseMetadata"],
    }
    assert serverless.get_job_run(applicationId=app, jobRunId=started["jobRunId"])["jobRun"]["state"] == "CANCELLING"
    emulator.advance(10)
    final = serverless.get_job_run(applicationId=app, jobRunId=started["jobRunId"])["jobRun"]
    assert final["state"] == "CANCELLED"
    assert final["createdAt"] <= final["startedAt"] <= final["endedAt"]

    # A submission started the application (AutoStartConfig); it must be stopped before it can be deleted.
    assert serverless.get_application(applicationId=app)["application"]["state"] == "STARTED"
    status, code, message = error_of(serverless.delete_application, applicationId=app)
    assert (status, code) == (400, "ValidationException") and "stopped or created state" in message
    serverless.stop_application(applicationId=app)
    assert serverless.get_application(applicationId=app)["application"]["state"] == "STOPPED"
    serverless.delete_application(applicationId=app)
    assert error_of(serverless.get_application, applicationId=app)[:2] == (404, "ResourceNotFoundException")


def test_run_walks_the_state_machine_to_success(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    run_id = start(serverless, app)["jobRunId"]
    seen = []
    for _ in range(20):
        state = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]["state"]
        if not seen or seen[-1] != state:
            seen.append(state)
        emulator.advance(5)
    assert seen == ["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "SUCCESS"]
    run = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]
    assert run["endedAt"] >= run["startedAt"] >= run["createdAt"]
    assert run["totalExecutionDurationSeconds"] == int(run["endedAt"].timestamp() - run["startedAt"].timestamp())


def test_execution_timeout_cancels_the_run(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    emulator.timings = type(emulator.timings)(step=1, run=3600, cancel=1)
    run_id = start(serverless, app, executionTimeoutMinutes=1)["jobRunId"]
    emulator.advance(3 + 60 + 1)
    run = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]
    assert run["state"] == "CANCELLED"
    assert "timeout" in run["stateDetails"]


def test_injected_failure_and_failing_outcome(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    run_id = start(serverless, app)["jobRunId"]
    assert emulator.fail(run_id, "Executor lost") == "FAILED"
    run = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]
    assert (run["state"], run["stateDetails"]) == ("FAILED", "Executor lost")
    assert "endedAt" in run

    emulator.fail_new_runs(api="aws-emr-serverless")
    doomed = start(serverless, app)["jobRunId"]
    emulator.advance(1000)
    assert serverless.get_job_run(applicationId=app, jobRunId=doomed)["jobRun"]["state"] == "FAILED"


def test_idempotent_client_token(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    first = start(serverless, app, clientToken="token-1", name="a")
    again = start(serverless, app, clientToken="token-1", name="a")
    assert again["jobRunId"] == first["jobRunId"]
    assert len(serverless.list_job_runs(applicationId=app)["jobRuns"]) == 1
    status, code, message = error_of(start, client=serverless, application=app, clientToken="token-1", name="b")
    assert (status, code) == (409, "ConflictException")
    assert "token-1" in message


def test_validation_errors_come_back_as_the_service_sends_them(serverless_raw: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    status, code, message = error_of(start, client=serverless_raw, application=app, executionRoleArn="role")
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("2 validation errors detected: Value 'role' at 'executionRoleArn' failed to satisfy")
    status, code, message = error_of(
        start,
        client=serverless_raw,
        application=app,
        jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py"}, "hive": {"query": "q"}},
    )
    assert (status, code) == (400, "ValidationException") and "jobDriver" in message
    status, code, _ = error_of(serverless_raw.list_job_runs, applicationId=app, maxResults=51)
    assert (status, code) == (400, "ValidationException")
    status, code, _ = error_of(serverless_raw.get_job_run, applicationId="Not_An_Id", jobRunId="00f1")
    assert (status, code) == (400, "ValidationException")


def test_unknown_application_and_run(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    assert error_of(start, client=serverless, application="00fmissing")[:2] == (404, "ResourceNotFoundException")
    assert error_of(serverless.get_job_run, applicationId=app, jobRunId="00fmissing")[:2] == (
        404,
        "ResourceNotFoundException",
    )
    assert error_of(serverless.cancel_job_run, applicationId=app, jobRunId="00fmissing")[:2] == (
        404,
        "ResourceNotFoundException",
    )
    # ListJobRuns declares no ResourceNotFoundException: the emulator answers its declared ValidationException.
    assert error_of(serverless.list_job_runs, applicationId="00fmissing")[:2] == (400, "ValidationException")


def test_cancel_of_a_finished_run_is_refused(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    run_id = start(serverless, app)["jobRunId"]
    emulator.advance(1000)
    status, code, message = error_of(serverless.cancel_job_run, applicationId=app, jobRunId=run_id)
    assert (status, code) == (400, "ValidationException") and "SUCCESS" in message


def test_list_filters_and_paginator(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    early = [start(serverless, app)["jobRunId"] for _ in range(3)]
    emulator.advance(1000)
    cutoff = emulator.clock.now()
    late = [start(serverless, app, mode="STREAMING")["jobRunId"] for _ in range(2)]
    listed = serverless.list_job_runs(applicationId=app)["jobRuns"]
    assert [r["id"] for r in listed] == [*reversed(late), *reversed(early)]  # newest first
    assert {r["id"] for r in serverless.list_job_runs(applicationId=app, states=["SUCCESS"])["jobRuns"]} == set(early)
    assert {r["id"] for r in serverless.list_job_runs(applicationId=app, createdAtAfter=cutoff)["jobRuns"]} == set(late)
    assert {r["id"] for r in serverless.list_job_runs(applicationId=app, createdAtBefore=cutoff)["jobRuns"]} == set(
        early
    )
    assert {r["id"] for r in serverless.list_job_runs(applicationId=app, mode="STREAMING")["jobRuns"]} == set(late)
    pages = serverless.get_paginator("list_job_runs").paginate(applicationId=app, PaginationConfig={"PageSize": 2})
    sizes = [len(page["jobRuns"]) for page in pages]
    assert sizes == [2, 2, 1]


def test_paging_while_the_list_grows_returns_each_original_run_once(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    original = {start(serverless, app)["jobRunId"] for _ in range(5)}
    seen: list[str] = []
    token = None
    while True:
        page = serverless.list_job_runs(applicationId=app, maxResults=1, **({"nextToken": token} if token else {}))
        seen += [r["id"] for r in page["jobRuns"]]
        start(serverless, app)  # the list grows between pages
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted(original)


def test_a_forged_page_token_is_refused(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    assert error_of(serverless.list_job_runs, applicationId=app, nextToken="not-a-token")[:2] == (
        400,
        "ValidationException",
    )


def _raw(server: EmulatorServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A request as any HTTP client sends it: botocore would drop the unknown members these tests are about."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_unknown_members_are_dropped_at_any_depth_before_validation(server: EmulatorServer) -> None:
    """Found by schemathesis: nested unknown members were kept, stored and sent back by GetJobRun.

    The service's deserialiser drops them before anything is checked, so a union counts only
    the members it names: one driver plus an unknown member is one driver, an unknown member alone none.
    """
    jobruns = f"/applications/{server.defaults['aws-emr-serverless']}/jobruns"
    configuration = {"classification": "spark-defaults", "properties": {"spark.a": "b"}, "colour": "red"}
    body = {
        "clientToken": "t1",
        "executionRoleArn": ROLE,
        "jobDriver": {"sparkSubmit": {**DRIVER["sparkSubmit"], "extra": 1}, "notADriver": {}},
        "configurationOverrides": {"applicationConfiguration": [configuration]},
        "tags": {"any-key": "kept"},
        "unknownTopLevel": True,
    }
    status, started = _raw(server, "POST", jobruns, body)
    assert status == 200, started
    status, got = _raw(server, "GET", f"{jobruns}/{started['jobRunId']}")
    run = got["jobRun"]
    assert (run["jobDriver"], run["tags"]) == (DRIVER, {"any-key": "kept"})
    assert run["configurationOverrides"] == {
        "applicationConfiguration": [{"classification": "spark-defaults", "properties": {"spark.a": "b"}}]
    }
    assert validate(got, api="aws-emr-serverless", operation="GetJobRun", direction="response", strict=True) == []
    status, refused = _raw(server, "POST", jobruns, {**body, "clientToken": "t2", "jobDriver": {"notADriver": {}}})
    assert status == 400 and "jobDriver" in refused["message"]


def test_a_streaming_run_keeps_running_until_it_is_cancelled(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    run_id = start(serverless, app, mode="STREAMING", executionTimeoutMinutes=0)["jobRunId"]
    emulator.advance(7 * 24 * 3600)  # a week: a streaming query does not end by itself
    run = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]
    assert run["state"] == "RUNNING" and "billedResourceUtilization" not in run
    serverless.cancel_job_run(applicationId=app, jobRunId=run_id)
    emulator.advance(60)
    assert serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]["state"] == "CANCELLED"


def test_the_default_execution_timeout_is_12_hours_and_0_is_none() -> None:
    from jobrun_contracts.emulator.runs import Timings

    emulator = Emulator(timings=Timings(run=2 * 24 * 3600))  # runs that would take two days
    request = {"executionRoleArn": ROLE, "jobDriver": DRIVER, "clientToken": "t1"}
    default = emulator.start_run("aws-emr-serverless", request)
    endless = emulator.start_run("aws-emr-serverless", {**request, "clientToken": "t2", "executionTimeoutMinutes": 0})
    emulator.advance(720 * 60 - 60)
    assert emulator.state_of(default) == "RUNNING"
    emulator.advance(120 + 60)
    assert emulator.state_of(default) == "CANCELLED"  # cancelled at its timeout, as the service does
    assert emulator.state_of(endless) == "RUNNING"


def test_a_finished_run_carries_billed_and_total_utilisation(serverless: Any, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    run_id = start(serverless, app)["jobRunId"]
    emulator.advance(3600)
    run = serverless.get_job_run(applicationId=app, jobRunId=run_id)["jobRun"]
    assert run["state"] == "SUCCESS"
    total, billed = run["totalResourceUtilization"], run["billedResourceUtilization"]
    assert billed["vCPUHour"] >= total["vCPUHour"] > 0 and billed["vCPUHour"] >= round(4 / 60, 3)
    assert billed["memoryGBHour"] >= total["memoryGBHour"]


@pytest.mark.parametrize(
    ("release", "mode", "minutes", "refused"),
    [
        ("emr-7.11.0", "BATCH", 0, True),  # "Setting a value of 0 ... is no longer supported for BATCH"
        ("emr-7.11.0", "BATCH", 10081, True),  # past "the maximum value is 10080 minutes (7 days)"
        ("emr-7.12.0", None, 0, True),  # the mode left out is BATCH
        ("emr-7.11.0", "BATCH", 10080, False),  # the limit itself
        ("emr-7.11.0", "BATCH", 1, False),
        ("emr-7.11.0", "STREAMING", 0, False),  # streaming runs may run continuously
        ("emr-7.10.0", "BATCH", 0, False),  # before 7.11, 0 is still no timeout
        ("emr-7.10.0", "BATCH", 20000, False),
    ],
)
def test_from_release_7_11_a_batch_runs_timeout_is_1_to_10080_minutes(
    serverless: Any, release: str, mode: str | None, minutes: int, refused: bool
) -> None:
    """The model's executionTimeoutMinutes documentation (rule batch-timeout-from-7-11)."""
    app = serverless.create_application(name="etl", releaseLabel=release, type="Spark")["applicationId"]
    extra = {"executionTimeoutMinutes": minutes, **({"mode": mode} if mode else {})}
    if not refused:
        assert start(serverless, app, **extra)["jobRunId"]
        return
    status, code, message = error_of(
        serverless.start_job_run, applicationId=app, executionRoleArn=ROLE, jobDriver=DRIVER, **extra
    )
    assert (status, code) == (400, "ValidationException")
    assert f"executionTimeoutMinutes {minutes}" in message and "1 to 10080 minutes" in message
    assert (
        validate(
            {"applicationId": app, "executionRoleArn": ROLE, "jobDriver": DRIVER, **extra}, api="aws-emr-serverless"
        )
        == []
    )  # the spec alone is valid: the release is the application's
