"""EMR on EKS through boto3 against the emulator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jobrun_contracts import UsageError
from jobrun_contracts.emulator import Emulator

from .test_aws_serverless import error_of

ROLE = "arn:aws:iam::123456789012:role/emr-on-eks-job-role"
DRIVER = {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf a=b"}}


def start(client: Any, cluster: str, **extra: Any) -> dict[str, Any]:
    request = {
        "virtualClusterId": cluster,
        "name": "report",
        "executionRoleArn": ROLE,
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": DRIVER,
    } | extra
    return client.start_job_run(**request)  # type: ignore[no-any-return]


def test_virtual_cluster_flow_then_start_describe_cancel(containers: Any, emulator: Emulator) -> None:
    provider = {"type": "EKS", "id": "my-eks", "info": {"eksInfo": {"namespace": "spark"}}}
    cluster = containers.create_virtual_cluster(name="analytics", containerProvider=provider)["id"]
    assert containers.describe_virtual_cluster(id=cluster)["virtualCluster"]["state"] == "RUNNING"

    started = start(containers, cluster, tags={"team": "bi"})
    assert started["arn"].endswith(f":/virtualclusters/{cluster}/jobruns/{started['id']}")
    assert started["name"] == "report"
    run = containers.describe_job_run(virtualClusterId=cluster, id=started["id"])["jobRun"]
    assert (run["state"], run["jobDriver"], run["tags"], run["releaseLabel"]) == (
        "PENDING",
        DRIVER,
        {"team": "bi"},
        "emr-6.15.0-latest",
    )
    emulator.advance(12)
    assert containers.describe_job_run(virtualClusterId=cluster, id=started["id"])["jobRun"]["state"] == "RUNNING"
    containers.cancel_job_run(virtualClusterId=cluster, id=started["id"])
    assert (
        containers.describe_job_run(virtualClusterId=cluster, id=started["id"])["jobRun"]["state"] == "CANCEL_PENDING"
    )
    emulator.advance(10)
    run = containers.describe_job_run(virtualClusterId=cluster, id=started["id"])["jobRun"]
    assert run["state"] == "CANCELLED" and run["finishedAt"] >= run["createdAt"]
    listed = containers.list_job_runs(virtualClusterId=cluster, states=["CANCELLED"])["jobRuns"]
    assert [r["id"] for r in listed] == [started["id"]]


def test_lifecycle_to_completed_and_failed(containers: Any, emulator: Emulator) -> None:
    cluster = emulator.defaults["aws-emr-containers"]
    ok = start(containers, cluster)["id"]
    bad = start(containers, cluster)["id"]
    emulator.fail(bad)
    emulator.advance(1000)
    assert containers.describe_job_run(virtualClusterId=cluster, id=ok)["jobRun"]["state"] == "COMPLETED"
    failed = containers.describe_job_run(virtualClusterId=cluster, id=bad)["jobRun"]
    assert (failed["state"], failed["failureReason"]) == ("FAILED", "USER_ERROR")


def test_errors(containers: Any, containers_raw: Any, emulator: Emulator) -> None:
    cluster = emulator.defaults["aws-emr-containers"]
    # botocore declares ResourceNotFoundException with HTTP 400 for this API.
    assert error_of(start, client=containers, cluster="missingcluster")[:2] == (400, "ResourceNotFoundException")
    assert error_of(containers.describe_job_run, virtualClusterId=cluster, id="0000000missing")[:2] == (
        400,
        "ResourceNotFoundException",
    )
    assert error_of(containers.cancel_job_run, virtualClusterId=cluster, id="0000000missing")[:2] == (
        400,
        "ValidationException",
    )
    status, code, message = error_of(start, client=containers_raw, cluster=cluster, releaseLabel="")
    assert (status, code) == (400, "ValidationException") and "releaseLabel" in message
    status, code, message = error_of(
        start,
        client=containers_raw,
        cluster=cluster,
        jobDriver={
            "sparkSubmitJobDriver": DRIVER["sparkSubmitJobDriver"],
            "sparkSqlJobDriver": {"entryPoint": "s3://b/q.sql"},
        },
    )
    assert (status, code) == (400, "ValidationException") and "jobDriver" in message


def test_idempotency_and_conflict(containers: Any, emulator: Emulator) -> None:
    cluster = emulator.defaults["aws-emr-containers"]
    first = start(containers, cluster, clientToken="same")["id"]
    assert start(containers, cluster, clientToken="same")["id"] == first
    status, code, _ = error_of(start, client=containers, cluster=cluster, clientToken="same", name="other")
    assert (status, code) == (400, "ValidationException")


def test_list_filters_and_paginator(containers: Any, emulator: Emulator) -> None:
    cluster = emulator.defaults["aws-emr-containers"]
    a = [start(containers, cluster, name="a")["id"] for _ in range(3)]
    emulator.advance(100)
    cutoff = emulator.clock.now()
    b = [start(containers, cluster, name="b")["id"] for _ in range(2)]
    assert {r["id"] for r in containers.list_job_runs(virtualClusterId=cluster, name="a")["jobRuns"]} == set(a)
    assert {r["id"] for r in containers.list_job_runs(virtualClusterId=cluster, createdAfter=cutoff)["jobRuns"]} == set(
        b
    )
    assert {
        r["id"] for r in containers.list_job_runs(virtualClusterId=cluster, createdBefore=cutoff)["jobRuns"]
    } == set(a)
    assert {
        r["id"] for r in containers.list_job_runs(virtualClusterId=cluster, states=["COMPLETED"])["jobRuns"]
    } == set(a)
    pages = containers.get_paginator("list_job_runs").paginate(
        virtualClusterId=cluster, PaginationConfig={"PageSize": 1}
    )
    ids = [r["id"] for page in pages for r in page["jobRuns"]]
    assert ids == [*reversed(b), *reversed(a)]


def test_create_virtual_cluster_is_idempotent_by_client_token(containers: Any) -> None:
    provider = {"type": "EKS", "id": "my-eks", "info": {"eksInfo": {"namespace": "spark"}}}
    first = containers.create_virtual_cluster(name="a", containerProvider=provider, clientToken="once")["id"]
    again = containers.create_virtual_cluster(name="a", containerProvider=provider, clientToken="once")["id"]
    assert again == first
    assert "clientToken" not in containers.describe_virtual_cluster(id=first)["virtualCluster"]


def test_a_release_emr_on_eks_does_not_have_is_refused_as_the_service_words_it(
    containers: Any, emulator: Emulator
) -> None:
    cluster = emulator.defaults["aws-emr-containers"]
    for label in ("emr-6.15.0-20231109", "emr-7.13.0-latest", "emr-5.32.0-latest", "emr-7.0.0-flink-latest"):
        assert start(containers, cluster, releaseLabel=label)["id"]
    for label in ("emr-9.9.9-latest", "emr-6.1.0-latest", "emr-6.15.0", "spark-3.5", "emr-6.15.0-2023110"):
        status, code, message = error_of(
            containers.start_job_run,
            virtualClusterId=cluster,
            executionRoleArn=ROLE,
            releaseLabel=label,
            jobDriver=DRIVER,
        )
        assert (status, code, message) == (400, "ResourceNotFoundException", f"Release {label} doesn't exist.")


def test_the_known_releases_can_be_given() -> None:
    from jobrun_contracts.emulator.containers import release_exists

    assert release_exists("emr-6.15.0-latest") and not release_exists("emr-6.15.0-latest", frozenset({"x"}))
    emulator = Emulator(release_labels={"emr-6.15.0-latest"})
    request = {"executionRoleArn": ROLE, "jobDriver": DRIVER, "clientToken": "t"}
    assert emulator.start_run("aws-emr-containers", {**request, "releaseLabel": "emr-6.15.0-latest"})
    with pytest.raises(
        UsageError, match=re.escape("ResourceNotFoundException: Release emr-7.1.0-latest doesn't exist.")
    ):
        emulator.start_run("aws-emr-containers", {**request, "clientToken": "u", "releaseLabel": "emr-7.1.0-latest"})


def test_a_deleted_virtual_cluster_is_terminated_and_takes_no_runs(containers: Any) -> None:
    provider = {"type": "EKS", "id": "my-eks", "info": {"eksInfo": {"namespace": "spark"}}}
    cluster = containers.create_virtual_cluster(name="gone", containerProvider=provider)["id"]
    assert containers.delete_virtual_cluster(id=cluster)["id"] == cluster
    assert containers.describe_virtual_cluster(id=cluster)["virtualCluster"]["state"] == "TERMINATED"
    status, code, message = error_of(
        containers.start_job_run,
        virtualClusterId=cluster,
        executionRoleArn=ROLE,
        releaseLabel="emr-6.15.0-latest",
        jobDriver=DRIVER,
    )
    assert (status, code) == (400, "ValidationException")
    assert message == "Virtual cluster state TERMINATED is not valid to create resource JobRun."
    status, code, message = error_of(containers.describe_virtual_cluster, id="0" * 25)
    assert (code, message) == ("ResourceNotFoundException", f"Virtual cluster {'0' * 25} doesn't exist.")
