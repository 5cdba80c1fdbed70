"""Clauses made rather than written: every shipped fixture replayed, and generated requests (fuzzing).

A valid fixture must be accepted; an invalid one refused as a validation error naming its field.
Some invalid fixtures cannot travel as such: an unknown member is ignored by the services'
protocols, and a path parameter of the wrong JSON type arrives as a string. Those clauses are
skipped with that reason, worked out by sending the fixture through our own wire encoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from ..core import fixtures as _fixtures
from ..core import registry
from ..wire import codec
from .clauses import Clause

_START = "StartJobRun"


def fixture_clauses(api: str) -> list[Clause]:
    clauses = []
    for operation in registry.operations(api):
        for name in _fixtures.names(api, operation.name, "valid") + _fixtures.names(api, operation.name, "invalid"):
            expected = _fixtures.expected(api, operation.name, name)
            steps: list[dict[str, Any]] = []
            request: dict[str, Any] = {"fixture": name}
            seed = _seed(api, operation.name, _fixtures.instance(api, operation.name, name), expected)
            if seed is not None:
                steps.append(seed[0])
                request["with"] = seed[1]
            if operation.name == "ListJobRuns" and expected is None:
                request["without"] = ["nextToken"]  # a token from another service's listing is never valid here
            if expected is None:
                expect: dict[str, Any] = {"status": operation.status}
                summary = f"The valid fixture {name} is accepted"
            else:
                from .expectations import invalid_expectation

                expect = invalid_expectation(api, expected, operation.name)
                summary = f"The invalid fixture {name} is refused as a validation error naming its field"
            steps.append({"name": "replay", "call": operation.name, "request": request, "expect": expect})
            stem = name.replace("/", "-").removesuffix(".json")
            clauses.append(
                Clause(
                    api=api,
                    id=f"fixture-{stem}",
                    operation=operation.name,
                    level="MUST",
                    source=f"fixtures/{api}/{operation.name}/{name}",
                    summary=summary,
                    steps=tuple(steps),
                    origin="fixture replay",
                    skip=_skip_reason(api, operation.name, name, expected),
                )
            )
    return clauses


#: Operations whose fixtures need nothing on the target but the container.
_UNSEEDED = (_START, "ListJobRuns", "CreateJobTemplate", "ListJobTemplates")
#: Operations whose fixtures name an EMR on EKS job template (by ``id``).
_NAME_A_TEMPLATE = ("DescribeJobTemplate", "DeleteJobTemplate")


def _seed(
    api: str, operation: str, instance: Mapping[str, Any], expected: Mapping[str, str] | None
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The step that makes what a fixture names on the target (a run, a job template), and the members
    that then name it; None when the fixture names nothing, or when the name is the field under test."""
    if operation in _NAME_A_TEMPLATE or (operation == _START and expected is None and "jobTemplateId" in instance):
        fixture = _template_fixture(api, instance if operation == _START else None)
        if fixture is None:
            return None
        call, member, answer = "CreateJobTemplate", ("id" if operation in _NAME_A_TEMPLATE else "jobTemplateId"), "id"
    elif operation in _UNSEEDED:
        return None
    else:
        call, fixture, member = _START, _seed_fixture(api), registry.RUN_ID[api]
        answer = member
    if expected is not None and expected["pointer"].split("/")[1] == member:
        return None
    step = {"name": "seed", "call": call, "request": {"fixture": fixture}, "expect": {"status": 200}}
    return step, {member: f"${{seed.response.{answer}}}"}


def _template_fixture(api: str, run: Mapping[str, Any] | None = None) -> str | None:
    """A valid CreateJobTemplate fixture (one a StartJobRun ``run`` fits, when given), or None."""
    if "CreateJobTemplate" not in {op.name for op in registry.operations(api)}:
        return None
    from ..core.job_templates import merge

    for name in _fixtures.names(api, "CreateJobTemplate", "valid"):
        template = _fixtures.instance(api, "CreateJobTemplate", name)
        if run is None or merge(template, run).ok:
            return name
    return None


def _seed_fixture(api: str) -> str:
    """A valid StartJobRun fixture that needs nothing but the container (no job template)."""
    names = _fixtures.names(api, _START, "valid")
    return next(n for n in names if "jobTemplateId" not in _fixtures.instance(api, _START, n))


def _seed_request(api: str) -> dict[str, Any]:
    instance = _fixtures.instance(api, _START, _seed_fixture(api))
    return {k: v for k, v in instance.items() if k in ("jobDriver", "releaseLabel", "executionRoleArn")}


