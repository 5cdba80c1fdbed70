"""Input forms (``core/forms``): Step Functions tasks, Airflow operator arguments, placeholders, fragments.

Every shipped StartJobRun fixture is written as a Step Functions task and as Airflow operator
arguments (by converters written here, apart from the forms), checked through the real
``validate`` command, and must get the verdict its plain form gets, at the pointers the
conversion moved each violation to.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobrun_contracts.cli.main import cli
from jobrun_contracts.core import fixtures, forms, pointers
from jobrun_contracts.core.forms import airflow, asl, fragments, placeholders
from jobrun_contracts.core.shapes import Shape, operation_shape
from jobrun_contracts.core.validation import validator_for
from jobrun_contracts.errors import UsageError

DATA = Path(__file__).parents[1] / "data" / "forms"
AWS = ("aws-emr-serverless", "aws-emr-containers")


def load(name: str) -> Any:
    from jobrun_contracts.core import documents

    return documents.load(str(DATA / name))[0].data


# -- Step Functions ----------------------------------------------------------------------------


def test_a_jsonpath_task_is_read_as_its_api_input_with_pointers_into_the_state() -> None:
    (reading,) = forms.read(load("asl/emr-eks-submit-job-jsonpath.json"))
    assert (reading.form, reading.api, reading.operation) == ("asl", "aws-emr-containers", "StartJobRun")
    assert reading.root == "/States/Submit_Job/Parameters"
    assert reading.data["jobDriver"]["sparkSubmitJobDriver"]["entryPointArguments"] == ["60"]
    properties = reading.data["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties == {"spark.executor.instances": "2", "spark.executor.memory": "2G"}  # map keys keep their case
    assert reading.pointers["/configurationOverrides/monitoringConfiguration/persistentAppUI"] == (
        "/States/Submit_Job/Parameters/ConfigurationOverrides/MonitoringConfiguration/PersistentAppUI"
    )
    assert reading.unknown == {"/virtualClusterId": asl.JSONPATH}
    assert reading.detected and reading.decided is not None and "Submit_Job" in reading.decided


def test_jsonata_arguments_and_nested_states_are_found_and_other_tasks_ignored() -> None:
    readings = forms.read(load("asl/emr-serverless-start-and-cancel.json"))
    assert [(r.part, r.operation) for r in readings] == [
        ("state Start_Job", "StartJobRun"),
        ("state Cancel_Job", "CancelJobRun"),
    ]
    assert readings[1].unknown == {"/applicationId": asl.JSONATA, "/jobRunId": asl.JSONATA}
    (only,) = forms.read(load("asl/emr-eks-submit-job-jsonata.json"))  # deleteVirtualCluster is no job run
    assert only.part == "state Submit_Job" and only.data["tags"] == {"taskType": "jobName"}


def test_a_definition_without_an_emr_task_says_so() -> None:
    document = {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}}}
    (reading,) = forms.read(document)
    assert reading.error is not None and "no EMR Serverless or EMR on EKS" in reading.error
    assert "lambda:invoke" in reading.error


def test_a_camel_case_member_in_a_task_is_unknown_not_taken_for_the_member() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::emr-serverless:startJobRun",
        "Parameters": {"applicationId": "a"},
    }
    (reading,) = forms.read({"StartAt": "S", "States": {"S": state}})
    assert "applicationId" not in reading.data
    problems = validator_for("aws-emr-serverless", "StartJobRun").validate(reading.data)
    restored = forms.restore(reading, forms.kept(reading, problems))
    unknown = [v for v in restored if v.keyword == "additionalProperties"]
    assert [(v.pointer, v.message) for v in unknown] == [
        (
            "/States/S/Parameters/applicationId",
            "unknown field 'applicationId' in the request (did you mean 'ApplicationId'?)",
        )
    ]


def test_the_same_member_given_plainly_and_as_a_path_is_reported() -> None:
    parameters = {"Name": "a", "Name.$": "$.name"}
    state = {"Type": "Task", "Resource": "arn:aws:states:::emr-serverless:startJobRun", "Parameters": parameters}
    (reading,) = forms.read({"S": state}, form="asl")
    assert [(v.pointer, v.keyword) for v in reading.problems] == [("/S/Parameters/Name.$", "duplicate")]


def test_a_task_inside_another_tasks_parameters_is_data() -> None:
    inner = {"Type": "Task", "Resource": "arn:aws:states:::emr-serverless:cancelJobRun", "Parameters": {}}
    outer = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload": {"S": inner}}}
    last = {"Type": "Task", "Resource": "arn:aws:states:::emr-serverless:startJobRun", "Parameters": {}}
    readings = forms.read({"StartAt": "L", "States": {"L": outer, "E": last}})
    assert [r.part for r in readings] == ["state E"]


def test_a_state_machine_of_thousands_of_tasks_is_read_in_one_pass() -> None:
    """Each state is looked at once: finding the tasks costs the document's size, not its size times its tasks."""
    states: dict[str, Any] = {
        f"S{i}": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload": {"a": {"b": [1, 2, {"c": 3}]}}},
            "Next": f"S{i + 1}",
        }
        for i in range(6000)
    }
    states["S6000"] = {"Type": "Task", "Resource": "arn:aws:states:::emr-serverless:startJobRun", "Parameters": {}}
    started = time.process_time()
    (reading,) = forms.read({"StartAt": "S0", "States": states})
    assert reading.part == "state S6000"
    assert time.process_time() - started < 5  # about 0.25 s; 16 s when each state was compared with every task seen


