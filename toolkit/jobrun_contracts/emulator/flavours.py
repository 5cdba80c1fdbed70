"""What differs between the three APIs: ids, how a run is shown, how errors travel, which filters exist.

The emulator's core (``app.py``) owns state, time, idempotency and paging; each class here only
answers "what would this service put on the wire".
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Mapping
from typing import Any, ClassVar

from ..core import registry
from ..core.arns import EXAMPLE_ACCOUNT, EXAMPLE_REGION, job_run_arn
from ..core.formats import iso_utc, timestamp_seconds
from ..core.lifecycle import LIFECYCLES, Lifecycle
from ..core.registry import Operation
from ..core.validation import Violation
from ..wire.messages import HttpResponse
from ..wire.service_errors import ServiceError, alibaba_error, aws_error
from .runs import Run

ACCOUNT, REGION = EXAMPLE_ACCOUNT, EXAMPLE_REGION  # the emulated account and region
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/jobrun-emulator/emulator"


class ApiFlavour:
    """The per-API half of the emulator."""

    api: ClassVar[str]
    container_kind: ClassVar[str]  # how a message names the container
    default_page: ClassVar[int]
    #: The ListJobRuns members that filter; a listing given none reads only the runs it shows.
    #: None (unknown): every listing is treated as filtered, so ``matches`` sees every run it passes.
    filter_names: ClassVar[tuple[str, ...] | None] = None
    #: ``listed`` reports how many runs match (Alibaba's totalCount): a filtered listing counts every match.
    counts_matches: ClassVar[bool] = False
    #: How a not-found message says so: EMR on EKS's "Virtual cluster {ID} doesn't exist." (Common errors page).
    missing_wording: ClassVar[str] = "does not exist"

    @property
    def lifecycle(self) -> Lifecycle:
        return LIFECYCLES[self.api]

    @property
    def run_id_field(self) -> str:
        """The request member that names a run in Get/Describe/Cancel."""
        return registry.RUN_ID[self.api]

    def new_container_id(self, rng: random.Random) -> str:
        raise NotImplementedError

    def new_run_id(self, rng: random.Random) -> str:
        raise NotImplementedError

    def timeout_seconds(self, request: Mapping[str, Any]) -> float | None:
        return None

    def runs_until_stopped(self, request: Mapping[str, Any]) -> bool:
        """A run that never ends by itself: it runs until it is cancelled, fails or times out."""
        return False

    def started(self, run: Run) -> dict[str, Any]:
        raise NotImplementedError

    def described(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def summary(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        return self.described(run, now, container)

    def cancelled(self, run: Run) -> dict[str, Any]:
        raise NotImplementedError

    def listed(self, runs: list[dict[str, Any]], next_token: str | None, total: int, page: int) -> dict[str, Any]:
        body: dict[str, Any] = {"jobRuns": runs}
        if next_token:
            body["nextToken"] = next_token
        return body

    def matches(self, run: Run, view: Mapping[str, Any], request: Mapping[str, Any], now: float) -> bool:
        """Whether a run passes the listing's filters; ``view`` is :meth:`match_view`'s."""
        raise NotImplementedError

    def filtered(self, request: Mapping[str, Any]) -> bool:
        names = self.filter_names
        return names is None or any(name in request for name in names)

    def match_view(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        """What :meth:`matches` and :meth:`list_extras` read of a run: by default its whole summary.

        The built-in flavours give only the members they read, so that filtering a long list costs
        little per run (the request body is not decoded unless a filter reads it).
        """
        return self.summary(run, now, container)

    def created_window(self, request: Mapping[str, Any]) -> tuple[float | None, float | None]:
        """Submission times (seconds, inclusive) outside which no run can match; a listing reads only these."""
        return None, None

    def aggregates(self, request: Mapping[str, Any]) -> bool:
        """Whether :meth:`list_extras` needs every matching run (Alibaba's groupByState)."""
        return False

    def list_extras(self, request: Mapping[str, Any], matching: list[Mapping[str, Any]]) -> dict[str, Any]:
        """Members a listing adds beyond the page (Alibaba's per-state counts); ``matching``: match views."""
        return {}

    # -- errors ---------------------------------------------------------------------------

    def invalid(self, violations: list[Violation]) -> ServiceError | None:
        raise NotImplementedError

    def bad_body(self, message: str) -> ServiceError:
        raise NotImplementedError

    def not_found(self, operation: Operation, message: str, missing: str = "run") -> ServiceError:
        """``missing``: the ``run`` or the ``container`` (or, on EMR on EKS, a job ``template``)."""
        raise NotImplementedError

    def conflict(self, operation: Operation, message: str) -> ServiceError:
        raise NotImplementedError

    def refused(self, operation: Operation, message: str, reason: str) -> ServiceError:
        """A well-formed request the service will not carry out: a bad page ``token``, a finished run's ``state``."""
        raise NotImplementedError

    def error_response(self, error: ServiceError, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def ok_response(self, body: Mapping[str, Any], request_id: str, status: int = 200) -> HttpResponse:
        raise NotImplementedError


class _Aws(ApiFlavour):
    def invalid(self, violations: list[Violation]) -> ServiceError | None:
        return aws_error(violations)

    def bad_body(self, message: str) -> ServiceError:
        return ServiceError(400, "SerializationException", message)

    def not_found(self, operation: Operation, message: str, missing: str = "run") -> ServiceError:
        # Only where the operation declares ResourceNotFoundException; elsewhere its declared 400.
        status = operation.errors.get("ResourceNotFoundException")
        if status is None:
            return ServiceError(400, "ValidationException", message)
        return ServiceError(status, "ResourceNotFoundException", message)

    def conflict(self, operation: Operation, message: str) -> ServiceError:
        status = operation.errors.get("ConflictException")
        if status is None:
            return ServiceError(400, "ValidationException", message)
        return ServiceError(status, "ConflictException", message)

    def refused(self, operation: Operation, message: str, reason: str) -> ServiceError:
        return ServiceError(400, "ValidationException", message)

    def error_response(self, error: ServiceError, request_id: str) -> HttpResponse:
        headers = {
            "content-type": "application/json",
            "x-amzn-errortype": error.code,
            "x-amzn-requestid": request_id,
        }
        return HttpResponse(error.status, headers, _json({"message": error.message}))

    def ok_response(self, body: Mapping[str, Any], request_id: str, status: int = 200) -> HttpResponse:
        return HttpResponse(status, {"content-type": "application/json", "x-amzn-requestid": request_id}, _json(body))


_DEFAULT_TIMEOUT_MINUTES = 720


def _queued_milliseconds(run: Run, lifecycle: Lifecycle, now: float) -> int | None:
    """How long a run has waited in QUEUED so far (None: it never has): until the event after, or now."""
    events = [e for e in run.events if e.at <= now]
    for index, event in enumerate(events):
        if event.state == lifecycle.queued:
            left = events[index + 1].at if index + 1 < len(events) else now
            return round((left - event.at) * 1000)
    return None


class EmrServerless(_Aws):
    api = "aws-emr-serverless"
    container_kind = "Application"
    default_page = 50
    filter_names = ("createdAtAfter", "createdAtBefore", "states", "mode")

    def new_container_id(self, rng: random.Random) -> str:
        return "00f" + _base36(rng, 13)

    def new_run_id(self, rng: random.Random) -> str:
        return "00f" + _base36(rng, 13)

    def timeout_seconds(self, request: Mapping[str, Any]) -> float | None:
        """12 hours unless given; 0 is no timeout. EMR Serverless User Guide: "The default timeout for
        a job run is 12 hours", "set executionTimeoutMinutes to 0 to allow the streaming job to run
        continuously"; botocore's changelog (1.29.111): 720 minutes when none is given."""
        minutes = request.get("executionTimeoutMinutes", _DEFAULT_TIMEOUT_MINUTES)
        return None if not minutes else float(minutes) * 60

    def runs_until_stopped(self, request: Mapping[str, Any]) -> bool:
        """A STREAMING run keeps running: the guide's streaming jobs "run continuously" (with a
        timeout of 0) and are retried when they fail; no source shows one ending in SUCCESS by itself."""
        return request.get("mode") == "STREAMING"

    def arn(self, run: Run) -> str:
        return job_run_arn(self.api, run.container, run.run_id, REGION, ACCOUNT)

    def started(self, run: Run) -> dict[str, Any]:
        return {"applicationId": run.container, "jobRunId": run.run_id, "arn": self.arn(run)}

    def described(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        request, lifecycle = run.request, self.lifecycle
        event = run.event_at(now)
        view: dict[str, Any] = {
            "applicationId": run.container,
            "jobRunId": run.run_id,
            "arn": self.arn(run),
            "createdBy": CALLER,
            "createdAt": run.submitted_at,
            "updatedAt": event.at,
            "executionRole": request["executionRoleArn"],
            "state": event.state,
            "stateDetails": event.details,
            "releaseLabel": container["releaseLabel"],
            "jobDriver": request["jobDriver"],
            "mode": request.get("mode", "BATCH"),
            "attempt": 1,
            "attemptCreatedAt": run.submitted_at,
            "attemptUpdatedAt": event.at,
        }
        for name in ("name", "configurationOverrides", "tags", "executionTimeoutMinutes", "retryPolicy"):
            if name in request:
                view[name] = request[name]
        if "executionIamPolicy" in request:
            view["executionIamPolicy"] = request["executionIamPolicy"]
        started, ended = run.started_at(lifecycle, now), run.ended_at(lifecycle, now)
        queued = _queued_milliseconds(run, lifecycle, now)
        if queued is not None:  # the model: "The total time for a job in the QUEUED state in milliseconds."
            view["queuedDurationMilliseconds"] = queued
        if started is not None:
            view["startedAt"] = started
        if ended is not None:
            view["endedAt"] = ended
            seconds = int(ended - started) if started is not None else 0
            view["totalExecutionDurationSeconds"] = seconds
            hours = seconds / 3600
            view["totalResourceUtilization"] = {
                "vCPUHour": round(4 * hours, 3),
                "memoryGBHour": round(16 * hours, 3),
                "storageGBHour": round(20 * hours, 3),
            }
            # Billed: "include a 1-minute minimum usage for workers, plus additional storage over 20 GB
            # per worker" (EMR Serverless User Guide); our one worker has 4 vCPU, 16 GB and 20 GB. A run
            # that never started (cancelled while it waited) had no worker: our reading, nothing billed.
            billed_hours = max(hours, 1 / 60) if started is not None else 0.0
            view["billedResourceUtilization"] = {
                "vCPUHour": round(4 * billed_hours, 3),
                "memoryGBHour": round(16 * billed_hours, 3),
                "storageGBHour": 0.0,
            }
        return view

    def summary(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        full = self.described(run, now, container)
        keep = (
            "applicationId", "name", "mode", "arn", "createdBy", "createdAt", "updatedAt", "executionRole",
            "state", "stateDetails", "releaseLabel", "attempt", "attemptCreatedAt", "attemptUpdatedAt",
        )  # fmt: skip
        view = {k: full[k] for k in keep if k in full}
        view["id"] = run.run_id
        view["type"] = container.get("type", "Spark")
        return view

    def cancelled(self, run: Run) -> dict[str, Any]:
        return {"applicationId": run.container, "jobRunId": run.run_id}

    def match_view(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        return {"state": run.event_at(now).state}

    def created_window(self, request: Mapping[str, Any]) -> tuple[float | None, float | None]:
        return _created_window(request, "createdAtAfter", "createdAtBefore")

    def matches(self, run: Run, view: Mapping[str, Any], request: Mapping[str, Any], now: float) -> bool:
        return (
            _created_between(run, request, "createdAtAfter", "createdAtBefore")
            and _in_states(view, request)
            and ("mode" not in request or run.request.get("mode", "BATCH") == request["mode"])
        )


class EmrContainers(_Aws):
    api = "aws-emr-containers"
    container_kind = "Virtual cluster"
    missing_wording = "doesn't exist"
    default_page = 50
    filter_names = ("createdAfter", "createdBefore", "name", "states")

    def new_container_id(self, rng: random.Random) -> str:
        return _base36(rng, 25)

    def new_run_id(self, rng: random.Random) -> str:
        return "0000000" + _base36(rng, 12)

    def arn(self, run: Run) -> str:
        return job_run_arn(self.api, run.container, run.run_id, REGION, ACCOUNT)

    def started(self, run: Run) -> dict[str, Any]:
        body = {"id": run.run_id, "arn": self.arn(run), "virtualClusterId": run.container}
        if "name" in run.request:
            body["name"] = run.request["name"]
        return body

    def described(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        request, lifecycle = run.request, self.lifecycle
        event = run.event_at(now)
        view: dict[str, Any] = {
            "id": run.run_id,
            "virtualClusterId": run.container,
            "arn": self.arn(run),
            "state": event.state,
            "clientToken": request["clientToken"],
            "createdAt": iso_utc(run.submitted_at),
            "createdBy": CALLER,
            "stateDetails": event.details,
        }
        for name in (
            "name", "executionRoleArn", "releaseLabel", "configurationOverrides", "jobDriver", "tags",
            "retryPolicyConfiguration",
        ):  # fmt: skip
            if name in request:
                view[name] = request[name]
        if "retryPolicyConfiguration" in request:
            view["retryPolicyExecution"] = {"currentAttemptCount": 1}
        ended = run.ended_at(lifecycle, now)
        if ended is not None:
            view["finishedAt"] = iso_utc(ended)
        if event.state == lifecycle.failure:
            view["failureReason"] = "USER_ERROR"
        return view

    def cancelled(self, run: Run) -> dict[str, Any]:
        return {"id": run.run_id, "virtualClusterId": run.container}

    def match_view(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        return {"state": run.event_at(now).state}

    def created_window(self, request: Mapping[str, Any]) -> tuple[float | None, float | None]:
        return _created_window(request, "createdAfter", "createdBefore")

    def matches(self, run: Run, view: Mapping[str, Any], request: Mapping[str, Any], now: float) -> bool:
        return (
            _created_between(run, request, "createdAfter", "createdBefore")
            and _in_states(view, request)
            and ("name" not in request or run.request.get("name") == request["name"])
        )


class AlibabaServerlessSpark(ApiFlavour):
    api = "alibaba-emr-serverless-spark"
    container_kind = "Workspace"
    default_page = 20
    filter_names = (
        "name", "creator", "jobRunId", "states", "resourceQueueId", "tags", "startTime", "endTime", "minDuration",
        "jobRunDeploymentId", "isWorkflow", "applicationConfigs", "runtimeConfigs",
    )  # fmt: skip
    counts_matches = True

    def new_container_id(self, rng: random.Random) -> str:
        return "w-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))

    def new_run_id(self, rng: random.Random) -> str:
        return "jr-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))

    def timeout_seconds(self, request: Mapping[str, Any]) -> float | None:
        seconds = request.get("executionTimeoutSeconds")
        return None if not seconds or seconds < 0 else float(seconds)

    def started(self, run: Run) -> dict[str, Any]:
        return {"jobRunId": run.run_id}

    def described(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        request, lifecycle = run.request, self.lifecycle
        event = run.event_at(now)
        view: dict[str, Any] = {
            "workspaceId": run.container,
            "jobRunId": run.run_id,
            "state": event.state,
            "submitTime": _millis(run.submitted_at),
        }
        for name in (
            "name", "codeType", "executionTimeoutSeconds", "tags", "releaseVersion", "resourceQueueId", "jobDriver",
            "configurationOverrides", "displayReleaseVersion", "fusion",
        ):  # fmt: skip
            if name in request:
                view[name] = request[name]
        ended = run.ended_at(lifecycle, now)
        if ended is not None:
            view["endTime"] = _millis(ended)
        if event.state in (lifecycle.failure, lifecycle.cancelled, lifecycle.cancelling):
            view["stateChangeReason"] = {"code": event.state.upper(), "message": event.details}
        return view

    def summary(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        view = self.described(run, now, container)
        view["creator"] = container.get("creator", "1509789347011234")
        return view

    def cancelled(self, run: Run) -> dict[str, Any]:
        return {"jobRunId": run.run_id}

    def listed(self, runs: list[dict[str, Any]], next_token: str | None, total: int, page: int) -> dict[str, Any]:
        body: dict[str, Any] = {"jobRuns": runs, "maxResults": page, "totalCount": total}
        if next_token:
            body["nextToken"] = next_token
        return body

    def match_view(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        event, lifecycle = run.event_at(now), self.lifecycle
        view: dict[str, Any] = {"state": event.state, "submitTime": _millis(run.submitted_at)}
        if event.state in lifecycle.terminal:
            view["endTime"] = _millis(event.at)
        view["creator"] = container.get("creator", "1509789347011234")
        return view

    def created_window(self, request: Mapping[str, Any]) -> tuple[float | None, float | None]:
        bounds = request.get("startTime")
        if not isinstance(bounds, Mapping):
            return None, None
        low, high = bounds.get("startTime"), bounds.get("endTime")
        # submitTime is rounded to the millisecond: a millisecond either side keeps every run that can match
        earliest, latest = _seconds_of_millis(low), _seconds_of_millis(high)
        return (
            None if earliest is None else earliest - 0.001,
            None if latest is None else latest + 0.001,
        )

    def aggregates(self, request: Mapping[str, Any]) -> bool:
        return bool(request.get("groupByState"))

    def matches(self, run: Run, view: Mapping[str, Any], request: Mapping[str, Any], now: float) -> bool:
        submitted = view["submitTime"]
        ended = view.get("endTime")
        asked = run.request if any(name in request for name in _READ_FROM_THE_REQUEST) else {}
        checks = (
            ("name", lambda wanted: asked.get("name") == wanted),
            ("creator", lambda wanted: view.get("creator") == wanted),
            ("jobRunId", lambda wanted: run.run_id == wanted),
            ("states", lambda wanted: not wanted or view["state"] in wanted),
            ("resourceQueueId", lambda wanted: asked.get("resourceQueueId") == wanted),
            ("tags", lambda wanted: all(t in (asked.get("tags") or []) for t in wanted)),
            ("startTime", lambda wanted: _in_range(submitted, wanted)),
            ("endTime", lambda wanted: ended is not None and _in_range(ended, wanted)),
            ("minDuration", lambda wanted: ((ended or _millis(now)) - submitted) >= wanted),
            # Runs started through StartJobRun belong to no streaming deployment and no workflow.
            ("jobRunDeploymentId", lambda wanted: False),
            ("isWorkflow", lambda wanted: str(wanted).lower() != "true"),
            ("applicationConfigs", lambda wanted: _configured(asked, wanted, _spark_conf)),
            ("runtimeConfigs", lambda wanted: _configured(asked, wanted, _runtime_conf)),
        )
        return all(check(request[name]) for name, check in checks if name in request)

    def list_extras(self, request: Mapping[str, Any], matching: list[Mapping[str, Any]]) -> dict[str, Any]:
        if not request.get("groupByState"):
            return {}
        counts: dict[str, int] = {}
        for view in matching:
            counts[view["state"]] = counts.get(view["state"], 0) + 1
        return {"aggregations": {state: str(count) for state, count in counts.items()}}

    def invalid(self, violations: list[Violation]) -> ServiceError | None:
        return alibaba_error(violations)

    def bad_body(self, message: str) -> ServiceError:
        return ServiceError(400, "InvalidParameter", message)

    def not_found(self, operation: Operation, message: str, missing: str = "run") -> ServiceError:
        """The codes are ours (no page lists them), except for a List call on an unknown workspace:
        Alibaba's own EMR Spark skill (aliyun/alibabacloud-aiops-skills, alibabacloud-emr-spark-manage
        SKILL.md) says it answers "null (ErrorCode empty)"; its status and message stay ours."""
        if missing == "container" and operation.name.startswith("List"):
            return ServiceError(404, "", message)
        code = "InvalidWorkspaceId.NotFound" if missing == "container" else "InvalidJobRunId.NotFound"
        return ServiceError(404, code, message)

    def conflict(self, operation: Operation, message: str) -> ServiceError:
        return ServiceError(400, "IdempotentParameterMismatch", message)

    def refused(self, operation: Operation, message: str, reason: str) -> ServiceError:
        return ServiceError(400, "OperationDenied" if reason == "state" else "InvalidParameter", message)

    def error_response(self, error: ServiceError, request_id: str) -> HttpResponse:
        body = {"requestId": request_id, "code": error.code, "message": error.message}
        headers = {"content-type": "application/json;charset=utf-8", "x-acs-request-id": request_id}
        return HttpResponse(error.status, headers, _json(body))

    def ok_response(self, body: Mapping[str, Any], request_id: str, status: int = 200) -> HttpResponse:
        headers = {"content-type": "application/json;charset=utf-8", "x-acs-request-id": request_id}
        return HttpResponse(status, headers, _json({"requestId": request_id, **body}))


_READ_FROM_THE_REQUEST = ("name", "resourceQueueId", "tags", "applicationConfigs", "runtimeConfigs")

FLAVOURS: dict[str, ApiFlavour] = {
    flavour.api: flavour for flavour in (EmrServerless(), EmrContainers(), AlibabaServerlessSpark())
}


def _json(body: Mapping[str, Any]) -> bytes:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from the request: escaped, it is still valid JSON
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def _base36(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def _millis(seconds: float) -> int:
    return round(seconds * 1000)


def _configured(request: Mapping[str, Any], wanted: Any, read: Any) -> bool:
    """Alibaba's config filters: a JSON list of {key, value}, each of which the run must carry."""
    try:
        pairs = json.loads(wanted) if isinstance(wanted, str) else wanted
    except (ValueError, RecursionError):
        return True  # not the documented form: the filter is ignored, as an unknown filter is
    if not isinstance(pairs, list):
        return True
    carried = read(request)
    return all(isinstance(p, dict) and carried.get(str(p.get("key"))) == str(p.get("value")) for p in pairs)


def _spark_conf(request: Mapping[str, Any]) -> dict[str, str]:
    """Spark properties a run was given: ``--conf k=v`` in its submit parameters, and its configurations."""
    found: dict[str, str] = {}
    parameters = str(request.get("jobDriver", {}).get("sparkSubmit", {}).get("sparkSubmitParameters", ""))
    words = parameters.split()
    for flag, value in itertools.pairwise(words):
        if flag == "--conf" and "=" in value:
            key, _, setting = value.partition("=")
            found[key] = setting
    for item in request.get("configurationOverrides", {}).get("configurations", []) or []:
        if isinstance(item, dict) and "configItemKey" in item:
            found[str(item["configItemKey"])] = str(item.get("configItemValue", ""))
    return found


def _runtime_conf(request: Mapping[str, Any]) -> dict[str, str]:
    """Runtime settings a run was given; the page's example is ``mainClass`` (``--class`` on the command line)."""
    parameters = str(request.get("jobDriver", {}).get("sparkSubmit", {}).get("sparkSubmitParameters", "")).split()
    classes = [value for flag, value in itertools.pairwise(parameters) if flag == "--class"]
    return {"mainClass": classes[-1]} if classes else {}


def _created_between(run: Run, request: Mapping[str, Any], after: str, before: str) -> bool:
    """AWS's created-after (inclusive) and created-before (exclusive) filters, whatever each API calls them."""
    created = run.submitted_at
    low = timestamp_seconds(request.get(after))
    high = timestamp_seconds(request.get(before))
    return (low is None or created >= low) and (high is None or created < high)


def _created_window(request: Mapping[str, Any], after: str, before: str) -> tuple[float | None, float | None]:
    return timestamp_seconds(request.get(after)), timestamp_seconds(request.get(before))


def _seconds_of_millis(value: Any) -> float | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        return value / 1000
    except OverflowError:  # an integer past any float: no bound worth narrowing by
        return None


def _in_states(view: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    return not request.get("states") or view["state"] in request["states"]


def _in_range(value: int, bounds: Mapping[str, Any]) -> bool:
    low, high = bounds.get("startTime"), bounds.get("endTime")
    return (low is None or value >= low) and (high is None or value <= high)
