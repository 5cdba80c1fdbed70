"""The ``jobrun_emulator`` fixture, as a user's test suite sees it (run through pytester)."""

from __future__ import annotations

import pytest

USER_TESTS = """
import boto3

def client(url):
    return boto3.client("emr-serverless", endpoint_url=url, region_name="eu-west-1",
                        aws_access_key_id="a", aws_secret_access_key="b")

def test_my_wrapper_submits(jobrun_emulator):
    app = jobrun_emulator.defaults["aws-emr-serverless"]
    emr = client(jobrun_emulator.url)
    run = emr.start_job_run(applicationId=app, executionRoleArn="arn:aws:iam::123456789012:role/R",
                            jobDriver={"sparkSubmit": {"entryPoint": "s3://b/x.py"}})
    jobrun_emulator.advance(3600)
    assert emr.get_job_run(applicationId=app, jobRunId=run["jobRunId"])["jobRun"]["state"] == "SUCCESS"

def test_each_test_starts_from_a_clean_emulator(jobrun_emulator):
    emr = client(jobrun_emulator.url)
    assert emr.list_job_runs(applicationId=jobrun_emulator.defaults["aws-emr-serverless"])["jobRuns"] == []
"""


def test_the_fixture_serves_a_fresh_emulator_to_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_each_xdist_worker_gets_its_own_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_workers="""
import os, pytest

@pytest.mark.parametrize("n", range(4))
def test_url(jobrun_emulator, n):
    with open(f"url-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{n}", "w") as f:
        f.write(jobrun_emulator.url)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    urls: dict[str, set[str]] = {}
    for path in pytester.path.glob("url-*"):
        urls.setdefault(path.name.split("-")[1], set()).add(path.read_text())
    assert len(urls) == 2 and all(len(found) == 1 for found in urls.values())
    assert len(set.union(*urls.values())) == 2
