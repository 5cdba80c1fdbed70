"""``--jobrun-guard``: a team's existing tests, unchanged, surface bad job specs (run through pytester)."""

from __future__ import annotations

import re

import botocore.session
import pytest
from alibabacloud_emr_serverless_spark20230808.client import Client as AlibabaClient

# A suite that knows nothing of jobrun-contracts but the emulator fixture: a wrapper, boto3, the Alibaba SDK.
USER_TESTS = """
import datetime

import boto3
from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_emr_serverless_spark20230808.client import Client
from alibabacloud_tea_openapi.utils_models import Config

ROLE = "arn:aws:iam::123456789012:role/R"
KEYS = {"aws_access_key_id": "a", "aws_secret_access_key": "b"}


def submit(url, app, name):  # the team's wrapper
    emr = boto3.client("emr-serverless", endpoint_url=url, region_name="eu-west-1", **KEYS)
    return emr.start_job_run(applicationId=app, executionRoleArn=ROLE, name=name,
                             jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py"}})


def test_a_name_too_long(jobrun_emulator):
    submit(jobrun_emulator.url, jobrun_emulator.defaults["aws-emr-serverless"], "n" * 300)


def test_a_valid_listing_with_a_datetime(jobrun_emulator):
    app = jobrun_emulator.defaults["aws-emr-serverless"]
    submit(jobrun_emulator.url, app, "nightly")
    session = boto3.Session(region_name="eu-west-1", **KEYS)
    emr = session.client("emr-serverless", endpoint_url=jobrun_emulator.url)
    runs = emr.list_job_runs(applicationId=app, createdAtAfter=datetime.datetime(2020, 1, 1))["jobRuns"]
    assert [run["name"] for run in runs] == ["nightly"]


def test_an_alibaba_code_type(jobrun_emulator):
    endpoint = jobrun_emulator.url.removeprefix("http://")
    sdk = Client(Config(access_key_id="LTAIx", access_key_secret="y", endpoint=endpoint, protocol="http"))
    request = models.StartJobRunRequest().from_map({
        "name": "etl", "codeType": "PYTHON3", "resourceQueueId": "root_queue",
        "jobDriver": {"sparkSubmit": {"entryPoint": "oss://b/app.py"}},
    })
    sdk.start_job_run(jobrun_emulator.defaults["alibaba-emr-serverless-spark"], request)
"""


def test_without_the_option_the_bad_specs_reach_the_service(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    assert "ValidationException" in output and "InvalidParameter" in output  # the emulator's refusals
    assert "GuardError" not in output


def test_with_the_option_they_fail_with_our_violations_before_sending(pytester: pytest.Pytester) -> None:
    original = botocore.session.Session.__dict__["create_client"]
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--jobrun-guard")
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    result.stdout.re_match_lines(
        [
            rf"E +{re.escape(line)}$"
            for line in (
                "jobrun_contracts.guards.boto.BotoGuardError: Parameter validation failed:",
                "aws-emr-serverless StartJobRun request: 1 violation (checked by jobrun-contracts before sending)",
                "/name: name is 300 characters long; at most 256 allowed [maxLength]",
            )
        ],
        consecutive=True,
    )
    assert '/codeType: codeType is "PYTHON3"; must be one of SQL, JAR, PYTHON' in output
    assert "ValidationException" not in output and "InvalidParameter" not in output  # nothing reached the emulator
    # the session's end undid it: this process's botocore and Alibaba SDK are as they were
    assert botocore.session.Session.__dict__["create_client"] is original
    assert not hasattr(AlibabaClient.start_job_run_with_options, "__jobrun_guard__")


def test_the_ini_key_turns_it_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobrun_guard = true\n")
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "too_long")
    result.assert_outcomes(failed=1, deselected=2)
    assert "BotoGuardError: Parameter validation failed:" in result.stdout.str()


SECRET_CALL = """
import boto3

from jobrun_contracts import guard


def test_a_refused_call_with_a_secret_argument(jobrun_emulator):
    emr = guard(boto3.client("emr-serverless", endpoint_url=jobrun_emulator.url, region_name="eu-west-1",
                             aws_access_key_id="a", aws_secret_access_key="b"))
    emr.start_job_run(jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py",
                                                 "entryPointArguments": ["--password=" + "hunter2".upper()]}},
                      applicationId=jobrun_emulator.defaults["aws-emr-serverless"], mode="batch",
                      executionRoleArn="arn:aws:iam::123456789012:role/R")
"""


@pytest.mark.parametrize("option", ["--tb=long", "--tb=short", "--tb=auto", "--fulltrace"])
def test_a_refusal_shows_no_sdk_frame_that_would_print_a_sensitive_argument(
    pytester: pytest.Pytester, option: str
) -> None:
    """pytest prints each frame's arguments: botocore's frames hold the call's parameters as given, and so
    do the guard's own, which --fulltrace shows (it ignores __tracebackhide__)."""
    pytester.makepyfile(test_secret=SECRET_CALL)
    result = pytester.runpytest("-p", "no:cacheprovider", option)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert '/mode: mode is "batch"; must be one of' in output  # the refusal is there
    assert "test_secret.py" in output  # and the test's own line
    assert "HUNTER2" not in output and "botocore/" not in output