def test_a_task_without_parameters_cannot_be_checked() -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::emr-serverless:startJobRun.sync"}
    (reading,) = forms.read({"StartAt": "S", "States": {"S": state}})
    assert reading.error is not None and "no Parameters" in reading.error


# -- Airflow ----------------------------------------------------------------------------------


def test_operator_arguments_map_as_the_operator_maps_them() -> None:
    (reading,) = forms.read(load("airflow/example_emr_eks.yaml"))
    assert (reading.form, reading.api) == ("airflow", "aws-emr-containers")
    assert reading.data["retryPolicyConfiguration"] == {"maxAttempts": 5}  # job_retry_max_attempts
    assert reading.data["tags"] == {}  # the hook sends tags or {}
    assert reading.data["clientToken"] == airflow.STAND_IN_TOKEN  # a uuid4 when none is given
    assert reading.pointers["/retryPolicyConfiguration/maxAttempts"] == "/job_retry_max_attempts"
    assert (
        reading.pointers["/jobDriver/sparkSubmitJobDriver/entryPoint"] == "/job_driver/sparkSubmitJobDriver/entryPoint"
    )
    assert reading.problems == []


def test_config_adds_members_and_replaces_arguments_before_it() -> None:
    task = {
        "operator": "EmrServerlessStartJobOperator",
        "application_id": "00f1abc2de3fg4h5",
        "execution_role_arn": "arn:aws:iam::123456789012:role/R",
        "job_driver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}},
        "name": "mine",
        "config": {"name": "config's", "tags": {"team": "data"}, "configurationOverrides": {}},
        "configuration_overrides": {"monitoringConfiguration": {}},
    }
    (reading,) = forms.read({"tasks": {"t": task}})
    assert reading.data["name"] == "config's" and reading.data["tags"] == {"team": "data"}
    assert reading.data["configurationOverrides"] == {"monitoringConfiguration": {}}
    assert reading.pointers["/name"] == "/tasks/t/config/name"
    assert "config.name replaces the name argument" in reading.notes
    assert any("configuration_overrides argument replaces config.configurationOverrides" in n for n in reading.notes)


def test_unknown_and_missing_arguments_are_the_operators_own_findings() -> None:
    task = {
        "operator": "a.b.EmrContainerOperator",
        "name": "n",
        "virtual_cluster_id": "v",
        "job_driver": {},
        "retrys": 2,
    }
    (reading,) = forms.read([task])
    found = {(v.pointer, v.keyword, v.provenance) for v in reading.problems}
    assert found == {
        ("/0/retrys", "additionalProperties", "client"),
        ("/0/execution_role_arn", "required", "client"),
        ("/0/release_label", "required", "client"),
    }
    assert any("did you mean 'retries'" in v.message for v in reading.problems)


