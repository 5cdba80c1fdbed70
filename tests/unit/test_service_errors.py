"""Violations rendered the way AWS and Alibaba report them."""

from __future__ import annotations

from jobrun_contracts import alibaba_error, aws_error, aws_validation_message, validate

API = "aws-emr-serverless"
DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}}
BASE = {
    "applicationId": "00fkr3dqu9a1b20d",
    "executionRoleArn": "arn:aws:iam::123456789012:role/JobRole",
    "jobDriver": DRIVER,
}


def test_single_aws_validation_error() -> None:
    violations = validate({**BASE, "clientToken": "bad token!"}, api=API, wire=True)
    assert aws_validation_message(violations) == (
        "1 validation error detected: Value 'bad token!' at 'clientToken' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [A-Za-z0-9._-]+"
    )


def test_several_aws_errors_are_counted_and_joined() -> None:
    violations = validate({"applicationId": "x" * 65, "mode": "batch", "jobDriver": DRIVER}, api=API, wire=True)
    error = aws_error(violations)
    assert error is not None and (error.status, error.code) == (400, "ValidationException")
    assert error.message.startswith("4 validation errors detected: ")
    assert "Value null at 'clientToken' failed to satisfy constraint: Member must not be null" in error.message
    assert (
        "at 'applicationId' failed to satisfy constraint: Member must have length less than or equal to 64"
        in error.message
    )
    assert "Member must satisfy enum value set: [BATCH, STREAMING]" in error.message
    assert error.message.count("; ") == 3


def test_aws_paths_name_list_members_one_based() -> None:
    violations = validate(
        {
            **BASE,
            "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}},
            "executionIamPolicy": {"policyArns": ["arn:aws:iam::aws:policy/ok-policy-name", "short"]},
        },
        api=API,
    )
    assert "at 'executionIamPolicy.policyArns.2.member' failed" in aws_validation_message(violations)


def test_aws_hides_sensitive_values() -> None:
    violations = validate({**BASE, "jobDriver": {"sparkSubmit": {"entryPoint": " "}}}, api=API)
    message = aws_validation_message(violations)
    assert message.startswith("1 validation error detected: Value at 'jobDriver.sparkSubmit.entryPoint' failed")


def test_aws_ignores_unknown_fields_and_reports_wrong_types_as_serialization() -> None:
    assert aws_error(validate({**BASE, "unknownField": 1}, api=API)) is None
    error = aws_error(validate({**BASE, "executionTimeoutMinutes": "60"}, api=API))
    assert error is not None and error.code == "SerializationException"


def test_alibaba_codes() -> None:
    api = "alibaba-emr-serverless-spark"
    missing = alibaba_error(validate({}, api=api))
    assert missing is not None and (missing.status, missing.code) == (400, "MissingParameter")
    assert "'workspaceId'" in missing.message
    spec = {
        "workspaceId": "w-1",
        "name": "spark_job_name",
        "resourceQueueId": "root_queue",
        "jobDriver": {"sparkSubmit": {"entryPoint": "oss://bucket/job.jar"}},
        "codeType": "jar",
    }
    invalid = alibaba_error(validate(spec, api=api))
    assert invalid is not None and invalid.code == "InvalidParameter" and "'codeType'" in invalid.message
    assert alibaba_error([]) is None


def test_emr_on_eks_words_an_arn_pattern_failure_as_its_common_errors_page_does() -> None:
    spec = {
        "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
        "executionRoleArn": "arn:aws:iam::123456789012:user/notarole",
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/job.py"}},
    }
    error = aws_error(validate(spec, api="aws-emr-containers"))
    assert error is not None and error.message.startswith(
        "1 validation error detected: Value 'arn:aws:iam::123456789012:user/notarole' at 'executionRoleArn' "
        "failed to satisfy the ARN regular expression pattern: ^arn:(aws[a-zA-Z0-9-]*):iam::"
    )
    # other patterns keep AWS's usual wording
    bad_release = aws_error(validate({**spec, "releaseLabel": "bad label!"}, api="aws-emr-containers"))
    assert bad_release is not None and "Member must satisfy regular expression pattern" in bad_release.message
