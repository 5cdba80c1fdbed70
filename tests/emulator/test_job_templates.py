"""EMR on EKS job templates through boto3's emr-containers client against the emulator over loopback HTTP.

Each rule is cited in ``jobrun_contracts.core.job_templates`` and in docs/emulator.md ("Job templates").
"""

from __future__ import annotations

from typing import Any

import pytest

from jobrun_contracts.emulator import Emulator

from .test_aws_serverless import error_of

ROLE = "arn:aws:iam::123456789012:role/emr-on-eks-job-execution-role"
#: The guide's "Defining job template parameters" example, with a NUMBER parameter added.
TEMPLATE = {
    "executionRoleArn": ROLE,
    "releaseLabel": "emr-6.15.0-latest",
    "jobDriver": {
        "sparkSubmitJobDriver": {
            "entryPoint": "${EntryPointLocation}",
            "entryPointArguments": ["--env", "prod"],
            "sparkSubmitParameters": "--class ${MainClass} --conf spark.executor.instances=${Executors}",
        }
    },
    "configurationOverrides": {
        "applicationConfiguration": [{"classification": "spark-defaults", "properties": {"spark.driver.memory": "2G"}}],
        "monitoringConfiguration": {
            "persistentAppUI": "ENABLED",
            "s3MonitoringConfiguration": {"logUri": "${LogS3BucketUri}"},
        },
    },
    "parameterConfiguration": {
        "EntryPointLocation": {"type": "STRING"},
        "MainClass": {"type": "STRING", "defaultValue": "Main"},
        "LogS3BucketUri": {"type": "STRING", "defaultValue": "s3://my-logs/"},
        "Executors": {"type": "NUMBER", "defaultValue": "2"},
    },
    "jobTags": {"team": "analytics"},
}
ENTRY = "s3://analytics-prod/scripts/etl.py"


@pytest.fixture
def cluster(emulator: Emulator) -> str:
    return emulator.defaults["aws-emr-containers"]


@pytest.fixture
def template(containers: Any) -> str:
    created = containers.create_job_template(name="mytemplate", jobTemplateData=TEMPLATE, tags={"owner": "platform"})
    return str(created["id"])


def test_create_describe_list_delete(containers: Any, emulator: Emulator) -> None:
    created = containers.create_job_template(name="mytemplate", jobTemplateData=TEMPLATE, tags={"owner": "platform"})
    assert created["arn"] == f"arn:aws:emr-containers:us-east-1:123456789012:/jobtemplates/{created['id']}"
    assert created["name"] == "mytemplate" and created["createdAt"]
    described = containers.describe_job_template(id=created["id"])["jobTemplate"]
    assert described["jobTemplateData"] == TEMPLATE  # stored as given: placeholders are filled per run
    assert (described["id"], described["arn"], described["tags"]) == (
        created["id"],
        created["arn"],
        {"owner": "platform"},
    )
    assert described["createdBy"].startswith("arn:aws:sts::123456789012:")
    assert [t["id"] for t in containers.list_job_templates()["templates"]] == [created["id"]]
    assert containers.delete_job_template(id=created["id"])["id"] == created["id"]
    assert containers.list_job_templates()["templates"] == []
    status, code, message = error_of(containers.describe_job_template, id=created["id"])
    assert (status, code) == (400, "ResourceNotFoundException") and created["id"] in message
    # DeleteJobTemplate declares no ResourceNotFoundException: its declared 400 ValidationException
    status, code, message = error_of(containers.delete_job_template, id=created["id"])
    assert (status, code) == (400, "ValidationException") and created["id"] in message


def test_templates_are_account_level_and_run_on_any_virtual_cluster(containers: Any, template: str) -> None:
    provider = {"type": "EKS", "id": "other-eks", "info": {"eksInfo": {"namespace": "etl"}}}
    other = containers.create_virtual_cluster(name="other", containerProvider=provider)["id"]
    run = containers.start_job_run(
        virtualClusterId=other, jobTemplateId=template, jobTemplateParameters={"EntryPointLocation": ENTRY}
    )
    assert run["virtualClusterId"] == other