def test_dag_factorys_callbacks_by_name_and_file_are_its_own_keys() -> None:
    """dag-factory turns each ``on_<state>_callback_name``/``_file`` pair into the callback argument."""
    task = {
        "operator": "EmrServerlessStartJobOperator",
        "application_id": "00f1abc2de3fg4h5",
        "execution_role_arn": "arn:aws:iam::123456789012:role/R",
        "job_driver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}},
        "on_failure_callback_name": "notify",
        "on_failure_callback_file": "/usr/local/airflow/dags/notify.py",
        "on_retry_callback_name": "alone",  # without its _file, dag-factory passes it on, and the operator refuses it
    }
    (reading,) = forms.read({"tasks": {"t": task}})
    assert [(v.pointer, v.keyword) for v in reading.problems] == [
        ("/tasks/t/on_retry_callback_name", "additionalProperties")
    ]


def test_jinja_is_a_placeholder_only_in_template_fields() -> None:
    (reading,) = forms.read(load("airflow/dag-factory.yaml"))
    assert reading.unknown["/applicationId"] == placeholders.WHOLE  # ${...}: filled in before Airflow reads it
    assert "/jobDriver/sparkSubmit/entryPointArguments/1" in reading.unknown  # {{ ds }} in job_driver
    assert reading.partial["/name"] == "nightly-etl-"  # config is a template field
    assert "/clientToken" not in reading.unknown and "/clientToken" in reading.hints  # client_request_token is not


def test_a_bare_mapping_of_arguments_is_read_by_its_arguments() -> None:
    (reading,) = forms.read({"application_id": "a", "execution_role_arn": "r", "job_driver": {}})
    assert (reading.form, reading.api) == ("airflow", "aws-emr-serverless")
    (other,) = forms.read({"task_id": "x"}, form="airflow")
    assert other.error is not None and "cannot tell which operator" in other.error


# -- placeholders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "keyword", "held"),
    [
        ("my_app-${ENV}", "pattern", True),  # '_' is never in [0-9a-z]
        ("app${ENV}", "pattern", False),
        ("${A}${B}", "pattern", None),  # only placeholders: not known at all
        ("x" * 70 + "${ENV}", "maxLength", True),
        ("x${ENV}", "maxLength", False),
    ],
)
def test_a_partial_placeholder_is_checked_as_far_as_its_literal_text_decides(
    value: str, keyword: str, held: bool | None
) -> None:
    spec = {
        "applicationId": value,
        "executionRoleArn": "arn:aws:iam::123456789012:role/R",
        "jobDriver": {"hive": {"query": "q"}},
    }
    (reading,) = forms.read(spec)
    forms.scan_deferred(reading)  # as validate does once a plain input has violations
    if held is None:
        assert reading.unknown == {"/applicationId": placeholders.WHOLE}
    problems = validator_for("aws-emr-serverless", "StartJobRun").validate(reading.data)
    kept = forms.kept(reading, problems)
    found = [v for v in kept if v.pointer == "/applicationId" and v.keyword == keyword]
    assert bool(found) is bool(held)
    if held:
        assert "whatever its placeholders" in found[0].message


def test_an_enum_fits_a_placeholder_or_does_not() -> None:
    validator = validator_for("aws-emr-serverless", "StartJobRun")
    base = {
        "applicationId": "a",
        "executionRoleArn": "arn:aws:iam::123456789012:role/R",
        "jobDriver": {"hive": {"query": "q"}},
    }
    for mode, held in (("BAT${X}", False), ("${X}x", True)):
        (reading,) = forms.read({**base, "mode": mode})
        forms.scan_deferred(reading)
        kept = forms.kept(reading, validator.validate(reading.data))
        assert any(v.keyword == "enum" for v in kept) is held


def test_literal_placeholders_and_job_template_syntax_are_checked_as_written() -> None:
    spec = {"applicationId": "${APP}"}
    (looked,) = forms.read(spec)
    forms.scan_deferred(looked)
    assert looked.unknown == {"/applicationId": placeholders.WHOLE}
    (literal,) = forms.read(spec, placeholders_known=False)
    forms.scan_deferred(literal)
    assert literal.unknown == {}
    template = {"name": "t", "jobTemplateData": {"executionRoleArn": "${Role}"}}
    (kept,) = forms.read(template, api="aws-emr-containers", operation="CreateJobTemplate")
    forms.scan_deferred(kept)
    assert kept.unknown == {} and kept.partial == {}  # ${Role} is EMR on EKS's own parameter syntax


