"""EMR on EKS job templates in the emulator: the four template operations, and runs started from a template.

Templates are account-level, as the model's URIs say (``/jobtemplates``, ``/jobtemplates/{templateId}``,
not under a virtual cluster): any virtual cluster runs any template. They are kept in
:class:`TemplateStore` (one per emulator state, under its lock) and never change once created (the
API has no update). A request reaches these handlers already checked against its schema; what is
checked here are the template rules of ``core.job_templates``, each cited there and in
docs/emulator.md ("Job templates").

Errors are those the model declares for each operation: an unknown or deleted template is
``ResourceNotFoundException`` (400) where the operation declares it (CreateJobTemplate, Describe,
StartJobRun) and the declared 400 ``ValidationException`` elsewhere (DeleteJobTemplate); a parameter
problem is a ``ValidationException`` whose message names the parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core import job_templates as rules
from ..core.formats import iso_utc, timestamp_seconds
from ..core.registry import Operation
from ..core.validation import Violation
from ..wire.service_errors import ServiceError
from .flavours import ACCOUNT, CALLER, REGION, ApiFlavour

API = "aws-emr-containers"
OPERATIONS = ("CreateJobTemplate", "DescribeJobTemplate", "ListJobTemplates", "DeleteJobTemplate")
DEFAULT_PAGE = 50  # as ListJobRuns (docs/emulator.md, "Our choices")
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def template_arn(template_id: str, region: str = REGION, account: str = ACCOUNT) -> str:
    """``arn:aws:emr-containers:<region>:<account>:/jobtemplates/<id>``, the model's JobTemplateArn pattern."""
    return f"arn:aws:emr-containers:{region}:{account}:/jobtemplates/{template_id}"


@dataclass
class StoredTemplate:
    seq: int  # creation order: the listing cursor
    record: dict[str, Any]  # the JobTemplate as DescribeJobTemplate shows it
    token: str  # the client token it was created with
    body: str  # its CreateJobTemplate input (compact, sorted): a retry with the token must match it
    created_at: float


class TemplateStore:
    """Every job template of the emulated account, by id, in creation order."""

    def __init__(self) -> None:
        self.by_id: dict[str, StoredTemplate] = {}
        self.by_token: dict[str, str] = {}  # client token -> template id
        self.seq = 0

    def get(self, template_id: str) -> StoredTemplate | None:
        return self.by_id.get(template_id)


def handle(
    store: TemplateStore,
    flavour: ApiFlavour,
    operation: Operation,
    request: Mapping[str, Any],
    *,
    now: float,
    rng: random.Random,
) -> dict[str, Any] | ServiceError:
    """Answer one of the four template operations (the caller holds the state's lock)."""
    if operation.name == "CreateJobTemplate":
        return _create(store, flavour, operation, request, now, rng)
    if operation.name == "ListJobTemplates":
        return _list(store, flavour, operation, request)
    template_id = request["id"]
    stored = store.get(template_id)
    if stored is None:
        return flavour.not_found(operation, f"Job template {template_id} does not exist.", "template")
    if operation.name == "DescribeJobTemplate":
        return {"jobTemplate": json.loads(json.dumps(stored.record))}
    if operation.name == "DeleteJobTemplate":
        del store.by_id[template_id]
        if store.by_token.get(stored.token) == template_id:
            del store.by_token[stored.token]
        return {"id": template_id}
    raise KeyError(operation.name)


def resolved(
    store: TemplateStore, flavour: ApiFlavour, operation: Operation, request: dict[str, Any]
) -> dict[str, Any] | ServiceError:
    """A StartJobRun request as it will run: merged with its job template, or unchanged without one.

    The merged request keeps ``jobTemplateId`` and ``jobTemplateParameters`` as given, so that a
    retry with the same client token is the same input exactly when the client sent the same request.
    """
    if flavour.api != API or "jobTemplateId" not in request:
        return request
    template_id = request["jobTemplateId"]
    stored = store.get(template_id)
    if stored is None:
        return flavour.not_found(operation, f"Job template {template_id} does not exist.", "template")
    merged = rules.merge(stored.record["jobTemplateData"], request)
    if merged.request is None:
        return _invalid(merged.violations)
    kept = {"jobTemplateId": template_id}
    if "jobTemplateParameters" in request:
        kept["jobTemplateParameters"] = request["jobTemplateParameters"]
    return {**merged.request, **kept}


