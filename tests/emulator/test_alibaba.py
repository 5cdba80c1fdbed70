"""Alibaba EMR Serverless Spark through its official SDK against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_tea_openapi.exceptions import ClientException

from jobrun_contracts.emulator import Emulator

API = "alibaba-emr-serverless-spark"
DRIVER = {
    "sparkSubmit": {
        "entryPoint": "oss://bucket/app.jar",
        "entryPointArguments": ["a"],
        "sparkSubmitParameters": "--conf x=y",
    }
}


def start(client: Any, workspace: str, **extra: Any) -> str:
    request = {
        "name": "etl",
        "releaseVersion": "esr-3.3.1",
        "jobDriver": DRIVER,
        "codeType": "JAR",
        "resourceQueueId": "root_queue",
    } | extra
    return str(client.start_job_run(workspace, models.StartJobRunRequest().from_map(request)).body.job_run_id)


def get(client: Any, workspace: str, run_id: str) -> dict[str, Any]:
    return client.get_job_run(workspace, run_id, models.GetJobRunRequest()).body.job_run.to_map()  # type: ignore[no-any-return]


def listed(client: Any, workspace: str, **query: Any) -> Any:
    return client.list_job_runs(workspace, models.ListJobRunsRequest().from_map(query)).body


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientException) as caught:
        call(*args, **kwargs)
    return caught.value.status_code, caught.value.code, caught.value.message


def test_start_get_cancel(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    tags = [{"key": "team", "value": "bi"}]
    run_id = start(alibaba, workspace, tags=tags, executionTimeoutSeconds=7200)
    run = get(alibaba, workspace, run_id)
    assert (run["state"], run["name"], run["jobDriver"], run["tags"]) == ("Submitted", "etl", DRIVER, tags)
    assert run["executionTimeoutSeconds"] == 7200 and run["workspaceId"] == workspace
    emulator.advance(10)
    assert get(alibaba, workspace, run_id)["state"] == "Running"
    response = alibaba.cancel_job_run(workspace, run_id, models.CancelJobRunRequest())
    assert response.body.job_run_id == run_id and response.body.request_id
    assert get(alibaba, workspace, run_id)["state"] == "Cancelling"
    emulator.advance(10)
    run = get(alibaba, workspace, run_id)
    assert run["state"] == "Cancelled" and run["endTime"] >= run["submitTime"]


def test_lifecycle_and_failure(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    ok, bad = start(alibaba, workspace), start(alibaba, workspace)
    assert emulator.fail(bad, "OOM") == "Failed"
    seen = []
    for _ in range(20):
        state = get(alibaba, workspace, ok)["state"]
        if not seen or seen[-1] != state:
            seen.append(state)
        emulator.advance(5)
    assert seen == ["Submitted", "Pending", "Running", "Success"]
    run = get(alibaba, workspace, bad)
    assert (run["state"], run["stateChangeReason"]["message"]) == ("Failed", "OOM")
    assert run["endTime"] == run["submitTime"]


def test_execution_timeout(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    run_id = start(alibaba, workspace, executionTimeoutSeconds=30)
    emulator.advance(10 + 30 + 5)
    assert get(alibaba, workspace, run_id)["state"] == "Cancelled"


def test_errors_surface_through_the_sdk(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    status, code, message = error_of(alibaba.get_job_run, workspace, "jr-missing", models.GetJobRunRequest())
    assert (status, code) == (404, "InvalidJobRunId.NotFound") and "jr-missing" in message
    status, code, _ = error_of(alibaba.get_job_run, "w-missing", "jr-1", models.GetJobRunRequest())
    assert (status, code) == (404, "InvalidWorkspaceId.NotFound")
    status, code, message = error_of(alibaba.list_job_runs, "w-missing", models.ListJobRunsRequest())
    assert (status, code) == (404, "") and "w-missing" in message  # the skill: "null (ErrorCode empty)"
    status, code, message = error_of(alibaba.list_job_runs, workspace, models.ListJobRunsRequest(max_results=101))
    assert (status, code) == (400, "InvalidParameter") and "maxResults" in message
    bad_state = models.StartJobRunRequest().from_map(
        {"name": "x", "codeType": "PYTHON3", "resourceQueueId": "root_queue", "jobDriver": DRIVER}
    )
    status, code, message = error_of(alibaba.start_job_run, workspace, bad_state)
    assert (status, code) == (400, "InvalidParameter") and "codeType" in message
    without_queue = models.StartJobRunRequest().from_map({"name": "x", "codeType": "JAR", "jobDriver": DRIVER})
    status, code, message = error_of(alibaba.start_job_run, workspace, without_queue)
    assert status == 400 and "resourceQueueId" in message  # the skill: "queueName: null is not valid"


def test_idempotency(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    first = start(alibaba, workspace, clientToken="tok")
    assert start(alibaba, workspace, clientToken="tok") == first
    status, code, _ = error_of(start, alibaba, workspace, clientToken="tok", name="other")
    assert (status, code) == (400, "IdempotentParameterMismatch")


def test_list_filters_sent_as_json_query_strings(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    tagged = start(alibaba, workspace, tags=[{"key": "team", "value": "bi"}], name="a")
    plain = start(alibaba, workspace, name="b")
    emulator.advance(1000)
    later = start(alibaba, workspace, name="c")
    submitted = get(alibaba, workspace, later)["submitTime"]

    def ids(**query: Any) -> list[str]:
        return [r.job_run_id for r in listed(alibaba, workspace, **query).job_runs]

    assert ids(tags=[{"key": "team", "value": "bi"}]) == [tagged]
    assert set(ids(states=["Success"])) == {tagged, plain}
    assert ids(states=["Submitted"]) == [later]
    assert ids(name="b") == [plain]
    assert ids(jobRunId=later) == [later]
    assert ids(startTime={"startTime": submitted}) == [later]
    assert set(ids(endTime={"endTime": submitted})) == {tagged, plain}
    body = listed(alibaba, workspace, maxResults=2)
    assert (len(body.job_runs), body.total_count, body.max_results) == (2, 3, 2) and body.next_token
    rest = listed(alibaba, workspace, maxResults=2, nextToken=body.next_token)
    assert [r.job_run_id for r in rest.job_runs] == [tagged] and not rest.next_token


def test_the_remaining_documented_filters_and_per_state_counts(alibaba: Any, emulator: Emulator) -> None:
    workspace = emulator.defaults[API]
    driver = {
        "sparkSubmit": {
            "entryPoint": "oss://b/app.jar",
            "sparkSubmitParameters": "--class com.acme.Main --conf spark.app.name=nightly",
        }
    }
    with_conf = start(alibaba, workspace, jobDriver=driver)
    other = start(alibaba, workspace)
    emulator.advance(1000)
    running = start(alibaba, workspace)

    def ids(**query: Any) -> set[str]:
        return {r.job_run_id for r in listed(alibaba, workspace, **query).job_runs}

    assert ids(applicationConfigs='[{"key":"spark.app.name","value":"nightly"}]') == {with_conf}
    assert ids(runtimeConfigs='[{"key":"mainClass","value":"com.acme.Main"}]') == {with_conf}
    assert ids(minDuration=60_000) == {with_conf, other}  # both ran for over a minute; the new one has not
    assert ids(isWorkflow="false") == {with_conf, other, running} and ids(isWorkflow="true") == set()
    assert ids(jobRunDeploymentId="jd-123") == set()
    body = listed(alibaba, workspace, groupByState=True)
    assert body.aggregations == {"Success": "2", "Submitted": "1"}