# -- fragments --------------------------------------------------------------------------------


def test_a_shape_is_placed_where_the_api_holds_it() -> None:
    assert fragments.locate("aws-emr-serverless", "JobDriver", "StartJobRun") == (
        "StartJobRun",
        "request",
        ["jobDriver"],
    )
    operation, _direction, path = fragments.locate("aws-emr-serverless", "Configuration", "StartJobRun")
    assert (operation, path) == ("StartJobRun", ["configurationOverrides", "applicationConfiguration", 0])
    with pytest.raises(UsageError, match=r"no shape 'JobDrivr' \(did you mean 'JobDriver'"):
        fragments.locate("aws-emr-serverless", "JobDrivr", "StartJobRun")
    with pytest.raises(UsageError, match="pass --api"):
        forms.read({}, shape="JobDriver")


def test_a_fragment_keeps_only_what_is_at_or_below_it() -> None:
    (reading,) = forms.read({"sparkSubmit": {"entryPoint": ""}}, api="aws-emr-serverless", shape="JobDriver")
    problems = validator_for("aws-emr-serverless", "StartJobRun").validate(reading.data)
    restored = forms.restore(reading, forms.kept(reading, problems))
    assert [(v.pointer, v.keyword, v.message) for v in restored] == [
        ("/sparkSubmit/entryPoint", "minLength", "sparkSubmit.entryPoint is 0 characters long; at least 1 required")
    ]


# -- every fixture, in each form --------------------------------------------------------------


def _pascal_pointer(shape: Shape | None, parts: list[Any]) -> list[Any]:
    out = []
    for part in parts:
        structure = shape is not None and shape.type == "object" and not isinstance(shape.additional, Shape)
        out.append(str(part)[:1].upper() + str(part)[1:] if structure and isinstance(part, str) else part)
        if shape is not None:
            shape = (
                shape.items
                if shape.type == "array"
                else shape.properties.get(str(part), shape.additional if isinstance(shape.additional, Shape) else None)
            )
    return out


def _to_asl(value: Any, shape: Shape | None) -> Any:
    if isinstance(value, list):
        return [_to_asl(v, shape.items if shape is not None else None) for v in value]
    if not isinstance(value, dict):
        return value
    structure = shape is not None and not isinstance(shape.additional, Shape)
    out = {}
    for key, item in value.items():
        below = None
        if shape is not None:
            below = shape.properties.get(key, shape.additional if isinstance(shape.additional, Shape) else None)
        out[key[:1].upper() + key[1:] if structure else key] = _to_asl(item, below)
    return out


_ARGUMENTS = {
    "aws-emr-serverless": {
        "applicationId": "application_id",
        "executionRoleArn": "execution_role_arn",
        "jobDriver": "job_driver",
        "configurationOverrides": "configuration_overrides",
        "clientToken": "client_request_token",
        "name": "name",
    },
    "aws-emr-containers": {
        "name": "name",
        "virtualClusterId": "virtual_cluster_id",
        "executionRoleArn": "execution_role_arn",
        "releaseLabel": "release_label",
        "jobDriver": "job_driver",
        "configurationOverrides": "configuration_overrides",
        "tags": "tags",
        "clientToken": "client_request_token",
    },
}


