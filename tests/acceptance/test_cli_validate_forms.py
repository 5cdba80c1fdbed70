"""``validate`` on job specs where users keep them: Step Functions, Airflow, templates, fragments.

The documents under ``tests/data/forms/`` are real-world examples (their README says where each
comes from); every check runs the real command in a subprocess.
"""

from __future__ import annotations

import json
from pathlib import Path

from support import Run

DATA = Path(__file__).parents[1] / "data" / "forms"
ISSUE = DATA / "asl" / "the-issue-entry-point-typo.yaml"
REAL = sorted(
    p
    for p in DATA.glob("*/*")
    if p.suffix in (".json", ".yaml")
    and p.parent.name != "cloudformation"
    and p.name not in ("the-issue-entry-point-typo.yaml", "dag-factory.yaml")
)
TEMPLATES = DATA / "cloudformation"


def test_the_real_world_examples_are_valid_and_say_how_they_were_read(run: Run) -> None:
    result = run("validate", *map(str, REAL))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("  read as Step Functions state ") == 6
    assert result.stdout.count("  read as Airflow ") == 2
    assert result.stdout.rstrip().endswith("8 document(s) checked: 8 valid, 0 invalid, 0 not checked")


def test_a_step_functions_violation_points_into_the_state_machine(run: Run) -> None:
    result = run("validate", str(ISSUE))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{ISSUE} (state RunJob): aws-emr-serverless StartJobRun request: 2 violation(s)"
    assert lines[1] == (
        "  read as Step Functions state 'RunJob' (arn:aws:states:::emr-serverless:startJobRun.sync): "
        "aws-emr-serverless StartJobRun"
    )
    assert (
        f"  {ISSUE}:15: /States/RunJob/Parameters/JobDriver/SparkSubmit/Entrypoint: unknown field 'Entrypoint' "
        "in JobDriver.SparkSubmit (did you mean 'EntryPoint'?) [additionalProperties]"
    ) in lines
    assert any(
        "/States/RunJob/Parameters/JobDriver/SparkSubmit/EntryPoint: JobDriver.SparkSubmit.EntryPoint is required"
        in line
        for line in lines
    )
    assert f"  not checked: {ISSUE}:9: /States/RunJob/Parameters/ApplicationId: a placeholder" in result.stdout
    assert "/States/RunJob/Parameters/Tags/CostCenter.$" in result.stdout  # a map key's .$ value
    assert "sns:publish" not in result.stdout  # other tasks are not job runs


def test_the_json_report_says_the_form_and_what_was_not_checked(run: Run) -> None:
    result = run("validate", "--format", "json", str(ISSUE))
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["form"] == {
        "name": "asl",
        "decided": "read as Step Functions state 'RunJob' (arn:aws:states:::emr-serverless:startJobRun.sync): "
        "aws-emr-serverless StartJobRun",
        "root": "/States/RunJob/Parameters",
        "part": "state RunJob",
        "detected": True,
    }
    unchecked = {u["pointer"]: (u["line"], u["reason"].split(":")[0]) for u in entry["unchecked"]}
    assert unchecked["/States/RunJob/Parameters/ClientToken.$"] == (
        11,
        "a JSONPath or intrinsic function (a key ending in .$)",
    )
    assert unchecked["/States/RunJob/Parameters/ApplicationId"] == (9, "a placeholder")
    assert (entry["violations"][0]["pointer"], entry["violations"][0]["line"]) == (
        "/States/RunJob/Parameters/JobDriver/SparkSubmit/Entrypoint",
        15,
    )


def test_the_github_format_annotates_the_line_in_the_state_machine(run: Run) -> None:
    result = run("validate", "--format", "github", str(ISSUE))
    assert result.stdout.splitlines()[0].startswith(
        f"::error file={ISSUE},line=15,title=/States/RunJob/Parameters/JobDriver/SparkSubmit/Entrypoint "
        "additionalProperties::"
    )


def test_input_form_overrides_the_detection(run: Run) -> None:
    as_input = run("validate", "--input-form", "cli-input", str(ISSUE))
    assert (
        as_input.returncode == 2
        and "cannot tell which API" in as_input.stdout
        and "--input-form asl" in as_input.stdout
    )
    as_asl = run("validate", "--input-form", "asl", str(DATA / "airflow" / "example_emr_eks.yaml"))
    assert as_asl.returncode == 2
    assert "a Step Functions definition with no EMR Serverless or EMR on EKS job-run task" in as_asl.stdout


