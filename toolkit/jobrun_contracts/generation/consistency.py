"""Make generated responses consistent within themselves, as a real service's are.

The schema alone allows a job run whose ARN names another run, or that ended before it was
submitted; these fix-ups tie the fields together (ARN from ids, submitted <= started <= ended,
terminal states carry an end time) without leaving the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..core.arns import job_run_arn, region_and_account
from ..core.lifecycle import LIFECYCLES

#: Each API's terminal states, from the one state machine the emulator walks.
TERMINAL = {api: lifecycle.terminal for api, lifecycle in LIFECYCLES.items()}
_EPOCH = 1_700_000_000
_SERVERLESS = LIFECYCLES["aws-emr-serverless"]
#: EMR Serverless states before RUNNING: the progression up to it, and where a run waits for a slot
_NOT_STARTED = {*_SERVERLESS.progression[: _SERVERLESS.progression.index(_SERVERLESS.running)], _SERVERLESS.queued}


def _serverless_arn(application: str, run_id: str, arn: str | None) -> str:
    return job_run_arn("aws-emr-serverless", application, run_id, *region_and_account(arn))


def _containers_arn(cluster: str, run_id: str, arn: str | None) -> str:
    return job_run_arn("aws-emr-containers", cluster, run_id, *region_and_account(arn))


def _serverless_run(run: dict[str, Any], id_field: str, *, summary: bool = False) -> None:
    """A JobRun, or a JobRunSummary (which has no ``endedAt``: a terminal one just ends updated)."""
    if "arn" in run and "applicationId" in run and id_field in run:
        run["arn"] = _serverless_arn(run["applicationId"], run[id_field], run.get("arn"))
    created = float(run.get("createdAt", _EPOCH))
    if created < 0:
        created = float(_EPOCH)
    times = [created + i * 60 for i in range(4)]
    for key, value in zip(("createdAt", "updatedAt"), times[:2], strict=True):
        if key in run:
            run[key] = value
    if run.get("state") in _NOT_STARTED:  # startedAt: "when the job moved to the RUNNING state" (the model)
        run.pop("startedAt", None)
    elif "startedAt" in run:
        run["startedAt"] = times[1]
    terminal = run.get("state") in TERMINAL["aws-emr-serverless"]
    if terminal:
        if not summary:
            run["endedAt"] = times[2]
        if "updatedAt" in run:
            run["updatedAt"] = times[3]
    else:
        run.pop("endedAt", None)


def _containers_run(run: dict[str, Any]) -> None:
    if "arn" in run and "virtualClusterId" in run and "id" in run:
        run["arn"] = _containers_arn(run["virtualClusterId"], run["id"], run.get("arn"))
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    if "createdAt" in run:
        run["createdAt"] = start.isoformat().replace("+00:00", "Z")
    if run.get("state") in TERMINAL["aws-emr-containers"]:
        run["finishedAt"] = (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    else:
        run.pop("finishedAt", None)


def _alibaba_run(run: dict[str, Any]) -> None:
    submitted = run.get("submitTime", _EPOCH * 1000)
    if submitted < 0:
        submitted = _EPOCH * 1000
    if "submitTime" in run:
        run["submitTime"] = submitted
    if run.get("state") in TERMINAL["alibaba-emr-serverless-spark"]:
        run["endTime"] = submitted + 60_000
    else:
        run.pop("endTime", None)


def _fix(api: str, operation: str, response: dict[str, Any]) -> dict[str, Any]:
    if api == "aws-emr-serverless":
        if operation == "StartJobRun" and {"arn", "applicationId", "jobRunId"} <= set(response):
            response["arn"] = _serverless_arn(response["applicationId"], response["jobRunId"], response["arn"])
        if isinstance(response.get("jobRun"), dict):
            _serverless_run(response["jobRun"], "jobRunId")
        for summary in response.get("jobRuns", []) or []:
            _serverless_run(summary, "id", summary=True)
    elif api == "aws-emr-containers":
        if operation == "StartJobRun" and {"arn", "virtualClusterId", "id"} <= set(response):
            response["arn"] = _containers_arn(response["virtualClusterId"], response["id"], response["arn"])
        if isinstance(response.get("jobRun"), dict):
            _containers_run(response["jobRun"])
        for run in response.get("jobRuns", []) or []:
            _containers_run(run)
    else:
        if isinstance(response.get("jobRun"), dict):
            _alibaba_run(response["jobRun"])
        for run in response.get("jobRuns", []) or []:
            _alibaba_run(run)
    return response


def fixer(api: str, operation: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda response: _fix(api, operation, response)