# -- the operations ---------------------------------------------------------------------------


def _create(
    store: TemplateStore,
    flavour: ApiFlavour,
    operation: Operation,
    request: Mapping[str, Any],
    now: float,
    rng: random.Random,
) -> dict[str, Any] | ServiceError:
    problems = rules.template_problems(request["jobTemplateData"])
    if problems:
        return _invalid(problems)
    token = request["clientToken"]
    body = json.dumps({k: v for k, v in request.items() if k != "clientToken"}, sort_keys=True, separators=(",", ":"))
    existing = store.by_token.get(token)
    if existing is not None and existing in store.by_id:
        stored = store.by_id[existing]
        if stored.body != body:
            return flavour.conflict(
                operation, f"Client token {token} was already used for a different job template ({existing})."
            )
        return _created(stored.record)
    template_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(25))
    while template_id in store.by_id:
        template_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(25))
    record: dict[str, Any] = {
        "name": request["name"],
        "id": template_id,
        "arn": template_arn(template_id),
        "createdAt": iso_utc(now),
        "createdBy": CALLER,
        "tags": dict(request.get("tags") or {}),
        "jobTemplateData": json.loads(json.dumps(request["jobTemplateData"])),
    }
    if "kmsKeyArn" in request:
        record["kmsKeyArn"] = request["kmsKeyArn"]
    store.seq += 1
    store.by_id[template_id] = StoredTemplate(store.seq, record, token, body, now)
    store.by_token[token] = template_id
    return _created(record)


def _created(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("id", "name", "arn", "createdAt")}


def _list(
    store: TemplateStore, flavour: ApiFlavour, operation: Operation, request: Mapping[str, Any]
) -> dict[str, Any] | ServiceError:
    """Newest first; createdAfter inclusive and createdBefore exclusive, as the emulator's ListJobRuns."""
    page = request.get("maxResults") or DEFAULT_PAGE
    if page < 1:  # no bounds are documented (JavaInteger), as for ListJobRuns
        page = DEFAULT_PAGE
    filters = {k: v for k, v in request.items() if k not in ("nextToken", "maxResults")}
    filter_key = hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:16]
    cursor = store.seq + 1
    if request.get("nextToken"):
        decoded = _read_token(request["nextToken"], filter_key)
        if decoded is None:
            return flavour.refused(operation, "The pagination token is invalid or expired.", "token")
        cursor = decoded
    low, high = timestamp_seconds(request.get("createdAfter")), timestamp_seconds(request.get("createdBefore"))
    matching = [
        stored
        for stored in sorted(store.by_id.values(), key=lambda s: s.seq, reverse=True)
        if stored.seq < cursor
        and (low is None or stored.created_at >= low)
        and (high is None or stored.created_at < high)
    ]
    shown = matching[:page]
    body: dict[str, Any] = {"templates": [json.loads(json.dumps(s.record)) for s in shown]}
    if len(matching) > page:
        body["nextToken"] = _write_token(shown[-1].seq, filter_key)
    return body


# -- errors and tokens --------------------------------------------------------------------------


def _invalid(violations: tuple[Violation, ...] | list[Violation]) -> ServiceError:
    """A template rule broken: 400 ValidationException, each message naming its parameter or member."""
    count = len(violations)
    noun = "validation error" if count == 1 else "validation errors"
    return ServiceError(
        400, "ValidationException", f"{count} {noun} detected: " + "; ".join(v.message for v in violations)
    )


def _write_token(seq: int, filter_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(["jobtemplates", seq, filter_key]).encode()).decode().rstrip("=")


def _read_token(token: str, filter_key: str) -> int | None:
    try:
        kind, seq, key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, RecursionError, binascii.Error):
        return None
    if kind != "jobtemplates" or not isinstance(seq, int) or isinstance(seq, bool) or key != filter_key:
        return None
    return seq