def test_a_task_is_a_request_even_among_responses(run: Run) -> None:
    """``--response`` over a folder that also holds a state machine: its task still sends a request."""
    result = run("validate", "--response", "--format", "json", str(ISSUE))
    assert result.returncode == 1, result.stdout
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["direction"] == "request"
    assert "/States/RunJob/Parameters/JobDriver/SparkSubmit/Entrypoint" in {v["pointer"] for v in entry["violations"]}


def test_a_state_machine_without_an_emr_task_is_not_checked(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "sm.json"
    path.write_text(
        '{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}'
    )
    result = run("validate", str(path))
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == (
        f"{path}: error: a Step Functions definition with no EMR Serverless or EMR on EKS job-run task: "
        "nothing to check (its tasks call arn:aws:states:::lambda:invoke)"
    )


def test_airflow_arguments_are_checked_as_the_operator_passes_them(run: Run) -> None:
    path = DATA / "airflow" / "dag-factory.yaml"
    result = run("validate", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"{path} (task run_spark_job): aws-emr-serverless StartJobRun request: 3 violation(s)" in out
    assert (
        f"{path}:23: /nightly_etl/tasks/run_spark_job/retrys: EmrServerlessStartJobOperator has no argument 'retrys' "
        "(did you mean 'retries'?): Airflow refuses it [additionalProperties]"
    ) in out
    assert (
        "source (the client's own rule, not the service's): https://pypi.org/project/apache-airflow-providers-amazon/9.39.0/"
        in out
    )
    assert f'{path}:20: /nightly_etl/tasks/run_spark_job/config/mode: config.mode is "batch"' in out
    assert "client_request_token is not one: it is sent as written) [pattern]" in out
    assert "BashOperator" not in out


def test_placeholders_are_known_unknown_unless_literal(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(
        "applicationId: ${EMR_APP_ID}\n"
        "executionRoleArn: arn:aws:iam::${ACCOUNT_ID}:role/EMRServerlessJobRole\n"
        "name: '{{ ds }}'\n"
        "jobDriver: {sparkSubmit: {entryPoint: 's3://${BUCKET}/jobs/etl.py'}}\n"
    )
    known = run("validate", "--api", "aws-emr-serverless", str(path))
    assert known.returncode == 0, known.stdout
    assert (
        f"  not checked: {path}:1: /applicationId, /name: a placeholder: filled in before the request is made"
        in known.stdout
    )
    literal = run("validate", "--api", "aws-emr-serverless", "--literal-placeholders", str(path))
    assert literal.returncode == 1
    assert (
        f'{path}:1: /applicationId: applicationId "${{EMR_APP_ID}}" does not match the pattern [0-9a-z]+'
        in literal.stdout
    )
    path.write_text(path.read_text().replace("${EMR_APP_ID}", "etl_${ENV}"))
    partial = run("validate", "--api", "aws-emr-serverless", str(path))
    assert partial.returncode == 1
    assert "'_' is never allowed there, whatever its placeholders stand for [pattern]" in partial.stdout


def test_max_violations_counts_what_is_left_once_known_unknowns_are_dropped(run: Run, tmp_path: Path) -> None:
    """The first violations found may be a placeholder's or outside a fragment: a real one after them still counts."""
    path = tmp_path / "job.yaml"
    path.write_text(
        "applicationId: ${APP}\nexecutionRoleArn: arn:aws:iam::123456789012:role/R\nmode: batch\n"
        "jobDriver: {sparkSubmit: {entryPoint: s3://b/x.py}}\n"
    )
    result = run("validate", "--api", "aws-emr-serverless", "--max-violations", "1", str(path))
    assert result.returncode == 1, result.stdout
    assert f'{path}:3: /mode: mode is "batch"' in result.stdout
    fragment = '{"sparkSubmit": {"entryPoint": "s3://b/x.py", "entrypoint": "x", "x": 1}}'
    args = ("validate", "--api", "aws-emr-serverless", "--shape", "JobDriver", "--max-violations", "1", "-")
    cut = run(*args, stdin=fragment)
    assert cut.returncode == 1, cut.stdout
    assert cut.stdout.splitlines()[0] == "-: aws-emr-serverless StartJobRun request: 2 violation(s)"
    assert "  ... and 1 more violation(s), not shown (--max-violations)" in cut.stdout


def test_a_fragment_is_checked_as_its_shape(run: Run) -> None:
    fragment = '{"sparkSubmit": {"entryPoint": "s3://b/x.py", "entrypoint": "x"}}'
    result = run("validate", "--api", "aws-emr-serverless", "--shape", "JobDriver", "-", stdin=fragment)
    assert result.returncode == 1
    assert (
        "  the JobDriver shape of aws-emr-serverless, checked where the StartJobRun request holds it (jobDriver)"
        in result.stdout
    )
    assert (
        "-:1: /sparkSubmit/entrypoint: unknown field 'entrypoint' in sparkSubmit (did you mean 'entryPoint'?)"
        in result.stdout
    )
    assert "applicationId" not in result.stdout  # what surrounds the fragment is not missing
    ok = run("validate", "--api", "aws-emr-containers", "--shape", "JobDriver", "-", stdin='{"sparkSqlJobDriver": {}}')
    assert ok.returncode == 0, ok.stdout
    pascal = '{"SparkSubmit": {"Entrypoint": "x"}}'
    args = ("validate", "--api", "aws-emr-serverless", "--shape", "JobDriver", "--input-form", "asl", "-")
    asl = run(*args, stdin=pascal)
    assert asl.returncode == 1
    wanted = "/SparkSubmit/Entrypoint: unknown field 'Entrypoint' in SparkSubmit (did you mean 'EntryPoint'?)"
    assert wanted in asl.stdout


def test_a_shape_one_api_has_needs_no_api(run: Run) -> None:
    fragment = '{"entryPoint": "s3://b/x.py", "entryPointArgumentz": []}'
    result = run("validate", "--shape", "SparkSubmitJobDriver", "-", stdin=fragment)
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines()[0] == "-: aws-emr-containers StartJobRun request: 1 violation(s)"
    assert "unknown field 'entryPointArgumentz' in the SparkSubmitJobDriver" in result.stdout


def test_an_unknown_shape_is_one_line_with_the_closest_names(run: Run) -> None:
    result = run("validate", "--api", "aws-emr-serverless", "--shape", "JobDrivers", "x.json")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "jobrun-contracts: error: aws-emr-serverless has no shape 'JobDrivers' (did you mean 'JobDriver'?) "
        "(see schemas/aws-emr-serverless/shapes.json)"
    )


def test_a_sensitive_value_in_a_task_is_never_shown(run: Run, tmp_path: Path) -> None:
    secret = "hunter2-" + "s" * 1100
    parameters = {
        "ApplicationId": "00fkr3dqu9a1b20d",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/R",
        "JobDriver": {"SparkSubmit": {"EntryPoint": "s3://b/x.py"}},
        "ConfigurationOverrides": {
            "ApplicationConfiguration": [{"Classification": "spark-defaults", "Properties": {"spark.password": secret}}]
        },
    }
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::emr-serverless:startJobRun",
        "Parameters": parameters,
        "End": True,
    }
    path = tmp_path / "sm.json"
    path.write_text(json.dumps({"StartAt": "S", "States": {"S": state}}, indent=2))
    for output_format in ("text", "json", "github", "sarif"):
        result = run("validate", "--format", output_format, str(path))
        assert result.returncode == 1, result.stdout
        assert "hunter2" not in result.stdout and "hunter2" not in result.stderr, output_format
    text = run("validate", str(path)).stdout
    assert "/States/S/Parameters/ConfigurationOverrides/ApplicationConfiguration/0/Properties/spark.password" in text


# -- CloudFormation and SAM templates ------------------------------------------------------------


def test_cdk_templates_definition_strings_are_read_with_their_functions_as_placeholders(run: Run) -> None:
    """The AWS CDK writes a state machine as an Fn::Join of JSON text and functions (its own integration tests)."""
    paths = [
        str(TEMPLATES / f"cdk-emr-containers-{n}.template.json") for n in ("start-job-run", "job-submission-workflow")
    ]
    result = run("validate", "--format", "json", *paths)
    assert result.returncode == 0, result.stdout + result.stderr
    first, second = json.loads(result.stdout)["files"]
    assert (first["valid"], first["api"], first["operation"]) == (True, "aws-emr-containers", "StartJobRun")
    root = "/Resources/StateMachine2E01A3A5/Properties/DefinitionString/States/Start a Job Run/Parameters"
    assert first["form"]["root"] == root
    assert first["form"]["decided"] == (
        "read as Step Functions state 'Start a Job Run' "
        "(arn:${AWS::Partition}:states:::emr-containers:startJobRun.sync) "
        "in StateMachine2E01A3A5's DefinitionString (Fn::Join): aws-emr-containers StartJobRun"
    )
    unchecked = {u["pointer"][len(root) :]: (u["line"], u["reason"]) for u in first["unchecked"]}
    assert unchecked == {  # a string-held definition's values are on the line of its DefinitionString key
        "/ExecutionRoleArn": (
            70,
            "a CloudFormation intrinsic function (Fn::GetAtt StartaJobRunJobExecutionRole157B6BE1.Arn): "
            "CloudFormation resolves it when the stack is deployed",
        ),
        "/VirtualClusterId": (
            70,
            "a CloudFormation intrinsic function (Fn::GetAtt VirtualCluster.Id): "
            "CloudFormation resolves it when the stack is deployed",
        ),
    }
    reasons = {u["pointer"].rsplit("/", 1)[-1]: u["reason"].split(":")[0] for u in second["unchecked"]}
    assert second["valid"] is True and reasons == {
        "VirtualClusterId.$": "a JSONPath or intrinsic function (a key ending in .$)",  # from the state before
        "ExecutionRoleArn": "a CloudFormation intrinsic function (Fn",
        "LogGroupName": "a CloudFormation intrinsic function (Ref StartaJobRunMonitoringLogGroupD033B7AF)",
        "LogUri": "partly a placeholder",  # s3://${StartaJobRunMonitoringBucket899C33D9}: its s3:// is checked
    }


def test_a_real_templates_wrong_application_id_is_found_in_its_definition_string(run: Run) -> None:
    """data-solutions-framework-on-aws's unit test expects CDK to write ApplicationId "appId", which the
    API's pattern refuses."""
    path = TEMPLATES / "dsf-spark-emr-serverless-job.template.json"
    result = run("validate", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert (
        f"{path} (state EmrStartJobTask of SparkJobServerless): aws-emr-serverless StartJobRun request: 1 violation(s)"
        in out
    )
    assert (
        f"{path} (state EmrMonitorJobTask of SparkJobServerless): aws-emr-serverless GetJobRun request: 1 violation(s)"
        in out
    )
    assert (
        f"  {path}:6: /Resources/SparkJobServerless/Properties/DefinitionString/States/EmrStartJobTask/Parameters/"
        'ApplicationId: ApplicationId "appId" does not match the pattern [0-9a-z]+ (the whole value must match) '
        "[pattern]"
    ) in out
    assert f"{path} (state EmrStartJobTask of SparkSimpleProps): valid" in out  # 00fcn9hll0rv1j09
    assert f"{path} (state EmrMonitorJobTask of SparkSimpleProps): valid" in out
    assert out.rstrip().endswith("4 document(s) checked: 2 valid, 2 invalid, 0 not checked")


def test_short_form_intrinsics_in_a_sam_definition_are_known_unknown(run: Run) -> None:
    path = TEMPLATES / "sam-definition-intrinsics.yaml"
    for flag in ("--placeholders", "--literal-placeholders"):  # what CloudFormation fills in is never literal
        result = run("validate", flag, "--format", "json", str(path))
        assert result.returncode == 0, result.stdout + result.stderr
        (entry,) = json.loads(result.stdout)["files"]
        root = entry["form"]["root"]
        assert root == "/Resources/NightlyEtl/Properties/Definition/States/RunJob/Parameters"
        unchecked = {u["pointer"][len(root) :]: (u["line"], u["reason"].split(":")[0]) for u in entry["unchecked"]}
        assert unchecked["/ApplicationId"] == (28, "a CloudFormation intrinsic function (Ref App)")
        assert unchecked["/ExecutionRoleArn"] == (29, "a CloudFormation intrinsic function (Fn")  # Fn::GetAtt Role.Arn
        assert unchecked["/Name"] == (30, "partly a placeholder")  # !Sub nightly-etl-${Env}
        assert unchecked["/JobDriver/SparkSubmit/EntryPointArguments/1"][0] == 35  # !Ref Env, in a list
        assert "/JobDriver/SparkSubmit/EntryPointArguments/0" not in unchecked  # --env, checked
        assert unchecked["/Tags/stack"][1] == "a CloudFormation intrinsic function (Ref AWS"


def test_a_definition_string_sub_is_parsed_and_its_mistake_is_on_the_keys_line(run: Run) -> None:
    path = TEMPLATES / "definition-string-sub.yaml"
    result = run("validate", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path} (state Submit of EksPipeline): aws-emr-containers StartJobRun request: 1 violation(s)"
    root = "/Resources/EksPipeline/Properties/DefinitionString/States/Submit/Parameters"
    assert (
        f"  {path}:16: {root}/ConfigurationOverrides/MonitoringConfiguration/PersistentAppUI: "
        'ConfigurationOverrides.MonitoringConfiguration.PersistentAppUI is "enabled"; must be one of ENABLED, DISABLED'
    ) in result.stdout
    assert (
        f"  not checked: {path}:16: {root}/RetryPolicyConfiguration/MaxAttempts: a CloudFormation Fn::Sub variable "
        "(${Retries}): CloudFormation resolves it when the stack is deployed"
    ) in lines  # outside a JSON string: one unknown value
    assert "EntryPoint" not in result.stdout  # s3://${Bucket}/...: the vars list gives Bucket, so it is checked whole


def test_short_form_tags_outside_the_list_are_still_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Length [a]\n")
    result = run("validate", str(path))
    assert result.returncode == 2
    assert (
        result.stdout.splitlines()[0] == f"{path}:5: error: YAML tag '!Length' is not allowed: job specs are plain data"
    )


def test_a_definition_string_that_cannot_be_read_says_why_on_its_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  Machine:\n"
        "    Type: AWS::StepFunctions::StateMachine\n"
        "    Properties:\n"
        "      DefinitionString: !Join\n"
        "        - ''\n"
        '        - - \'{"StartAt": "R", "States": {"R": {"Type": "Task", "Parameters": {"Name": "x"}, \'\n'
        '          - \'"Resource": "arn:aws:states:::emr-containers:startJobRun", "End": true\'\n'
        "          - !Ref Closing\n"
        "  Other:\n"
        "    Type: AWS::StepFunctions::StateMachine\n"
        "    Properties:\n"
        '      DefinitionString: \'{"StartAt": "L", "States": {"L": {"Type": "Task", '
        '"Resource": "arn:aws:states:::lambda:invoke"\'\n'
    )
    result = run("validate", str(path))
    assert result.returncode == 2, result.stdout
    assert result.stdout.splitlines()[0] == (
        f"{path}:5: error: the DefinitionString of Machine is not checked: its text is not JSON once the parts "
        "CloudFormation fills in are placeholders: Expecting ',' delimiter (line 1 of its text)"
    )
    assert "Other" not in result.stdout  # no EMR task in its text: nothing of ours to say about it


def test_a_template_whose_definitions_are_elsewhere_says_where(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Etl:\n    Type: AWS::Serverless::StateMachine\n"
        "    Properties:\n      DefinitionUri: statemachine/etl.asl.json\n"
    )
    result = run("validate", str(path))
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == (
        f"{path}: error: a Step Functions definition with no EMR Serverless or EMR on EKS job-run task: nothing to "
        "check (Etl keeps its definition in its DefinitionUri, not read here: validate that file)"
    )


def test_a_template_that_stands_for_gigabytes_of_text_is_refused_or_bounded(run: Run, tmp_path: Path) -> None:
    """Two ways a 100 KB template makes gigabytes of text: aliases of a long string inside a DefinitionString
    (refused as it is read), and an Fn::Sub variable used thousands of times (its text not made, and said)."""
    aliased = tmp_path / "aliased.yaml"
    aliased.write_text(
        "Resources:\n  Machine:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n"
        f"      Comment: &s {'x' * 100_000}\n"
        f"      DefinitionString: !Join ['', [{', '.join(['*s'] * 1000)}]]\n"
    )
    result = run("validate", str(aliased))
    assert result.returncode == 2, result.stdout
    assert (
        result.stdout.splitlines()[0]
        == f"{aliased}:5: error: too much text, counting what aliases expand to: an alias bomb?"
    )
    repeated = tmp_path / "repeated.yaml"
    repeated.write_text(
        "Resources:\n  Machine:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      Definition:\n"
        "        StartAt: R\n        States:\n          R:\n            Type: Task\n"
        "            Resource: arn:aws:states:::emr-serverless:startJobRun\n            End: true\n"
        "            Parameters:\n              ApplicationId: !Ref App\n              ExecutionRoleArn: !Ref Role\n"
        "              JobDriver: {SparkSubmit: {EntryPoint: s3://b/x.py}}\n"
        f"              Name: !Sub ['{'${A}' * 1000}', {{A: {'x' * 100_000}}}]\n"
    )
    result = run("validate", "--format", "json", str(repeated))
    assert result.returncode == 0, result.stdout + result.stderr
    (entry,) = json.loads(result.stdout)["files"]
    reasons = {u["pointer"].rsplit("/", 1)[-1]: (u["line"], u["reason"]) for u in entry["unchecked"]}
    assert reasons["Name"] == (
        16,
        "a CloudFormation intrinsic function (Fn::Sub) not read: its text would be longer than 10485760 characters "
        "(counting every Fn::Sub and Fn::Join text of the document)",
    )
