"""The EMR on EKS job-template rules (core.job_templates) as pure functions, and the strategy built on them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from jobrun_contracts import validate
from jobrun_contracts.core import job_templates as jt
from jobrun_contracts.strategies import examples, invalid_requests, requests, template_run_requests
from support import ROOT

FIXTURES = ROOT / "fixtures" / "aws-emr-containers"
API = "aws-emr-containers"
ROLE = "arn:aws:iam::123456789012:role/emr-on-eks-job-execution-role"
DATA: dict[str, Any] = {
    "executionRoleArn": "${Role}",
    "releaseLabel": "emr-6.15.0-latest",
    "jobDriver": {
        "sparkSubmitJobDriver": {
            "entryPoint": "${EntryPointLocation}",
            "sparkSubmitParameters": "--class ${MainClass} --conf spark.executor.instances=${Executors}",
        }
    },
    "configurationOverrides": {
        "monitoringConfiguration": {"persistentAppUI": "${AppUI}", "s3MonitoringConfiguration": {"logUri": "${Logs}"}}
    },
    "parameterConfiguration": {
        "Role": {"type": "STRING", "defaultValue": ROLE},
        "EntryPointLocation": {"type": "STRING"},
        "MainClass": {"type": "STRING", "defaultValue": "Main"},
        "Executors": {"type": "NUMBER", "defaultValue": "2"},
        "AppUI": {"type": "STRING", "defaultValue": "ENABLED"},
        "Logs": {"type": "STRING", "defaultValue": "s3://logs/"},
    },
    "jobTags": {"team": "analytics", "entry": "${EntryPointLocation}"},
}
RUN = {
    "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
    "jobTemplateId": "7bmxpzv8b4ps3q2yuwmbx2dzj",
    "jobTemplateParameters": {"EntryPointLocation": "s3://b/etl.py"},
}
DRAWS = settings(
    max_examples=30, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


def found(merged: jt.Merged) -> list[tuple[str, str]]:
    return [(v.pointer, v.keyword) for v in merged.violations]


def with_params(**parameters: str) -> dict[str, Any]:
    return {**RUN, "jobTemplateParameters": parameters}


def test_the_run_takes_the_template_values_with_placeholders_filled_in() -> None:
    merged = jt.merge(DATA, {**RUN, "name": "nightly", "retryPolicyConfiguration": {"maxAttempts": 2}})
    assert merged.ok and merged.violations == ()
    request = merged.request
    assert request is not None
    assert request["executionRoleArn"] == ROLE  # a default, filling a whole value
    assert request["jobDriver"]["sparkSubmitJobDriver"] == {
        "entryPoint": "s3://b/etl.py",
        "sparkSubmitParameters": "--class Main --conf spark.executor.instances=2",  # inside a longer string
    }
    assert request["configurationOverrides"]["monitoringConfiguration"]["persistentAppUI"] == "ENABLED"
    assert request["tags"] == {"team": "analytics", "entry": "s3://b/etl.py"}
    assert (request["name"], request["retryPolicyConfiguration"]) == ("nightly", {"maxAttempts": 2})
    assert "jobTemplateId" not in request and "jobTemplateParameters" not in request
    assert merged.parameters["MainClass"] == "Main" and merged.origins["/jobDriver"] == "/jobTemplateData/jobDriver"
    assert validate(request, api=API) == []


def test_a_given_value_beats_the_default() -> None:
    merged = jt.merge(DATA, with_params(EntryPointLocation="s3://b/x.py", MainClass="com.acme.Job", Executors="10"))
    assert merged.request is not None
    parameters = merged.request["jobDriver"]["sparkSubmitJobDriver"]["sparkSubmitParameters"]
    assert parameters == "--class com.acme.Job --conf spark.executor.instances=10"


def test_the_template_itself_is_unchanged() -> None:
    before = copy.deepcopy(DATA)
    jt.merge(DATA, RUN)
    assert before == DATA


@pytest.mark.parametrize(
    "document",
    [DATA, {"jobTemplateData": DATA, "name": "t"}, {"jobTemplate": {"id": "x", "jobTemplateData": DATA}}],
    ids=["data", "create-input", "describe-output"],
)
def test_a_template_is_read_from_each_document_that_holds_one(document: dict[str, Any]) -> None:
    assert jt.template_data(document) == DATA and jt.merge(document, RUN).ok


def test_a_missing_required_parameter_is_named() -> None:
    merged = jt.merge(DATA, with_params())
    assert not merged.ok and found(merged) == [("/jobTemplateParameters/EntryPointLocation", "required")]
    assert "EntryPointLocation" in merged.violations[0].message
    assert merged.violations[0].source.startswith("Defining job template parameters")
    assert "use-job-template-parameters.html" in merged.violations[0].source
    assert merged.violations[0].provenance == "guide"


def test_an_undeclared_parameter_is_named_and_is_our_choice() -> None:
    merged = jt.merge(DATA, with_params(EntryPointLocation="s3://b/x.py", Memory="4G"))
    assert found(merged) == [("/jobTemplateParameters/Memory", "propertyNames")]
    violation = merged.violations[0]
    assert "Memory" in violation.message and "conservative choice" in violation.source
    assert violation.constraint == {"enum": sorted(DATA["parameterConfiguration"])}


@pytest.mark.parametrize("value", ["abc", "", " 12", "0x1f", "NaN", "007", "1.", "+1", "1e"])
def test_a_number_parameter_refuses_what_is_not_a_json_number(value: str) -> None:
    merged = jt.merge(DATA, with_params(EntryPointLocation="s3://b/x.py", Executors=value))
    assert found(merged) == [("/jobTemplateParameters/Executors", "pattern")]
    assert "Executors" in merged.violations[0].message and "NUMBER" in merged.violations[0].message
    assert merged.violations[0].provenance == "reference"  # the API reference's TemplateParameterConfiguration


@pytest.mark.parametrize("value", ["0", "12", "-3", "0.5", "1e6", "2.5E-3"])
def test_a_number_parameter_takes_a_json_number(value: str) -> None:
    assert jt.merge(DATA, with_params(EntryPointLocation="s3://b/x.py", Executors=value)).ok


@pytest.mark.parametrize("member", jt.TEMPLATE_MEMBERS)
def test_a_member_the_template_holds_may_not_be_given_again(member: str) -> None:
    values = {
        "executionRoleArn": ROLE,
        "releaseLabel": "emr-7.1.0-latest",
        "jobDriver": {"sparkSqlJobDriver": {"entryPoint": "s3://b/q.sql"}},
        "configurationOverrides": {"applicationConfiguration": []},
    }
    merged = jt.merge(DATA, {**RUN, member: values[member]})
    assert found(merged) == [(f"/{member}", "not")] and member in merged.violations[0].message


def test_configuration_overrides_may_not_be_given_even_where_the_template_has_none() -> None:
    data = {k: v for k, v in DATA.items() if k != "configurationOverrides"}
    data["parameterConfiguration"] = {
        k: v for k, v in DATA["parameterConfiguration"].items() if k not in ("AppUI", "Logs")
    }
    assert jt.merge(data, RUN).ok
    merged = jt.merge(data, {**RUN, "configurationOverrides": {"applicationConfiguration": []}})
    assert found(merged) == [("/configurationOverrides", "not")]


def test_tags_join_and_a_key_both_set_must_agree() -> None:
    merged = jt.merge(DATA, {**RUN, "tags": {"run": "nightly", "team": "analytics"}})
    assert merged.request is not None and merged.request["tags"]["run"] == "nightly"
    merged = jt.merge(DATA, {**RUN, "tags": {"team": "finance"}})
    assert found(merged) == [("/tags/team", "const")]


def test_a_filled_in_value_is_checked_against_start_job_run_and_says_where_it_came_from() -> None:
    merged = jt.merge(DATA, with_params(EntryPointLocation="s3://b/x.py", Role="my-role", AppUI="on"))
    pointers = {(p, k) for p, k in found(merged)}
    assert ("/executionRoleArn", "pattern") in pointers
    assert ("/configurationOverrides/monitoringConfiguration/persistentAppUI", "enum") in pointers
    app_ui = next(v for v in merged.violations if v.keyword == "enum")
    assert "the job template's /jobTemplateData/configurationOverrides/monitoringConfiguration/persistentAppUI" in (
        app_ui.message
    )
    assert app_ui.source.startswith("botocore emr-containers")


def test_replacement_is_one_pass_and_leaves_map_keys_alone() -> None:
    data = copy.deepcopy(DATA)
    data["configurationOverrides"]["applicationConfiguration"] = [
        {"classification": "spark-defaults", "properties": {"${Key}": "${Value}"}}
    ]
    data["parameterConfiguration"].update({"Key": {"type": "STRING", "defaultValue": "k"}, "Value": {"type": "STRING"}})
    merged = jt.merge(data, with_params(EntryPointLocation="s3://b/x.py", Value="${MainClass}"))
    assert merged.request is not None
    properties = merged.request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties == {"${Key}": "${MainClass}"}


def test_template_problems_name_undeclared_placeholders_untyped_parameters_and_bad_number_defaults() -> None:
    data = copy.deepcopy(DATA)
    data["releaseLabel"] = "${Release}"
    data["parameterConfiguration"]["MainClass"] = {"defaultValue": "Main"}
    data["parameterConfiguration"]["Executors"] = {"type": "NUMBER", "defaultValue": "two"}
    problems = [(v.pointer, v.keyword) for v in jt.template_problems(data)]
    assert problems == [
        ("/jobTemplateData/parameterConfiguration/MainClass/type", "required"),
        ("/jobTemplateData/parameterConfiguration/Executors/defaultValue", "pattern"),
        ("/jobTemplateData/releaseLabel", "placeholder"),
    ]
    assert jt.template_problems(DATA) == []
    # a run from a broken template is refused with the template's problems, pointing into it
    merged = jt.merge(data, RUN)
    assert ("/jobTemplateData/releaseLabel", "placeholder") in found(merged)
    assert all(
        "in the job template" in v.message for v in merged.violations if v.pointer.startswith("/jobTemplateData")
    )


def test_placeholders_are_found_in_nested_values_and_lists() -> None:
    data = {"jobDriver": {"sparkSubmitJobDriver": {"entryPointArguments": ["--day", "${Day}", "x${A}y${B}"]}}}
    found_ = list(jt.placeholders(data))
    path = ("jobDriver", "sparkSubmitJobDriver", "entryPointArguments")
    assert found_ == [((*path, 1), "Day"), ((*path, 2), "A"), ((*path, 2), "B")]


def test_needs_template_names_the_template_a_spec_runs_from() -> None:
    assert jt.needs_template(RUN) == "7bmxpzv8b4ps3q2yuwmbx2dzj"
    assert jt.needs_template({"virtualClusterId": "x"}) is None


def test_the_shipped_template_fixtures_follow_the_rules_and_fit_the_template_run_fixture() -> None:
    for path in sorted((FIXTURES / "CreateJobTemplate" / "valid").glob("*.json")):
        assert jt.template_problems(jt.template_data(json.loads(path.read_text()))) == [], path.name
    template = json.loads((FIXTURES / "CreateJobTemplate" / "valid" / "parameterised-spark-submit.json").read_text())
    run = json.loads((FIXTURES / "StartJobRun" / "valid" / "from-job-template.json").read_text())
    assert jt.merge(template, run).ok


def test_every_rule_cites_a_public_page() -> None:
    citations = [getattr(jt, name) for name in dir(jt) if isinstance(getattr(jt, name), jt.Citation)]
    assert len(citations) >= 6
    for citation in citations:
        assert citation.url.startswith("https://docs.aws.amazon.com/") and citation.quote and citation.title


# -- strategies ---------------------------------------------------------------------------------


@DRAWS
@given(request=template_run_requests(DATA, "7bmxpzv8b4ps3q2yuwmbx2dzj", virtual_cluster_id="kp6xvzjk4hmnu5rekj6t9pqhe"))
def test_drawn_template_runs_are_accepted_by_the_rules(request: dict[str, Any]) -> None:
    assert request["jobTemplateId"] == "7bmxpzv8b4ps3q2yuwmbx2dzj"
    assert "EntryPointLocation" in request["jobTemplateParameters"]  # the one without a default
    assert not set(jt.TEMPLATE_MEMBERS) & set(request)
    assert jt.merge(DATA, request).ok
    assert validate(request, api=API) == []


def test_a_placeholder_that_is_a_whole_value_gets_what_start_job_run_allows_there() -> None:
    data = {**DATA, "parameterConfiguration": {**DATA["parameterConfiguration"], "Role": {"type": "STRING"}}}
    drawn = examples(template_run_requests(data), 10, seed=3)
    assert all(r["jobTemplateParameters"]["Role"].startswith("arn:aws") for r in drawn)


@pytest.mark.parametrize(
    "operation", ["CreateJobTemplate", "DescribeJobTemplate", "ListJobTemplates", "DeleteJobTemplate"]
)
def test_template_operations_get_valid_and_invalid_requests_from_their_schemas(operation: str) -> None:
    for instance in examples(requests(API, operation, wire=True), 5, seed=1):
        assert validate(instance, api=API, operation=operation, wire=True) == []
    for instance, expected in examples(invalid_requests(API, operation, wire=True), 5, seed=1):
        violations = validate(instance, api=API, operation=operation, wire=True)
        assert (expected["pointer"], expected["keyword"]) in [(v.pointer, v.keyword) for v in violations]


def test_validate_checks_a_spec_with_its_template_from_python() -> None:
    import json as _json

    from tests.support import ROOT

    from jobrun_contracts import UsageError, validate_with_template

    fixtures = ROOT / "fixtures" / "aws-emr-containers"
    template = _json.loads((fixtures / "CreateJobTemplate/valid/parameterised-spark-submit.json").read_text())
    template = template.get("instance", template)
    spec = _json.loads((fixtures / "StartJobRun/valid/from-job-template.json").read_text())
    spec = spec.get("instance", spec)
    assert validate_with_template(spec, template) == []
    missing = {**spec, "jobTemplateParameters": {}}
    assert [(v.pointer, v.keyword) for v in validate_with_template(missing, template)] == [
        ("/jobTemplateParameters/EntryPoint", "required")
    ]
    described = {"jobTemplate": {"id": "other", "jobTemplateData": template["jobTemplateData"]}}
    with pytest.raises(UsageError, match=r"runs from job template \S+, not the given other"):
        validate_with_template(spec, described)
    no_template = {k: v for k, v in spec.items() if not k.startswith("jobTemplate")}
    assert [v.pointer for v in validate_with_template(no_template, template)] == [
        "/executionRoleArn",
        "/releaseLabel",
        "/jobDriver",
    ]  # a spec that names no template is checked alone


def _secret_template() -> dict[str, Any]:
    return {
        "jobTemplateData": {
            "executionRoleArn": "arn:aws:iam::123456789012:role/JobRole",
            "releaseLabel": "emr-6.15.0-latest",
            "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/job.py"}},
            "jobTags": {"team": "bi"},
            "configurationOverrides": {
                "applicationConfiguration": [
                    {"classification": "spark-defaults", "properties": {"spark.hadoop.fs.s3a.secret.key": "${Secret}"}}
                ]
            },
            "parameterConfiguration": {"Secret": {"type": "NUMBER"}},
        }
    }


def test_a_parameter_that_fills_a_sensitive_field_is_never_shown() -> None:
    from jobrun_contracts import validate_with_template

    secret = "wJalrXUtnFEMI/K7MDENG"
    for value in (secret + "\n", secret):  # breaks the request's own pattern; breaks NUMBER
        spec = {
            "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
            "jobTemplateId": "t1",
            "jobTemplateParameters": {"Secret": value},
        }
        violations = validate_with_template(spec, _secret_template())
        assert violations and all(v.sensitive for v in violations)
        assert not any(secret in v.message or secret in repr(v.instance) for v in violations)


def test_tags_that_are_no_map_do_not_crash_the_merge() -> None:
    from jobrun_contracts import validate_with_template

    spec = {
        "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
        "jobTemplateId": "t1",
        "tags": ["a"],
        "jobTemplateParameters": {"Secret": "12"},
    }
    assert ("/tags", "type") in [(v.pointer, v.keyword) for v in validate_with_template(spec, _secret_template())]


def test_reference_only_reaches_the_merged_run() -> None:
    from jobrun_contracts import validate_with_template

    template = _secret_template()
    template["jobTemplateData"]["configurationOverrides"] = {
        "monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": "/var/log/spark"}}
    }
    spec = {
        "virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe",
        "jobTemplateId": "t1",
        "jobTemplateParameters": {"Secret": "12"},
    }
    assert [v.rule for v in validate_with_template(spec, template)] == ["log-uri-is-s3"]
    assert validate_with_template(spec, template, reference_only=True) == []
