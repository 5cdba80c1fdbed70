"""The services' own rules over the transcription: each sourced, each at its limit, each undone by reference_only."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from typing import Any

import pytest
from tests.support import ROOT

from jobrun_contracts import APIS, validate
from jobrun_contracts.core import registry, service_rules
from jobrun_contracts.errors import InputError

SERVERLESS, EKS, ALIBABA = "aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"

SERVERLESS_SPEC: dict[str, Any] = {
    "applicationId": "00fkr3dqu9a1b20d",
    "executionRoleArn": "arn:aws:iam::123456789012:role/JobRole",
    "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}},
}
EKS_SPEC: dict[str, Any] = {
    "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
    "executionRoleArn": "arn:aws:iam::123456789012:role/JobRole",
    "releaseLabel": "emr-6.15.0-latest",
    "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/job.py"}},
}
ALIBABA_SPEC: dict[str, Any] = {
    "workspaceId": "w-d2d82aa09155a1b2",
    "name": "etl",
    "codeType": "JAR",
    "resourceQueueId": "root_queue",
    "jobDriver": {"sparkSubmit": {"entryPoint": "oss://bucket/app.jar"}},
}
RUNNING_RUN: dict[str, Any] = {
    "applicationId": "00fkr3dqu9a1b20d",
    "jobRunId": "00fkr3dqu9a1b20e",
    "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fkr3dqu9a1b20d/jobruns/00fkr3dqu9a1b20e",
    "createdBy": "arn:aws:iam::123456789012:user/someone",
    "createdAt": 1700000000,
    "updatedAt": 1700000060,
    "executionRole": "arn:aws:iam::123456789012:role/JobRole",
    "state": "RUNNING",
    "stateDetails": "",
    "releaseLabel": "emr-6.6.0",
    "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}},
}


def found(violations: list[Any]) -> list[tuple[str, str, str | None]]:
    return [(v.pointer, v.keyword, v.rule) for v in violations]


def with_(spec: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {**copy.deepcopy(spec), **members}


# -- the rules file itself ------------------------------------------------------------------------


def test_every_rule_is_sourced_and_marks_each_site_it_changes() -> None:
    for api in APIS:
        for rule in service_rules.rules(api):
            assert rule.level in service_rules.LEVELS, rule.id
            assert rule.url.startswith("https://") and rule.source and rule.quote and rule.summary, rule.id
            for site in rule.at:
                name, _, pointer = site.partition("#")
                node: Any = service_rules.document(api, name)
                for part in pointer.split("/")[1:]:
                    node = node[part]
                marks = node["x-provenance"]
                assert any(mark["rule"] == rule.id and mark["level"] == rule.level for mark in marks.values()), site


def test_rule_ids_are_unique_and_listed_in_the_schema_docs() -> None:
    docs = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")
    for api in APIS:
        ids = [rule.id for rule in service_rules.rules(api)]
        assert len(ids) == len(set(ids))
        for rule_id in ids:
            assert f"`{rule_id}`" in docs, rule_id


def test_the_transcription_is_untouched_and_reference_only_reads_it() -> None:
    shipped = json.loads((ROOT / "schemas" / SERVERLESS / "shapes.json").read_text(encoding="utf-8"))
    assert registry.schema(SERVERLESS, "StartJobRun", "request", reference_only=True)["required"] == [
        "applicationId",
        "clientToken",
        "executionRoleArn",
    ]
    assert "maximum" not in shipped["$defs"]["AttemptNumber"]
    applied = service_rules.document(SERVERLESS, "shapes.json")
    retry = applied["$defs"]["RetryPolicy"]["properties"]["maxAttempts"]
    assert retry["maximum"] == 10 and retry["x-provenance"]["maximum"]["level"] == "guide"
    assert "maximum" not in applied["$defs"]["AttemptNumber"]  # JobRun.attempt keeps the model's rule


# -- each rule at its limit ---------------------------------------------------------------------


@pytest.mark.parametrize("member", ["maxAttempts", "maxFailedAttemptsPerHour"])
def test_retry_counts_accept_10_and_refuse_11(member: str) -> None:
    assert validate(with_(SERVERLESS_SPEC, retryPolicy={member: 10}), api=SERVERLESS) == []
    assert validate(with_(SERVERLESS_SPEC, retryPolicy={member: 1}), api=SERVERLESS) == []
    (violation,) = validate(with_(SERVERLESS_SPEC, retryPolicy={member: 11}), api=SERVERLESS)
    assert (violation.pointer, violation.keyword, violation.constraint) == (f"/retryPolicy/{member}", "maximum", 10)
    assert violation.provenance == "guide" and "Job resiliency" in violation.source
    assert violation.reference.startswith("EMR Serverless User Guide") and "https://" in violation.reference
    assert validate(with_(SERVERLESS_SPEC, retryPolicy={member: 11}), api=SERVERLESS, reference_only=True) == []


def test_a_run_attempt_past_10_is_still_a_valid_response() -> None:
    run = with_(RUNNING_RUN, attempt=11)
    assert validate({"jobRun": run}, api=SERVERLESS, operation="GetJobRun", direction="response") == []


def test_an_empty_state_details_is_what_the_service_sends() -> None:
    response = {"jobRun": RUNNING_RUN}
    assert validate(response, api=SERVERLESS, operation="GetJobRun", direction="response") == []
    listed = {
        "jobRuns": [
            {
                k: RUNNING_RUN[k]
                for k in (
                    "applicationId",
                    "arn",
                    "createdBy",
                    "createdAt",
                    "updatedAt",
                    "executionRole",
                    "state",
                    "stateDetails",
                    "releaseLabel",
                )
            }
            | {"id": RUNNING_RUN["jobRunId"]}
        ]
    }
    assert validate(listed, api=SERVERLESS, operation="ListJobRuns", direction="response") == []
    # the reference's verdict, citing the member's own documentation, not StartJobRun's name
    (strict,) = validate(response, api=SERVERLESS, operation="GetJobRun", direction="response", reference_only=True)
    assert (strict.pointer, strict.keyword) == ("/jobRun/stateDetails", "minLength")
    assert strict.source.endswith("shapes.JobRun.stateDetails") and "StartJobRun.txt#name" not in strict.source
    # the relaxation keeps the length limit, and cites the member
    (long,) = validate(
        {"jobRun": with_(RUNNING_RUN, stateDetails="x" * 257)},
        api=SERVERLESS,
        operation="GetJobRun",
        direction="response",
    )
    assert (long.keyword, long.constraint) == ("maxLength", 256) and long.source.endswith("JobRun.stateDetails")


def test_the_request_name_keeps_the_models_rule() -> None:
    (violation,) = validate(with_(SERVERLESS_SPEC, name=""), api=SERVERLESS)
    assert (violation.pointer, violation.keyword, violation.provenance) == ("/name", "minLength", "reference")
    assert violation.source == "shared/docs/aws-emr-serverless/StartJobRun.txt#name"


def test_emr_serverless_needs_a_job_driver() -> None:
    spec = {k: v for k, v in SERVERLESS_SPEC.items() if k != "jobDriver"}
    assert found(validate(spec, api=SERVERLESS)) == [("/jobDriver", "required", "job-driver-required")]
    assert validate(spec, api=SERVERLESS, reference_only=True) == []


def test_emr_on_eks_without_a_template_needs_a_role_a_release_and_a_driver() -> None:
    assert validate(EKS_SPEC, api=EKS) == []
    bare = {"virtualClusterId": EKS_SPEC["virtualClusterId"]}
    violations = validate(bare, api=EKS)
    assert [v.pointer for v in violations] == ["/executionRoleArn", "/releaseLabel", "/jobDriver"]
    assert all(v.message.endswith("when jobTemplateId is not given") for v in violations)
    assert {v.provenance for v in violations} == {"guide"}
    for missing in ("executionRoleArn", "releaseLabel", "jobDriver"):
        spec = {k: v for k, v in EKS_SPEC.items() if k != missing}
        assert found(validate(spec, api=EKS)) == [
            (f"/{missing}", "required", "run-without-template-needs-role-release-driver")
        ]
    assert validate(with_(bare, jobTemplateId="t1234567"), api=EKS) == []
    assert validate(bare, api=EKS, reference_only=True) == []


@pytest.mark.parametrize(
    ("log_uri", "valid"),
    [
        ("s3://logs/", True),
        ("s3://", True),
        ("s3://b/with space", True),
        ("/var/log", False),
        ("S3://logs/", False),
        ("https://logs", False),
    ],
)
def test_emr_on_eks_log_uri_is_an_s3_uri(log_uri: str, valid: bool) -> None:
    spec = with_(
        EKS_SPEC, configurationOverrides={"monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": log_uri}}}
    )
    violations = validate(spec, api=EKS)
    assert (violations == []) is valid, violations
    if not valid:
        assert found(violations) == [
            (
                "/configurationOverrides/monitoringConfiguration/s3MonitoringConfiguration/logUri",
                "pattern",
                "log-uri-is-s3",
            )
        ]
        assert "Common errors when running jobs" in violations[0].source
    assert validate(spec, api=EKS, reference_only=True) == []


@pytest.mark.parametrize(
    ("missing", "pointer"),
    [
        ("name", "/name"),
        ("codeType", "/codeType"),
        ("resourceQueueId", "/resourceQueueId"),
        ("jobDriver", "/jobDriver"),
    ],
)
def test_alibaba_start_needs_what_the_server_needs(missing: str, pointer: str) -> None:
    assert validate(ALIBABA_SPEC, api=ALIBABA) == []
    spec = {k: v for k, v in ALIBABA_SPEC.items() if k != missing}
    (violation,) = validate(spec, api=ALIBABA)
    assert (violation.pointer, violation.keyword, violation.provenance) == (pointer, "required", "guide")
    assert "alibabacloud-aiops-skills" in violation.source
    assert validate(spec, api=ALIBABA, reference_only=True) == []


def test_alibaba_driver_needs_spark_submit_with_an_entry_point() -> None:
    no_submit = with_(ALIBABA_SPEC, jobDriver={})
    assert found(validate(no_submit, api=ALIBABA)) == [
        ("/jobDriver/sparkSubmit", "required", "job-driver-needs-spark-submit")
    ]
    no_entry = with_(ALIBABA_SPEC, jobDriver={"sparkSubmit": {"entryPointArguments": ["a"]}})
    assert found(validate(no_entry, api=ALIBABA)) == [
        ("/jobDriver/sparkSubmit/entryPoint", "required", "spark-submit-needs-entry-point")
    ]
    # a response's driver is not held to the request's rule
    assert registry.schema(ALIBABA, "GetJobRun", "response", reference_only=True) == registry.schema(
        ALIBABA, "GetJobRun", "response"
    )


# -- what the SDKs take from code ---------------------------------------------------------------


@pytest.mark.parametrize("api", [SERVERLESS, EKS])
def test_an_integral_float_for_an_integer_member_is_refused_as_botocore_refuses_it(api: str) -> None:
    spec = SERVERLESS_SPEC if api == SERVERLESS else EKS_SPEC
    member = "executionTimeoutMinutes" if api == SERVERLESS else "retryPolicyConfiguration"
    good = {member: 60} if api == SERVERLESS else {member: {"maxAttempts": 2}}
    bad = {member: 60.0} if api == SERVERLESS else {member: {"maxAttempts": 2.0}}
    assert validate(with_(spec, **good), api=api) == []
    (violation,) = validate(with_(spec, **bad), api=api)
    assert violation.keyword == "type" and violation.rule == "sdk-refuses-float-for-integer"
    assert "not the number" in violation.message and violation.provenance == "observed"
    assert validate(with_(spec, **bad), api=api, wire=True, strict=False) != []

    import botocore.session
    from botocore.validate import validate_parameters

    name = registry.SIGNING_NAME[api]
    shape = botocore.session.get_session().get_service_model(name).operation_model("StartJobRun").input_shape
    with pytest.raises(Exception, match="Invalid type"):
        validate_parameters({**with_(spec, **bad), "clientToken": "t"}, shape)


def test_integer_responses_are_not_held_to_the_sdks_input_rule() -> None:
    run = with_(RUNNING_RUN, totalExecutionDurationSeconds=60.0)
    assert validate({"jobRun": run}, api=SERVERLESS, operation="GetJobRun", direction="response") == []


def test_a_datetime_is_a_timestamp_as_boto3_takes_it() -> None:
    query = {
        "applicationId": "00fkr3dqu9a1b20d",
        "createdAtAfter": datetime(2024, 1, 1, tzinfo=timezone.utc),
        "createdAtBefore": datetime(2024, 2, 1),
    }
    assert validate(query, api=SERVERLESS, operation="ListJobRuns") == []
    with pytest.raises(InputError, match="/name: a datetime is not JSON data"):
        validate({**query, "name": datetime(2024, 1, 1)}, api=SERVERLESS, operation="ListJobRuns")


TIMESTAMPS = [
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "2024-01-01T10:00:00.123+05:30",
    "Jan 1 2024",
    "1700000000",
    "2024-01-01 10:00",
    "2024-02-30",
    "2024-01-01T25:00:00",
    "yesterday",
    "2024-13-01",
    "2024-01-01T10:00:00+2400",
    "",
    "2024-01-01T10:00:00+24:00",
]


@pytest.mark.parametrize("text", TIMESTAMPS)
def test_botocore_is_the_judge_of_a_timestamp_in_a_job_spec(text: str) -> None:
    from botocore.utils import parse_to_aware_datetime

    try:
        parse_to_aware_datetime(text)
        botocore_takes_it = True
    except (ValueError, OverflowError, TypeError):
        botocore_takes_it = False
    query = {"applicationId": "00fkr3dqu9a1b20d", "createdAtAfter": text}
    assert (validate(query, api=SERVERLESS, operation="ListJobRuns") == []) is botocore_takes_it


def test_on_the_wire_a_timestamp_is_iso_8601_as_botocore_writes_it() -> None:
    query = {"applicationId": "00fkr3dqu9a1b20d", "createdAtAfter": "Jan 1 2024"}
    assert found(validate(query, api=SERVERLESS, operation="ListJobRuns", wire=True)) == [
        ("/createdAtAfter", "format", None)
    ]


def test_every_api_in_the_rules_file_is_known_and_loads() -> None:
    assert {rule.api for rule in service_rules.rules()} <= set(APIS)


@pytest.mark.parametrize("text", ["1" * 30, "9" * 400, "-" * 5])
def test_a_timestamp_botocore_cannot_read_is_a_violation_not_a_crash(text: str) -> None:
    query = {"applicationId": "00fkr3dqu9a1b20d", "createdAtAfter": text}
    assert found(validate(query, api=SERVERLESS, operation="ListJobRuns")) == [("/createdAtAfter", "format", None)]


def test_a_date_is_no_timestamp_as_botocore_refuses_it_and_odd_datetimes_do_not_crash() -> None:
    from datetime import timedelta

    base = {"applicationId": "00fkr3dqu9a1b20d"}
    with pytest.raises(InputError, match="/createdAtAfter: a date is not JSON data"):
        validate({**base, "createdAtAfter": date(2024, 1, 1)}, api=SERVERLESS, operation="ListJobRuns")
    far = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))  # no UTC moment: before year 1
    with pytest.raises(InputError, match="/createdAtAfter: a datetime is not JSON data"):
        validate({**base, "createdAtAfter": far}, api=SERVERLESS, operation="ListJobRuns")


def test_the_sdks_float_rule_is_for_job_specs_not_for_the_wire() -> None:
    spec = with_(SERVERLESS_SPEC, executionTimeoutMinutes=60.0, clientToken="t")
    assert found(validate(spec, api=SERVERLESS)) == [
        ("/executionTimeoutMinutes", "type", "sdk-refuses-float-for-integer")
    ]
    assert validate(spec, api=SERVERLESS, wire=True) == []  # no source shows the service refusing it