def test_the_list_paginator_pages_newest_first_and_filters_by_creation_time(
    containers: Any, emulator: Emulator
) -> None:
    ids = []
    for index in range(5):
        ids.append(containers.create_job_template(name=f"t{index}", jobTemplateData=TEMPLATE)["id"])
        emulator.advance(60)
    paginator = containers.get_paginator("list_job_templates")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["templates"]) for page in pages] == [2, 2, 1]
    assert [t["id"] for page in pages for t in page["templates"]] == ids[::-1]
    third = containers.describe_job_template(id=ids[2])["jobTemplate"]["createdAt"]
    after = paginator.paginate(createdAfter=third).build_full_result()["templates"]
    assert [t["id"] for t in after] == ids[:1:-1]  # createdAfter includes the third
    before = paginator.paginate(createdBefore=third).build_full_result()["templates"]
    assert [t["id"] for t in before] == ids[1::-1]  # createdBefore excludes it
    status, code, _ = error_of(containers.list_job_templates, nextToken="not-ours")
    assert (status, code) == (400, "ValidationException")


def test_a_page_token_is_tied_to_its_filters(containers: Any) -> None:
    for index in range(3):
        containers.create_job_template(name=f"t{index}", jobTemplateData=TEMPLATE)
    token = containers.list_job_templates(maxResults=1)["nextToken"]
    status, code, _ = error_of(containers.list_job_templates, nextToken=token, createdAfter="2000-01-01")
    assert (status, code) == (400, "ValidationException")


def test_create_is_idempotent_by_client_token(containers: Any) -> None:
    first = containers.create_job_template(name="t", jobTemplateData=TEMPLATE, clientToken="tok")
    again = containers.create_job_template(name="t", jobTemplateData=TEMPLATE, clientToken="tok")
    assert again["id"] == first["id"] and len(containers.list_job_templates()["templates"]) == 1
    status, code, message = error_of(
        containers.create_job_template, name="other", jobTemplateData=TEMPLATE, clientToken="tok"
    )
    assert (status, code) == (400, "ValidationException") and "tok" in message


def test_a_run_from_a_template_is_described_with_the_merged_values(
    containers: Any, cluster: str, template: str
) -> None:
    started = containers.start_job_run(
        virtualClusterId=cluster,
        name="myjob",
        jobTemplateId=template,
        jobTemplateParameters={"EntryPointLocation": ENTRY, "MainClass": "com.example.Etl"},
        tags={"run": "nightly"},
    )
    assert started["name"] == "myjob"
    run = containers.describe_job_run(virtualClusterId=cluster, id=started["id"])["jobRun"]
    assert run["executionRoleArn"] == ROLE and run["releaseLabel"] == "emr-6.15.0-latest"
    submit = run["jobDriver"]["sparkSubmitJobDriver"]
    assert submit["entryPoint"] == ENTRY  # the request's value
    assert submit["sparkSubmitParameters"] == "--class com.example.Etl --conf spark.executor.instances=2"
    assert submit["entryPointArguments"] == ["--env", "prod"]
    monitoring = run["configurationOverrides"]["monitoringConfiguration"]
    assert monitoring["s3MonitoringConfiguration"]["logUri"] == "s3://my-logs/"  # the default applies
    assert run["tags"] == {"team": "analytics", "run": "nightly"}  # the template's jobTags and the request's tags
    assert "jobTemplateId" not in run and "${" not in str(run)
    listed = containers.list_job_runs(virtualClusterId=cluster, name="myjob")["jobRuns"]
    assert [r["id"] for r in listed] == [started["id"]] and listed[0]["jobDriver"] == run["jobDriver"]


def test_a_missing_required_parameter_is_refused_naming_it(containers: Any, cluster: str, template: str) -> None:
    status, code, message = error_of(containers.start_job_run, virtualClusterId=cluster, jobTemplateId=template)
    assert (status, code) == (400, "ValidationException")
    assert "EntryPointLocation" in message and "required" in message
    assert "MainClass" not in message  # it has a default


def test_an_undeclared_parameter_is_refused_naming_it(containers: Any, cluster: str, template: str) -> None:
    parameters = {"EntryPointLocation": ENTRY, "DriverMemory": "4G"}
    status, code, message = error_of(
        containers.start_job_run, virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters
    )
    assert (status, code) == (400, "ValidationException") and "DriverMemory" in message and "not declared" in message


def test_a_number_parameter_given_a_non_number_is_refused_naming_it(
    containers: Any, cluster: str, template: str
) -> None:
    parameters = {"EntryPointLocation": ENTRY, "Executors": "abc"}
    status, code, message = error_of(
        containers.start_job_run, virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters
    )
    assert (status, code) == (400, "ValidationException") and "Executors" in message and "NUMBER" in message
    parameters["Executors"] = "8"
    run = containers.start_job_run(virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters)
    assert run["id"]