def _to_airflow(api: str, spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
    """Operator arguments, and where each member went; None when the operator cannot say the spec."""
    operator = airflow.SERVERLESS if api == "aws-emr-serverless" else airflow.CONTAINERS
    arguments: dict[str, Any] = {"operator": operator.name, "task_id": "run"}
    moved: dict[str, list[Any]] = {}
    for member, value in spec.items():
        if member in _ARGUMENTS[api]:
            arguments[_ARGUMENTS[api][member]] = value
            moved[member] = [_ARGUMENTS[api][member]]
        elif api == "aws-emr-serverless":
            arguments.setdefault("config", {})[member] = value
            moved[member] = ["config", member]
        elif member == "retryPolicyConfiguration" and isinstance(value, dict) and list(value) == ["maxAttempts"]:
            arguments["job_retry_max_attempts"] = value["maxAttempts"]
            moved[member] = ["job_retry_max_attempts"]
        else:
            return None  # jobTemplateId, jobTemplateParameters: EmrContainerOperator takes neither
    falsy = [m for m in ("clientToken", "name", "configurationOverrides", "tags") if m in spec and not spec[m]]
    return None if falsy else (arguments, moved)


def _airflow_pointer(moved: dict[str, list[Any]], api: str, parts: list[Any]) -> list[Any]:
    head = str(parts[0]) if parts else None
    if head is None:
        return ["tasks", "run"]
    if head == "retryPolicyConfiguration" and head in moved:
        return ["tasks", "run", "job_retry_max_attempts"]
    place = moved.get(head, [_ARGUMENTS[api].get(head, head)])
    return ["tasks", "run", *place, *parts[1:]]


def _cases() -> list[tuple[str, str]]:
    return [
        (api, name) for api in AWS for kind in ("valid", "invalid") for name in fixtures.names(api, "StartJobRun", kind)
    ]


def _report(tmp_path: Path, documents: dict[str, Any]) -> dict[str, dict[str, Any]]:
    for name, document in documents.items():
        (tmp_path / name).write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return {Path(entry["path"]).name: entry for entry in json.loads(result.output)["files"]}


def test_every_fixture_as_a_step_functions_task_gets_its_verdict_at_the_moved_pointers(tmp_path: Path) -> None:
    expected, documents = {}, {}
    for api, name in _cases():
        spec = fixtures.instance(api, "StartJobRun", name)
        shape = operation_shape(api, "StartJobRun", "request")
        action = "emr-serverless" if api == "aws-emr-serverless" else "emr-containers"
        state = {
            "Type": "Task",
            "Resource": f"arn:aws:states:::{action}:startJobRun.sync",
            "Parameters": _to_asl(spec, shape),
            "End": True,
        }
        file = f"{api}--{name.replace('/', '--')}"
        documents[file] = {"StartAt": "RunJob", "States": {"RunJob": state}}
        plain = validator_for(api, "StartJobRun").validate(spec)
        expected[file] = {
            (
                pointers.join(["States", "RunJob", "Parameters", *_pascal_pointer(shape, pointers.split(v.pointer))]),
                v.keyword,
            )
            for v in plain
        }
    report = _report(tmp_path, documents)
    assert len(report) == len(documents) > 100
    assert sum(1 for wanted in expected.values() if wanted) > 90
    for file, wanted in expected.items():
        entry = report[file]
        assert {(v["pointer"], v["keyword"]) for v in entry["violations"]} == wanted, file
        assert entry["valid"] is (not wanted) and entry["form"]["name"] == "asl"
        assert all(v["line"] is not None for v in entry["violations"])


def test_every_fixture_as_airflow_operator_arguments_gets_its_verdict_at_the_moved_pointers(tmp_path: Path) -> None:
    expected, documents, unsaid = {}, {}, []
    for api, name in _cases():
        spec = fixtures.instance(api, "StartJobRun", name)
        converted = _to_airflow(api, spec)
        if converted is None:
            unsaid.append((api, name))
            continue
        arguments, moved = converted
        file = f"{api}--{name.replace('/', '--')}"
        documents[file] = {"tasks": {"run": arguments}}
        operator = airflow.OPERATORS[arguments["operator"]]
        wanted = {
            (pointers.join(_airflow_pointer(moved, api, pointers.split(v.pointer))), v.keyword)
            for v in validator_for(api, "StartJobRun").validate(spec)
        }
        wanted |= {(f"/tasks/run/{a}", "required") for a in operator.required if a not in arguments}
        expected[file] = wanted
    report = _report(tmp_path, documents)
    # EmrContainerOperator has no argument for jobTemplateId, jobTemplateParameters, a retry policy
    # other than maxAttempts, or a member the API lacks: those EMR on EKS specs cannot be written
    assert len(unsaid) < 10, unsaid
    assert all(api == "aws-emr-containers" for api, _ in unsaid)
    assert sum(1 for wanted in expected.values() if wanted) > 80
    for file, wanted in expected.items():
        entry = report[file]
        assert {(v["pointer"], v["keyword"]) for v in entry["violations"]} == wanted, file
        assert entry["form"]["name"] == "airflow"
