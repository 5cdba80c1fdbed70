"""The containers job runs live in: EMR Serverless applications, EMR on EKS virtual clusters, Alibaba workspaces.

Only as much as an SDK flow needs (create, describe, list, delete), with the required members
checked and the service's error style; these operations are outside our schemas, so they are
not validated beyond that. Alibaba workspaces are configured, not created over the API.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._http import HttpRequest, HttpResponse
from ..registry import Operation
from ..service_errors import ServiceError
from ._apis import ACCOUNT, FLAVOURS, REGION, ApiFlavour, _iso

if TYPE_CHECKING:
    from .app import Emulator


def new_container(api: str, container_id: str, now: float, attributes: Mapping[str, Any]) -> dict[str, Any]:
    if api == "aws-emr-serverless":
        return {
            "applicationId": container_id,
            "name": attributes.get("name", "jobrun-emulator"),
            "arn": f"arn:aws:emr-serverless:{REGION}:{ACCOUNT}:/applications/{container_id}",
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
            "arn": f"arn:aws:emr-containers:{REGION}:{ACCOUNT}:/virtualclusters/{container_id}",
            "state": "RUNNING",
            "containerProvider": attributes.get(
                "containerProvider", {"type": "EKS", "id": "emulated-eks", "info": {"eksInfo": {"namespace": "spark"}}}
            ),
            "createdAt": _iso(now),
            "tags": attributes.get("tags", {}),
            **({"clientToken": attributes["clientToken"]} if "clientToken" in attributes else {}),
        }
    return {"workspaceId": container_id, **attributes}


def api_of(segments: list[str]) -> str | None:
    if segments[:1] == ["applications"]:
        return "aws-emr-serverless"
    if segments[:1] == ["virtualclusters"]:
        return "aws-emr-containers"
    return None


def start_problem(
    flavour: ApiFlavour, operation: Operation, container: Mapping[str, Any], request: Mapping[str, Any]
) -> ServiceError | None:
    """What stops a schema-valid StartJobRun here.

    EMR Serverless: a run without a job driver could not be shown (GetJobRun's JobRun requires
    one), so it is refused. EMR on EKS: job templates are not emulated, and without one the
    release, role and driver must be given.
    """
    if flavour.api == "aws-emr-serverless" and "jobDriver" not in request:
        return ServiceError(400, "ValidationException", "jobDriver must be set.")
    if flavour.api != "aws-emr-containers":
        return None
    if "jobTemplateId" in request:
        return flavour.not_found(operation, f"Job template {request['jobTemplateId']} does not exist.")
    missing = [name for name in ("releaseLabel", "executionRoleArn", "jobDriver") if name not in request]
    if missing:
        names = ", ".join(missing)
        return ServiceError(400, "ValidationException", f"{names} must be set when no job template is used.")
    return None


def handle(emulator: Emulator, api: str, request: HttpRequest, segments: list[str]) -> HttpResponse:
    flavour = FLAVOURS[api]
    request_id = str(uuid.uuid4())
    try:
        body = json.loads(request.body) if request.body.strip() else {}
    except (ValueError, RecursionError):
        return flavour.error_response(ServiceError(400, "SerializationException", "Malformed JSON body"), request_id)
    if not isinstance(body, dict):
        return flavour.error_response(ServiceError(400, "SerializationException", "Expected a JSON object"), request_id)
    handler = _applications if api == "aws-emr-serverless" else _virtual_clusters
    with emulator._lock:  # the container maps are shared with every other request thread
        result = handler(emulator, request.method, segments[1:], body)
    if isinstance(result, ServiceError):
        return flavour.error_response(result, request_id)
    return flavour.ok_response(result, request_id)


def _applications(
    emulator: Emulator, method: str, rest: list[str], body: dict[str, Any]
) -> dict[str, Any] | ServiceError:
    api = "aws-emr-serverless"
    containers = emulator._state.containers[api]
    if not rest and method == "POST":
        required, kept = ("releaseLabel", "type", "clientToken"), ("name", "releaseLabel", "type", "tags")
        return _create(emulator, api, body, required, kept, ("applicationId", "name", "arn"))
    if not rest and method == "GET":
        summary = ("name", "arn", "releaseLabel", "type", "state", "createdAt", "updatedAt")
        return {"applications": [{"id": a["applicationId"], **{k: a[k] for k in summary}} for a in containers.values()]}
    app = containers.get(rest[0]) if rest else None
    if app is None:
        return ServiceError(404, "ResourceNotFoundException", f"Application {rest[0] if rest else ''} does not exist.")
    if len(rest) == 1 and method == "GET":
        return {"application": _public(app)}
    if len(rest) == 1 and method == "DELETE":
        with emulator._lock:
            del containers[rest[0]]
        return {}
    if len(rest) == 2 and method == "POST" and rest[1] in ("start", "stop"):
        app["state"] = "STARTED" if rest[1] == "start" else "STOPPED"
        app["updatedAt"] = emulator.clock.now()
        return {}
    return ServiceError(404, "UnknownOperationException", f"No operation at {method} /applications/{'/'.join(rest)}")


def _virtual_clusters(
    emulator: Emulator, method: str, rest: list[str], body: dict[str, Any]
) -> dict[str, Any] | ServiceError:
    api = "aws-emr-containers"
    containers = emulator._state.containers[api]
    if not rest and method == "POST":
        required, kept = ("name", "containerProvider", "clientToken"), ("name", "containerProvider", "tags")
        return _create(emulator, api, body, required, kept, ("id", "name", "arn"))
    if not rest and method == "GET":
        return {"virtualClusters": [_public(c) for c in containers.values()]}
    cluster = containers.get(rest[0]) if rest else None
    if cluster is None:
        missing_id = rest[0] if rest else ""
        return ServiceError(400, "ResourceNotFoundException", f"Virtual cluster {missing_id} doesn't exist.")
    if len(rest) == 1 and method == "GET":
        return {"virtualCluster": _public(cluster)}
    if len(rest) == 1 and method == "DELETE":
        with emulator._lock:
            del containers[rest[0]]
        return {"id": rest[0]}
    return ServiceError(404, "UnknownOperationException", f"No operation at {method} /virtualclusters/{'/'.join(rest)}")


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
    containers = emulator._state.containers[api]
    attributes = {k: body[k] for k in kept if k in body}
    with emulator._lock:
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