def test_a_member_the_template_holds_cannot_be_given_again(containers: Any, cluster: str, template: str) -> None:
    status, code, message = error_of(
        containers.start_job_run,
        virtualClusterId=cluster,
        jobTemplateId=template,
        jobTemplateParameters={"EntryPointLocation": ENTRY},
        releaseLabel="emr-7.1.0-latest",
    )
    assert (status, code) == (400, "ValidationException") and "releaseLabel" in message


def test_a_filled_in_value_must_still_be_a_valid_start_job_run_value(containers: Any, cluster: str) -> None:
    data = {
        **TEMPLATE,
        "executionRoleArn": "${ExecutionRole}",
        "parameterConfiguration": {**TEMPLATE["parameterConfiguration"], "ExecutionRole": {"type": "STRING"}},
    }
    template = containers.create_job_template(name="byrole", jobTemplateData=data)["id"]
    parameters = {"EntryPointLocation": ENTRY, "ExecutionRole": "my-role"}
    status, code, message = error_of(
        containers.start_job_run, virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters
    )
    assert (status, code) == (400, "ValidationException") and "executionRoleArn" in message
    parameters["ExecutionRole"] = "arn:aws:iam::123456789012:role/other-role"
    run = containers.start_job_run(virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters)
    described = containers.describe_job_run(virtualClusterId=cluster, id=run["id"])["jobRun"]
    assert described["executionRoleArn"] == "arn:aws:iam::123456789012:role/other-role"


def test_a_template_whose_placeholder_is_not_declared_is_refused(containers: Any) -> None:
    data = {**TEMPLATE, "releaseLabel": "${Release}"}
    status, code, message = error_of(containers.create_job_template, name="t", jobTemplateData=data)
    assert (status, code) == (400, "ValidationException") and "${Release}" in message
    untyped = {**TEMPLATE, "parameterConfiguration": {**TEMPLATE["parameterConfiguration"], "MainClass": {}}}
    status, code, message = error_of(containers.create_job_template, name="t", jobTemplateData=untyped)
    assert (status, code) == (400, "ValidationException") and "MainClass" in message and "type" in message


def test_a_deleted_template_can_no_longer_start_runs(containers: Any, cluster: str, template: str) -> None:
    parameters = {"EntryPointLocation": ENTRY}
    before = containers.start_job_run(
        virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters
    )
    containers.delete_job_template(id=template)
    status, code, message = error_of(
        containers.start_job_run, virtualClusterId=cluster, jobTemplateId=template, jobTemplateParameters=parameters
    )
    assert (status, code) == (400, "ResourceNotFoundException") and template in message
    kept = containers.describe_job_run(virtualClusterId=cluster, id=before["id"])["jobRun"]
    assert kept["jobDriver"]["sparkSubmitJobDriver"]["entryPoint"] == ENTRY  # runs already started keep their values


def test_an_unknown_template_is_not_found(containers: Any, cluster: str) -> None:
    status, code, message = error_of(containers.start_job_run, virtualClusterId=cluster, jobTemplateId="nosuch")
    assert (status, code) == (400, "ResourceNotFoundException") and "nosuch" in message


def test_a_retry_with_the_client_token_is_the_same_run(containers: Any, cluster: str, template: str) -> None:
    request = {
        "virtualClusterId": cluster,
        "jobTemplateId": template,
        "jobTemplateParameters": {"EntryPointLocation": ENTRY},
        "clientToken": "nightly-2024-01-01",
    }
    first = containers.start_job_run(**request)
    assert containers.start_job_run(**request)["id"] == first["id"]
    other = {**request, "jobTemplateParameters": {"EntryPointLocation": ENTRY, "MainClass": "Main"}}
    status, code, _ = error_of(containers.start_job_run, **other)  # the same merged run, but not the same request
    assert (status, code) == (400, "ValidationException")


def test_reset_forgets_templates(containers: Any, emulator: Emulator, template: str) -> None:
    emulator.reset()
    assert containers.list_job_templates()["templates"] == []


def test_start_run_from_python_uses_templates_too(emulator: Emulator, template: str) -> None:
    run_id = emulator.start_run(
        "aws-emr-containers", {"jobTemplateId": template, "jobTemplateParameters": {"EntryPointLocation": ENTRY}}
    )
    assert emulator.state_of(run_id) == "PENDING"
