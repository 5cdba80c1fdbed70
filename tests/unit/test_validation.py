"""The validator's modes, violations and messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from jobrun_contracts import UsageError, Violation, validate, validator_for

API = "aws-emr-serverless"
SPEC: dict[str, Any] = {
    "applicationId": "00fkr3dqu9a1b20d",
    "executionRoleArn": "arn:aws:iam::123456789012:role/EMRServerlessJobRole",
    "name": "nightly-etl",
    "jobDriver": {
        "sparkSubmit": {
            "entryPoint": "s3://bucket/jobs/etl.py",
            "entryPointArguments": ["--date", "2024-01-01"],
            "sparkSubmitParameters": "--conf spark.executor.cores=4",
        }
    },
    "tags": {"team": "data"},
}


def spec(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    document.update(changes)
    return document


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, violations
    return violations[0]


def test_a_realistic_spec_is_valid() -> None:
    assert validate(SPEC, api=API) == []


def test_client_token_is_optional_in_a_spec_and_required_on_the_wire() -> None:
    assert validate(SPEC, api=API) == []
    missing = only(validate(SPEC, api=API, wire=True))
    assert (missing.pointer, missing.keyword) == ("/clientToken", "required")
    assert validate(spec(clientToken="a1b2-c3"), api=API, wire=True) == []


def test_a_given_client_token_is_still_checked_in_a_spec() -> None:
    bad = only(validate(spec(clientToken="x" * 65), api=API))
    assert (bad.pointer, bad.keyword, bad.constraint) == ("/clientToken", "maxLength", 64)
    assert "65 characters" in bad.message and "64" in bad.message


def test_unknown_field_suggests_the_right_spelling() -> None:
    document = spec()
    document["executionRoleARN"] = document.pop("executionRoleArn")
    violations = validate(document, api=API)
    by_keyword = {v.keyword: v for v in violations}
    assert by_keyword["additionalProperties"].pointer == "/executionRoleARN"
    assert "did you mean 'executionRoleArn'?" in by_keyword["additionalProperties"].message
    assert by_keyword["required"].pointer == "/executionRoleArn"


def test_responses_tolerate_extra_fields_unless_strict() -> None:
    response = {
        "applicationId": "00fkr3dqu9a1b20d",
        "jobRunId": "00fkr4ab2cd3ef0g",
        "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fkr3dqu9a1b20d/jobruns/00fkr4ab2cd3ef0g",
        "newField": 1,
    }
    assert validate(response, api=API, direction="response") == []
    strict = only(validate(response, api=API, direction="response", strict=True))
    assert (strict.pointer, strict.keyword) == ("/newField", "additionalProperties")


def test_union_needs_exactly_one_member() -> None:
    none = only(validate(spec(jobDriver={}), api=API))
    assert (none.pointer, none.keyword, none.union) == ("/jobDriver", "minProperties", True)
    assert "exactly one of sparkSubmit, hive" in none.message
    both = only(validate(spec(jobDriver={**SPEC["jobDriver"], "hive": {"query": "SELECT 1"}}), api=API))
    assert (both.pointer, both.keyword) == ("/jobDriver", "maxProperties")


def test_emr_on_eks_job_driver_is_a_union_too() -> None:
    document = {
        "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
        "executionRoleArn": "arn:aws:iam::123456789012:role/emr-on-eks-job-execution-role",
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": {
            "sparkSqlJobDriver": {"entryPoint": "s3://b/q.sql"},
            "sparkSubmitJobDriver": {"entryPoint": "s3://b/x.py"},
        },
    }
    assert only(validate(document, api="aws-emr-containers")).keyword == "maxProperties"


def test_a_bad_map_key_names_the_map() -> None:
    bad = only(validate(spec(tags={"bad!key": "v"}), api=API))
    assert (bad.pointer, bad.keyword) == ("/tags", "propertyNames")
    assert bad.constraint == {"keyword": "pattern", "value": "[A-Za-z0-9 /_.:=+@-]+"}


def test_tag_map_size_limit() -> None:
    bad = only(validate(spec(tags={f"k{i}": "v" for i in range(201)}), api=API))
    assert (bad.pointer, bad.keyword, bad.constraint) == ("/tags", "maxProperties", 200)
    assert validate(spec(tags={f"k{i}": "v" for i in range(200)}), api=API) == []


def test_recursive_configuration_is_checked_at_every_level() -> None:
    inner = {"classification": "export", "properties": {"JAVA_HOME": "/usr/lib/jvm"}}
    nested = {"classification": "spark-env", "configurations": [{"classification": " "}]}
    ok = spec(
        configurationOverrides={
            "applicationConfiguration": [{"classification": "spark-env", "configurations": [inner]}]
        }
    )
    assert validate(ok, api=API) == []
    bad = only(validate(spec(configurationOverrides={"applicationConfiguration": [nested]}), api=API))
    assert bad.pointer == "/configurationOverrides/applicationConfiguration/0/configurations/0/classification"
    assert bad.keyword == "pattern"


def test_enum_is_case_sensitive_with_a_hint() -> None:
    bad = only(validate(spec(mode="batch"), api=API))
    assert (bad.keyword, bad.constraint) == ("enum", ["BATCH", "STREAMING"])
    assert "did you mean 'BATCH'?" in bad.message


def test_violation_carries_its_source_and_schema_location() -> None:
    bad = only(validate(spec(applicationId="my_app"), api=API))
    assert bad.source == "shared/docs/aws-emr-serverless/StartJobRun.txt#applicationId"
    assert bad.schema_path.endswith("shapes.json#/$defs/ApplicationId/pattern")
    assert bad.constraint == "[0-9a-z]+"  # the service's pattern, not our translation
    assert bad.json_path == "$.applicationId"


def test_sensitive_values_are_not_echoed() -> None:
    secret = "   "
    document = spec(jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py", "sparkSubmitParameters": secret}})
    bad = only(validate(document, api=API))
    assert bad.sensitive and bad.keyword == "pattern"
    assert "hidden" in bad.message and '"   "' not in bad.message


def test_violations_are_equal_by_value() -> None:
    first = validate(spec(applicationId="my_app"), api=API)
    second = validate(spec(applicationId="my_app"), api=API)
    assert first == second and hash(first[0]) == hash(second[0])


def test_schemas_compile_once_per_process() -> None:
    assert validator_for(API, "StartJobRun") is validator_for(API, "StartJobRun", "request")
    assert validator_for(API, "GetJobRun", "response") is validator_for(API, "GetJobRun", "response")


def test_alibaba_masked_ids_from_the_docs_are_valid() -> None:
    request = {"workspaceId": "w-d2d82aa09155****", "jobRunId": "jr-93d98d2f7061****"}
    assert validate(request, api="alibaba-emr-serverless-spark", operation="GetJobRun") == []


def test_alibaba_states_are_mixed_case() -> None:
    request = {"workspaceId": "w-1", "states": ["Running", "RUNNING"]}
    bad = only(validate(request, api="alibaba-emr-serverless-spark", operation="ListJobRuns"))
    assert (bad.pointer, bad.keyword) == ("/states/1", "enum")
    assert "did you mean 'Running'?" in bad.message


def test_alibaba_max_results_has_the_documented_maximum() -> None:
    api, op = "alibaba-emr-serverless-spark", "ListJobRuns"
    assert validate({"workspaceId": "w-1", "maxResults": 100}, api=api, operation=op) == []
    bad = only(validate({"workspaceId": "w-1", "maxResults": 101}, api=api, operation=op))
    assert (bad.keyword, bad.constraint) == ("maximum", 100)


def test_wrong_type_message() -> None:
    bad = only(validate(spec(executionTimeoutMinutes="60"), api=API))
    assert bad.keyword == "type"
    assert bad.message == "executionTimeoutMinutes must be an integer, not a string"


def test_unknown_api_and_operation_are_usage_errors_with_hints() -> None:
    with pytest.raises(UsageError, match="did you mean 'aws-emr-serverless'"):
        validate({}, api="aws-emr-serverles")
    with pytest.raises(UsageError, match="did you mean 'DescribeJobRun'"):
        validate({}, api="aws-emr-containers", operation="DescribeJobRuns")


def test_deep_recursive_configuration_does_not_crash() -> None:
    node: dict[str, Any] = {"classification": "c"}
    root = node
    for _ in range(2000):
        child: dict[str, Any] = {"classification": "c"}
        node["configurations"] = [child]
        node = child
    result = validate(spec(configurationOverrides={"applicationConfiguration": [root]}), api=API)
    assert result == []


def test_lengths_count_code_points() -> None:
    assert validate(spec(name="\U0001f600" * 256), api=API) == []
    assert only(validate(spec(name="\U0001f600" * 257), api=API)).keyword == "maxLength"


def test_values_json_cannot_hold_are_a_clear_input_error() -> None:
    import datetime

    from jobrun_contracts import InputError

    # a timestamp member takes a datetime, as boto3 does (tests/unit/test_service_rules.py); any other does not
    with pytest.raises(InputError, match="/name: a datetime is not JSON data"):
        validate({"applicationId": "a", "name": datetime.datetime.now()}, api=API, operation="ListJobRuns")
    with pytest.raises(InputError, match="/tags/team: a bytes is not JSON data"):
        validate(spec(tags={"team": b"x"}), api=API)


def test_check_raises_validation_failed_with_every_violation() -> None:
    from jobrun_contracts import ValidationFailed

    checker = validator_for("aws-emr-serverless", "StartJobRun")
    with pytest.raises(ValidationFailed) as caught:
        checker.check({"applicationId": "my_app", "mode": "batch"})
    assert caught.value.exit_code == 1
    assert {v.pointer for v in caught.value.violations} >= {"/applicationId", "/mode"}
    assert str(caught.value).startswith(f"{len(caught.value.violations)} violations: ")
    checker.check(
        {
            "applicationId": "00fabcdefghij012",
            "executionRoleArn": "arn:aws:iam::123456789012:role/r",
            "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/app.py"}},
        }
    )  # valid: returns None


def test_an_empty_string_is_one_violation_not_two() -> None:
    spec = {"applicationId": "", "executionRoleArn": "arn:aws:iam::123456789012:role/r"}
    found = [v for v in validate(spec, api="aws-emr-serverless") if v.pointer == "/applicationId"]
    assert [v.keyword for v in found] == ["minLength"]
    wrong = [v for v in validate({**spec, "applicationId": "my_app"}, api="aws-emr-serverless")]
    assert [v.keyword for v in wrong if v.pointer == "/applicationId"] == ["pattern"]  # a pattern still reports


def test_the_allowed_fields_are_listed_once_and_not_beside_a_suggestion() -> None:
    spec = {
        "applicationId": "00fabc",
        "executionRoleArn": "arn:aws:iam::123456789012:role/r",
        "nmae": 1,
        "zz1": 1,
        "zz2": 2,
    }
    messages = {
        v.pointer: v.message for v in validate(spec, api="aws-emr-serverless") if v.keyword == "additionalProperties"
    }
    assert "did you mean 'name'" in messages["/nmae"] and "allowed fields" not in messages["/nmae"]
    assert sum("allowed fields: applicationId" in m for m in messages.values()) == 1


def test_patterns_are_printed_as_a_person_reads_them() -> None:
    from jobrun_contracts.core.validation import readable_pattern

    assert readable_pattern(r"role((\u002F)|(\u002F[\u0021-\u007F]+\u002F))") == r"role((/)|(/[!-\u007F]+/))"
    assert readable_pattern(r"\u002E") == r"\u002E"  # a dot would mean any character: kept as written
    assert readable_pattern("[\t\U00010000-\U0010ffff]") == r"[\x{9}\x{10000}-\x{10FFFF}]"
