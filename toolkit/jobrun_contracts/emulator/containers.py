"""The containers job runs live in: EMR Serverless applications, EMR on EKS virtual clusters, Alibaba workspaces.

Only as much as an SDK flow and a cleanup need (create, describe, list with a ``states`` filter,
start, stop, delete), with the required members checked and the service's error style; these
operations are outside our schemas, so they are not validated beyond that. Alibaba workspaces are
configured, not created over the API.

An EMR Serverless application follows its documented states as far as a cleanup sees them (botocore
emr-serverless service-2.json): a job submission starts it (``AutoStartConfig.enabled``: "Enables
the application to automatically start on job submission. Defaults to true."), StopApplication
stops it, and DeleteApplication refuses it unless it is CREATED or STOPPED (operations.DeleteApplication:
"An application has to be in a stopped or created state in order to be deleted."). Starting and
stopping take no time here, and it is not stopped after an idle time (``AutoStopConfig``). Its
``schedulerConfiguration`` is kept and checked against the API reference's ranges; how it queues
runs is :mod:`.queueing`'s.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.arns import container_arn
from ..core.formats import iso_utc
from ..core.registry import Operation
from ..wire.codec import BodyError, json_object, split_target
from ..wire.messages import HttpRequest, HttpResponse
from ..wire.service_errors import ServiceError
from . import queueing as _queueing
from .flavours import ACCOUNT, FLAVOURS, REGION, ApiFlavour

if TYPE_CHECKING:
    from .app import Emulator


def new_container(api: str, container_id: str, now: float, attributes: Mapping[str, Any]) -> dict[str, Any]:
    if api == "aws-emr-serverless":
        return {
            "applicationId": container_id,
            "name": attributes.get("name", "jobrun-emulator"),
            "arn": container_arn(api, container_id, REGION, ACCOUNT),
            "releaseLabel": attributes.get("releaseLabel", "emr-7.1.0"),
            "type": attributes.get("type", "Spark"),
            "state": "CREATED",
            "createdAt": now,
            "updatedAt": now,
            **{k: v for k, v in attributes.items() if k not in ("name", "releaseLabel", "type")},
        }
    if api == "aws-emr-containers":
        return {
            "id": container_id,
            "name": attributes.get("name", "jobrun-emulator"),
            "arn": container_arn(api, container_id, REGION, ACCOUNT),
            "state": attributes.get("state", "RUNNING"),
            "containerProvider": attributes.get(
                "containerProvider", {"type": "EKS", "id": "emulated-eks", "info": {"eksInfo": {"namespace": "spark"}}}
            ),
            "createdAt": iso_utc(now),
            "tags": attributes.get("tags", {}),
            **({"clientToken": attributes["clientToken"]} if "clientToken" in attributes else {}),
        }
    return {"workspaceId": container_id, **attributes}


def api_of(segments: list[str]) -> str | None:
    """The API whose container operations live under this path, if any."""
    return next((kind.api for kind in _KINDS.values() if segments[:1] == [kind.path]), None)


def start_problem(
    flavour: ApiFlavour,
    operation: Operation,
    container: Mapping[str, Any],
    request: Mapping[str, Any],
    release_labels: frozenset[str] | None = None,
) -> ServiceError | None:
    """What stops a schema-valid StartJobRun here: the service's state, each a named rule of
    ``schemas/service-rules.json`` (what a request must hold is the validator's, already checked).

    EMR on EKS: the virtual cluster must be RUNNING (``virtual-cluster-must-be-running``) and the
    release must exist (``release-must-exist``); a run from a template arrives merged with it.
    EMR Serverless: a BATCH run on an application of release 7.11 or later needs an execution
    timeout of 1 to 10080 minutes (``batch-timeout-from-7-11``).
    """
    if flavour.api == "aws-emr-serverless":
        return _batch_timeout_problem(container, request)
    if flavour.api != "aws-emr-containers":
        return None
    state = container.get("state", "RUNNING")
    if state != "RUNNING":
        return ServiceError(
            400, "ValidationException", f"Virtual cluster state {state} is not valid to create resource JobRun."
        )
    label = request.get("releaseLabel")
    if isinstance(label, str) and not release_exists(label, release_labels):
        return flavour.not_found(operation, f"Release {label} doesn't exist.", "release")
    return None


#: From this EMR Serverless release on, a BATCH run's timeout is bounded and 0 is refused (the model's
#: ``executionTimeoutMinutes`` documentation: "starting with Amazon EMR release 7.11").
_BOUNDED_TIMEOUTS_FROM = (7, 11)
_BATCH_TIMEOUT_MAX = 10080  # minutes: "the maximum value is 10080 minutes (7 days)"


def _batch_timeout_problem(application: Mapping[str, Any], request: Mapping[str, Any]) -> ServiceError | None:
    """``batch-timeout-from-7-11``; the message is ours (no source quotes the service's words)."""
    minutes = request.get("executionTimeoutMinutes")
    if minutes is None or request.get("mode", "BATCH") != "BATCH":  # left out: the default 720 minutes holds
        return None
    release = _queueing.release_of(application)
    if release is None or release[:2] < _BOUNDED_TIMEOUTS_FROM:
        return None
    if 1 <= minutes <= _BATCH_TIMEOUT_MAX:
        return None
    return ServiceError(
        400,
        "ValidationException",
        f"executionTimeoutMinutes {minutes} is not valid for a BATCH job run on release "
        f"{application['releaseLabel']}: from release 7.11 it must be 1 to {_BATCH_TIMEOUT_MAX} minutes.",
    )


#: "emr-x.x.x-latest or emr-x.x.x-yyyymmdd" (EMR on EKS Development Guide, Amazon EMR on EKS
#: releases); Flink images carry ``-flink-`` or ``-flink-k8s-operator-`` before the suffix.
_RELEASE_LABEL = re.compile(r"emr-(\d+)\.(\d+)\.(\d+)(?:-flink(?:-k8s-operator)?)?-(?:latest|\d{8})", re.ASCII)
#: "Beginning with Amazon EMR releases 5.32.0 and 6.2.0, you can deploy Amazon EMR on EKS"; the
#: newest release seen in the guide's release list is 7.13.0. No source bounds 5.x above, so any
#: 5.x from 5.32.0 is taken.
_RELEASES = (((5, 32, 0), (5, 99, 99)), ((6, 2, 0), (7, 13, 0)))


def release_exists(label: str, known: frozenset[str] | None = None) -> bool:
    """Whether EMR on EKS has this release: in ``known`` when given, else of the documented form and range."""
    if known is not None:
        return label in known
    match = _RELEASE_LABEL.fullmatch(label)
    if match is None:
        return False
    version = tuple(int(part) for part in match.groups())
    return any(low <= version <= high for low, high in _RELEASES)


def submitted(api: str, container: dict[str, Any], now: float) -> None:
    """A job run was submitted in ``container``: an EMR Serverless application starts, unless its
    ``autoStartConfiguration`` says not to (``AutoStartConfig.enabled``, "Defaults to true")."""
    if api != "aws-emr-serverless" or container.get("state") not in ("CREATED", "STOPPED"):
        return
    auto = container.get("autoStartConfiguration")
    if isinstance(auto, Mapping) and auto.get("enabled") is False:
        return
    container["state"], container["updatedAt"] = "STARTED", now


def handle(emulator: Emulator, api: str, request: HttpRequest, segments: list[str]) -> HttpResponse:
    flavour = FLAVOURS[api]
    request_id = str(uuid.uuid4())
    try:
        body = json_object(request.body)
    except BodyError as error:
        return flavour.error_response(ServiceError(400, "SerializationException", str(error)), request_id)
    states = [value for name, value in split_target(request.target)[1] if name == "states"]
    with emulator.state.lock:  # the container maps are shared with every other request thread
        result = _container_operation(emulator, _KINDS[api], request.method, segments[1:], body, states)
    if isinstance(result, ServiceError):
        return flavour.error_response(result, request_id)
    return flavour.ok_response(result, request_id)


@dataclass(frozen=True)
class _Kind:
    """What differs between applications and virtual clusters: names, members, statuses."""

    api: str
    path: str  # the collection's first path segment
    noun: str  # in messages
    id_member: str  # the record's id member
    required: tuple[str, ...]  # members CreateX needs
    kept: tuple[str, ...]  # members CreateX stores
    answered: tuple[str, ...]  # members CreateX answers
    one: str  # GetX / DescribeX wraps the record in this member
    many: str  # ListX answers its list in this member
    listed: tuple[str, ...] | None  # a summary's members (besides its id); None: the whole record
    not_found_status: int  # botocore: 404 on EMR Serverless, 400 on EMR on EKS
    deleted_answers_id: bool


_KINDS = {
    "aws-emr-serverless": _Kind(
        "aws-emr-serverless", "applications", "Application", "applicationId",
        ("releaseLabel", "type", "clientToken"), ("name", "releaseLabel", "type", "tags", "autoStartConfiguration",
         "schedulerConfiguration"),
        ("applicationId", "name", "arn"), "application", "applications",
        ("name", "arn", "releaseLabel", "type", "state", "createdAt", "updatedAt"), 404, False,
    ),
    "aws-emr-containers": _Kind(
        "aws-emr-containers", "virtualclusters", "Virtual cluster", "id",
        ("name", "containerProvider", "clientToken"), ("name", "containerProvider", "tags"),
        ("id", "name", "arn"), "virtualCluster", "virtualClusters", None, 400, True,
    ),
}  # fmt: skip


def _container_operation(
    emulator: Emulator, kind: _Kind, method: str, rest: list[str], body: dict[str, Any], states: list[str]
) -> dict[str, Any] | ServiceError:
    containers = emulator.state.containers[kind.api]
    if not rest and method == "POST":
        return _create(emulator, kind.api, body, kind.required, kind.kept, kind.answered)
    if not rest and method == "GET":  # ListApplications, ListVirtualClusters: "states" filters, as both models say
        shown = [c for c in containers.values() if not states or c.get("state") in states]
        if kind.listed is None:
            return {kind.many: [_public(c) for c in shown]}
        return {kind.many: [{"id": c[kind.id_member], **{k: c[k] for k in kind.listed if k in c}} for c in shown]}
    record = containers.get(rest[0]) if rest else None
    if record is None:
        missing = rest[0] if rest else ""
        return ServiceError(
            kind.not_found_status,
            "ResourceNotFoundException",
            f"{kind.noun} {missing} {FLAVOURS[kind.api].missing_wording}.",
        )
    if len(rest) == 1 and method == "GET":
        return {kind.one: _public(record)}
    if len(rest) == 1 and method == "DELETE":
        if kind.api == "aws-emr-containers":  # a deleted virtual cluster stays, TERMINATED (VirtualClusterState)
            record["state"] = "TERMINATED"
        elif record.get("state") not in ("CREATED", "STOPPED"):  # operations.DeleteApplication
            return ServiceError(
                400,
                "ValidationException",
                f"Application {rest[0]} is {record.get('state')}: an application has to be in a stopped or "
                "created state in order to be deleted.",
            )
        else:
            del containers[rest[0]]
            emulator.state.queues.pop((kind.api, rest[0]), None)  # its job queue goes with it
        return {"id": rest[0]} if kind.deleted_answers_id else {}
    if kind.api == "aws-emr-serverless" and len(rest) == 2 and method == "POST" and rest[1] in ("start", "stop"):
        record["state"] = "STARTED" if rest[1] == "start" else "STOPPED"
        record["updatedAt"] = emulator.clock.now()
        return {}
    return ServiceError(404, "UnknownOperationException", f"No operation at {method} /{kind.path}/{'/'.join(rest)}")


def _create(
    emulator: Emulator,
    api: str,
    body: Mapping[str, Any],
    required: tuple[str, ...],
    kept: tuple[str, ...],
    answered: tuple[str, ...],
) -> dict[str, Any] | ServiceError:
    """Create a container, idempotently by its client token, and answer the members the service returns."""
    missing = _missing(body, required)
    if missing:
        return missing
    containers = emulator.state.containers[api]
    attributes = {k: body[k] for k in kept if k in body}
    problem = _queueing.configuration_problem(attributes) if api == "aws-emr-serverless" else None
    if problem is not None:
        return ServiceError(400, "ValidationException", problem)
    with emulator.state.lock:
        existing = _by_token(containers, body["clientToken"])
        container_id = existing or emulator.create_container(api, clientToken=body["clientToken"], **attributes)
    return {k: containers[container_id][k] for k in answered}


def _missing(body: Mapping[str, Any], names: tuple[str, ...]) -> ServiceError | None:
    absent = [n for n in names if n not in body]
    if not absent:
        return None
    items = "; ".join(f"Value null at '{n}' failed to satisfy constraint: Member must not be null" for n in absent)
    noun = "validation error" if len(absent) == 1 else "validation errors"
    return ServiceError(400, "ValidationException", f"{len(absent)} {noun} detected: {items}")


def _by_token(containers: Mapping[str, dict[str, Any]], token: str) -> str | None:
    return next((cid for cid, c in containers.items() if c.get("clientToken") == token), None)


def _public(container: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in container.items() if k != "clientToken"}
