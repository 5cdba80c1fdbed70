"""Job specs where users keep them: the operation input a document denotes, and the way back to it.

A form (one module each) turns a parsed document into readings: the operation input, the API
and operation it is for and why, where each of its values is in the document, and which values
are known-unknown (a JSONPath, an expression, a placeholder). The validator checks the input as
it is; ``restore`` says its findings again about the document. Forms: ``cli-input`` (the input
itself, as ``--cli-input-json`` takes it), ``asl`` (Step Functions, also in CloudFormation and SAM
templates: ``cloudformation``), ``airflow`` (operator arguments); ``fragments`` places one named shape
(``--shape``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import UsageError
from .. import registry
from ..registry import Direction
from . import airflow, asl, fragments, placeholders
from .model import FORMS, Reading
from .restore import kept, restore, unchecked, user_pointer

__all__ = ["FORMS", "Reading", "detect", "kept", "read", "restore", "scan_deferred", "unchecked", "user_pointer"]

#: Where ``${...}`` is the service's own syntax (EMR on EKS job-template parameters), not a placeholder.
_SERVICE_SYNTAX = {("aws-emr-containers", "CreateJobTemplate")}


def detect(data: Any) -> str:
    """The form a document is in, told by what it holds: a path parameter, Step Functions states, an operator."""
    if isinstance(data, Mapping) and any(p in data for p in registry.CONTAINER_PARAMETER.values()):
        return "cli-input"
    if asl.detect(data):
        return "asl"
    if airflow.detect(data) or (
        isinstance(data, Mapping) and ("application_id" in data or "virtual_cluster_id" in data)
    ):
        return "airflow"
    return "cli-input"


def read(
    data: Any,
    *,
    form: str = "auto",
    api: str | None = None,
    operation: str = "StartJobRun",
    direction: Direction = "request",
    placeholders_known: bool = True,
    shape: str | None = None,
) -> list[Reading]:
    """The readings of one document: one per job-run task it holds (a cli-input document is one)."""
    if form not in FORMS:
        raise UsageError(f"unknown input form '{form}'; choose from {', '.join(FORMS)}")
    if shape is not None:
        if form == "airflow":
            raise UsageError("--shape reads a fragment as the API (cli-input) or Step Functions (asl) spells it")
        reading = fragments.read(data, shape, api, operation, form)
        _scan(reading, placeholders_known)
        return [reading]
    chosen = detect(data) if form == "auto" else form
    if chosen == "asl":
        readings = asl.read(data, api=api, operation=operation)
        if not readings:
            return [Reading(data, None, operation, "asl", error=asl.without_tasks(data))]
        for reading in readings:
            _scan(reading, placeholders_known)
    elif chosen == "airflow":
        readings = airflow.read(data, api=api, bare=True, placeholders=placeholders_known)
        if not readings:
            return [Reading(data, None, operation, "airflow", error=airflow.without_tasks(data))]
    else:
        reading = Reading(data, api, operation, "cli-input", direction=direction)
        # looked for only once the document has violations: a valid one costs no walk
        reading.deferred = direction == "request" and placeholders_known
        readings = [reading]
    if form == "auto" and chosen == "cli-input":
        return readings
    for reading in readings:
        reading.detected = form == "auto"
        if reading.decided:
            reading.decided = f"read as {reading.decided}"
    return readings


def scan_deferred(reading: Reading) -> None:
    """Look for the placeholders of a reading whose look was put off (a plain operation input)."""
    if reading.deferred:
        reading.deferred = False
        _scan(reading, True)


def _scan(reading: Reading, known: bool) -> None:
    if not known or reading.error is not None or (reading.api, reading.operation) in _SERVICE_SYNTAX:
        return
    if not _may_hold_placeholders(reading.data):
        return
    reading.syntax = placeholders.GENERIC
    placeholders.scan(reading)


def _may_hold_placeholders(data: Any) -> bool:
    """A cheap look first (the JSON encoder is C): most documents hold no placeholder at all."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return "${" in text or "{{" in text