def fuzz_clauses(api: str, count: int) -> list[Clause]:
    """Generated valid StartJobRun and ListJobRuns requests must be accepted; generated invalid ones refused."""
    clauses = []
    source = "schemas/{api}/{op}.request.json (generated by jobrun_contracts.strategies)"
    for name in (_START, "ListJobRuns"):
        request: dict[str, Any] = {"generate": "valid"}
        if name == "ListJobRuns":
            request["without"] = ["nextToken"]
            if api == "aws-emr-containers":  # no documented bounds: a valid value cannot be told from a refused one
                request["without"].append("maxResults")
        if api != "alibaba-emr-serverless-spark" and name == _START:
            # A run needs a driver (and on EMR on EKS, without a job template, a release and a role),
            # though the request schema leaves them optional: fill in what a draw leaves out.
            request["without"] = ["jobTemplateId", "jobTemplateParameters"]
            request["defaults"] = _seed_request(api)
        step = {"name": "generated", "call": name, "request": request, "repeat": count, "expect": {"status": 200}}
        clauses.append(
            Clause(
                api=api,
                id="fuzz-valid-requests",
                operation=name,
                level="MUST",
                source=source.format(api=api, op=name),
                summary=f"{count} generated valid {name} requests are accepted",
                steps=(step,),
                origin="fuzzing",
            )
        )
    for operation in registry.operations(api):
        # The target's container, so that only the broken field is wrong.
        fuzz: dict[str, Any] = {"name": "generated", "fuzz_invalid": operation.name, "count": count}
        container = registry.CONTAINER_PARAMETER[api]
        if any(f.name == container for f in operation.fields):  # EMR on EKS job templates live in no container
            fuzz["with"] = {container: "${container}"}
        clauses.append(
            Clause(
                api=api,
                id="fuzz-invalid-requests",
                operation=operation.name,
                level="MUST",
                source=source.format(api=api, op=operation.name),
                summary=f"{count} generated requests that each break one constraint are refused, naming the field",
                steps=(fuzz,),
                origin="fuzzing",
            )
        )
    return clauses


def invalid_examples(api: str, operation: str, count: int, seed: int) -> list[tuple[dict[str, Any], dict[str, str]]]:
    return list(_invalid_examples(api, operation, count, seed))


@cache
def _invalid_examples(
    api: str, operation: str, count: int, seed: int
) -> tuple[tuple[dict[str, Any], dict[str, str]], ...]:
    from ..strategies import examples, invalid_requests

    found: list[tuple[dict[str, Any], dict[str, str]]] = []
    for attempt in range(4):
        drawn = examples(invalid_requests(api, operation, wire=True), count * 2, seed + attempt)
        for instance, expected in drawn:
            if unexpressible(api, operation, instance, expected) is None:
                found.append((instance, expected))
            if len(found) == count:
                return tuple(found)
    return tuple(found)


def _skip_reason(api: str, operation: str, name: str, expected: Mapping[str, str] | None) -> str | None:
    instance = _fixtures.instance(api, operation, name)
    if expected is None:
        if "jobTemplateId" in instance and _template_fixture(api, instance) is None:
            template = instance["jobTemplateId"]
            return f"needs job template {template} on the target, and no CreateJobTemplate fixture fits it"
        return None
    return unexpressible(api, operation, instance, expected)


def unexpressible(
    api: str, operation_name: str, instance: Mapping[str, Any], expected: Mapping[str, str]
) -> str | None:
    """Why a request breaking ``expected`` cannot reach a service as such, or None when it can."""
    from ..core.validation import validator_for

    if expected["keyword"] == "additionalProperties":
        return "services ignore unknown members (AWS's JSON protocols do; the emulator does the same for Alibaba)"
    operation = registry.operation(api, operation_name)
    request = dict(instance)
    token = operation.idempotency_token
    if token is not None and token.name not in request and token.required and expected["pointer"] != f"/{token.name}":
        request[token.name] = "jobrun-contracts-token"
    try:
        sent = codec.encode(operation, request, "localhost")
        segments, query = codec.split_target(sent.target)
        path = codec.match(operation.uri, segments)
        if path is None:
            return "the broken value changes the request's path, so it never reaches this operation"
        received = codec.decode(operation, path, query, sent.body)
    except codec.BodyError as error:
        return f"cannot be encoded as a request body: {error}"
    violations = validator_for(api, operation_name, "request", wire=True, strict=False).validate(received)
    if not any(v.pointer == expected["pointer"] and v.keyword == expected["keyword"] for v in violations):
        broken = f"{expected['keyword']} at {expected['pointer']}"
        return f"on the wire this becomes a different request: the service would not see {broken}"
    return None
