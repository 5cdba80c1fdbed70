"""``jobrun-contracts validate`` as a subprocess: exit codes, formats, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.dom import minidom
from xml.etree import ElementTree

import pytest

from support import Run


def test_valid_file_exits_0(run: Run, spec_dir: Path) -> None:
    result = run("validate", str(spec_dir / "good.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "1 document(s) checked: 1 valid, 0 invalid, 0 not checked"


def test_invalid_file_exits_1_and_names_file_line_and_field(run: Run, spec_dir: Path) -> None:
    result = run("validate", str(spec_dir))
    assert result.returncode == 1
    bad = str(spec_dir / "bad.json")
    assert f'{bad}:2: /applicationId: applicationId "my_app" does not match the pattern [0-9a-z]+' in result.stdout
    assert f'{bad}:4: /mode: mode is "batch"; must be one of BATCH, STREAMING' in result.stdout
    assert (
        "source: https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html (applicationId)"
        in result.stdout
    )
    assert result.stdout.rstrip().endswith("2 document(s) checked: 1 valid, 1 invalid, 0 not checked")
    assert result.stderr == ""


def test_json_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "json", str(spec_dir))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["good.yaml"]["valid"] is True and files["good.yaml"]["violations"] == []
    violations = files["bad.json"]["violations"]
    assert [(v["pointer"], v["keyword"], v["line"]) for v in violations] == [
        ("/applicationId", "pattern", 2),
        ("/mode", "enum", 4),
    ]
    assert all(v["message"] and v["source"] for v in violations)
    assert files["bad.json"]["document"] == 1 and files["bad.json"]["api"] == "aws-emr-serverless"
    assert report["summary"] == {"documents": 2, "valid": 1, "invalid": 1, "errors": 0}


def test_github_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "github", str(spec_dir / "bad.json"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={spec_dir / 'bad.json'},line=2,title=/applicationId pattern::")


def test_junit_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "junit", str(spec_dir))
    assert result.returncode == 1
    suite = ElementTree.fromstring(result.stdout.split("?>", 1)[1])
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failures = suite.findall("testcase/failure")
    assert len(failures) == 1 and "/applicationId" in (failures[0].text or "")


EKS_SPEC = json.dumps(
    {
        "virtualClusterId": "abc",
        "executionRoleArn": "arn:aws:iam::123456789012:role/JobRole",
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/job.py"}},
    }
)


def test_stdin(run: Run) -> None:
    result = run("validate", "--api", "aws-emr-containers", "-", stdin=EKS_SPEC)
    assert result.returncode == 0, result.stdout


def test_wire_mode_requires_the_client_token(run: Run, spec_dir: Path) -> None:
    assert run("validate", str(spec_dir / "good.yaml")).returncode == 0
    wire = run("validate", "--wire", "--format", "json", str(spec_dir / "good.yaml"))
    assert wire.returncode == 1
    (entry,) = json.loads(wire.stdout)["files"]
    assert [(v["pointer"], v["keyword"]) for v in entry["violations"]] == [("/clientToken", "required")]


def test_a_guide_constraint_says_so_and_reference_only_leaves_it_out(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "retry.yaml"
    path.write_text(
        "applicationId: 00fkr3dqu9a1b20d\n"
        "executionRoleArn: arn:aws:iam::123456789012:role/JobRole\n"
        "jobDriver: {sparkSubmit: {entryPoint: s3://bucket/job.py}}\n"
        "retryPolicy:\n"
        "  maxAttempts: 11\n"
    )
    text = run("validate", str(path))
    assert text.returncode == 1
    assert (
        f"{path}:5: /retryPolicy/maxAttempts: retryPolicy.maxAttempts is 11; the maximum is 10 [maximum]" in text.stdout
    )
    assert (
        "source (the service's guide, not the API reference): EMR Serverless User Guide, Job resiliency" in text.stdout
    )
    as_json = run("validate", "--format", "json", str(path))
    (violation,) = json.loads(as_json.stdout)["files"][0]["violations"]
    assert (violation["provenance"], violation["rule"]) == ("guide", "retry-max-attempts-at-most-10")
    assert violation["reference"].endswith("SECTION-jobs-resiliency.xml.html")
    assert run("validate", "--reference-only", str(path)).returncode == 0


def test_response_and_operation(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"jobRunId": "jr-1", "requestId": "x", "extra": true}')
    args = ("validate", "--api", "alibaba-emr-serverless-spark", "--response")
    assert run(*args, str(path)).returncode == 0
    assert run(*args, "--strict", str(path)).returncode == 1


def test_api_cannot_be_told(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"name": "job"}')
    result = run("validate", str(path))
    assert result.returncode == 2
    assert "cannot tell which API" in result.stdout and "pass --api" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("validate", "--api", "aws-emr", "x.json"), "Invalid value for '--api'"),
        (
            ("validate", "--api", "aws-emr-serverless", "--operation", "GetJobRuns", "x.json"),
            "did you mean 'GetJobRun'",
        ),
        (("validate", "--format", "xml", "x.json"), "Invalid value for '--format'"),
        (("validate",), "Missing argument"),
    ],
)
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("malformed.json", '{"applicationId": ', "invalid JSON"),
        ("malformed.yaml", "a: [\n", "invalid YAML"),
        ("latin1.json", b'{"name": "caf\xe9"}', "not UTF-8"),
        ("empty.yaml", "", "empty document"),
        ("dup.yaml", "applicationId: a\napplicationId: b\n", "duplicate key 'applicationId'"),
        ("tag.yaml", "applicationId: !!python/object/apply:os.system [echo]\n", "YAML tag"),
        ("deep.json", "[" * 5000 + "]" * 5000, "nested deeper"),
        (
            "bomb.yaml",
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                for p, c in zip("abcdefghi", "bcdefghij", strict=True)
            ),
            "alias bomb",
        ),
    ],
)
def test_bad_input_is_one_line_and_other_files_are_still_checked(
    run: Run, spec_dir: Path, name: str, content: str | bytes, message: str
) -> None:
    """Exit 1: an invalid document is never hidden behind an unreadable one (that alone is exit 2)."""
    path = spec_dir / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run("validate", str(spec_dir))
    assert result.returncode == 1
    assert f"{path}" in result.stdout and message in result.stdout
    assert "/applicationId" in result.stdout  # bad.json was still checked
    assert "Traceback" not in result.stdout + result.stderr
    assert "3 document(s) checked: 1 valid, 1 invalid, 1 not checked" in result.stdout


def test_missing_file_exits_2(run: Run, tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "no such file" in result.stdout


def test_file_over_the_size_limit(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--max-bytes", "100", str(spec_dir / "bad.json"))
    assert result.returncode == 2 and "larger than the 100-byte limit" in result.stdout


def test_junit_of_a_key_with_a_control_character_is_xml_and_names_the_violation(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('{"applicationId": "abc", "ba\\u0001d": 1}')
    result = run("validate", "--api", "aws-emr-serverless", "--format", "junit", str(path))
    assert result.returncode == 1, result.stderr
    suite = minidom.parseString(result.stdout).documentElement
    assert suite.getAttribute("failures") == "1"
    (failure,) = suite.getElementsByTagName("failure")
    assert "/ba\\x01d: unknown field 'ba\\x01d'" in failure.firstChild.data


@pytest.mark.parametrize("output_format", ["github", "text"])
def test_a_crafted_file_name_issues_no_workflow_command(run: Run, tmp_path: Path, output_format: str) -> None:
    path = tmp_path / "x\n::warning::pwned%0A::error::y\r.json"
    path.write_text('{"applicationId": "my_app", "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}}}')
    result = run("validate", "--api", "aws-emr-serverless", "--format", output_format, str(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert len(lines) == (3 if output_format == "github" else 6)
    assert [c.split(" ", 1)[0] for c in commands] == (["::error", "::error"] if output_format == "github" else [])
    if output_format == "github":
        assert all(c.startswith("::error file=") and "%0A%3A%3Awarning%3A%3Apwned%250A" in c for c in commands)


def test_exit_2_when_nothing_is_invalid_but_something_could_not_be_checked(run: Run, spec_dir: Path) -> None:
    (spec_dir / "bad.json").unlink()
    (spec_dir / "broken.json").write_text("{")
    result = run("validate", str(spec_dir))
    assert result.returncode == 2, result.stdout
    assert "2 document(s) checked: 1 valid, 0 invalid, 1 not checked" in result.stdout
    (spec_dir / "broken.json").unlink()
    assert run("validate", str(spec_dir)).returncode == 0


def test_hidden_files_and_excluded_globs_are_skipped_under_a_directory(run: Run, spec_dir: Path) -> None:
    (spec_dir / ".pre-commit-config.yaml").write_text("repos: []\n")
    (spec_dir / ".github").mkdir()
    (spec_dir / ".github" / "workflow.yml").write_text("on: push\n")
    (spec_dir / "vendor").mkdir()
    (spec_dir / "vendor" / "other.json").write_text("{}")
    (spec_dir / "bad.json").rename(spec_dir / "bad.draft.json")
    result = run("validate", "--exclude", "vendor", "--exclude", "*.draft.json", str(spec_dir))
    assert result.returncode == 0, result.stdout
    assert "1 document(s) checked: 1 valid" in result.stdout
    # named on the command line, a hidden file is read all the same
    named = run("validate", str(spec_dir / ".pre-commit-config.yaml"))
    assert named.returncode == 2 and "cannot tell which API" in named.stdout


def test_a_fifo_is_refused_without_waiting(run: Run, tmp_path: Path) -> None:
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    result = run("validate", str(fifo))
    assert result.returncode == 2
    assert f"{fifo}: error: not a regular file" in result.stdout


def test_a_document_of_another_api_says_so(run: Run, tmp_path: Path) -> None:
    spec = tmp_path / "eks.json"
    spec.write_text('{"virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe", "releaseLabel": "emr-7.1.0"}')
    result = run("validate", "--api", "aws-emr-serverless", str(spec))
    assert result.returncode == 1
    assert "note: the document names virtualClusterId, which is aws-emr-containers's" in result.stdout
    report = json.loads(run("validate", "--api", "aws-emr-serverless", "--format", "json", str(spec)).stdout)
    assert report["files"][0]["notes"] == [
        "the document names virtualClusterId, which is aws-emr-containers's: is --api aws-emr-serverless right?"
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_streamed_json_report_is_what_json_dumps_writes(count: int) -> None:
    from jobrun_contracts.core.validation import validate
    from jobrun_contracts.reports import DocumentResult, reporter

    bad = {"applicationId": "my_app"}
    results = [
        DocumentResult(f"f{i}.json", 1, api="aws-emr-serverless", operation="StartJobRun",
                       violations=validate(bad, api="aws-emr-serverless"), lines={"/applicationId": 2})
        for i in range(count)
    ]  # fmt: skip
    streamed = reporter("json")(results)
    expected = {
        "files": [
            {"path": r.path, "document": 1, "api": r.api, "operation": r.operation, "direction": "request",
             "valid": False, "violations": [{**v.to_dict(), "line": r.line_of(v.pointer)} for v in r.violations]}
            for r in results
        ],
        "summary": {"documents": count, "valid": 0, "invalid": count, "errors": 0},
    }  # fmt: skip
    assert streamed == json.dumps(expected, indent=2, ensure_ascii=False, default=str) + "\n"


def test_a_half_filled_cli_skeleton_is_one_hint(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    skeleton = {
        "applicationId": "", "clientToken": "", "executionRoleArn": "",
        "jobDriver": {"sparkSubmit": {"entryPoint": "", "entryPointArguments": [""], "sparkSubmitParameters": ""}},
        "tags": {"KeyName": ""}, "executionTimeoutMinutes": 0, "name": "", "mode": "batch",
    }  # fmt: skip
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(skeleton))
    result = CliRunner().invoke(cli, ["validate", "--api", "aws-emr-serverless", str(path)])
    assert result.exit_code == 1
    assert "fields still hold the placeholders of a --generate-cli-skeleton file" in result.output
    assert "/mode" in result.output  # a real mistake among the placeholders is still named
    assert result.output.count("[skeleton]") == 1 and result.output.count("[minLength]") == 0


def test_yaml_typing_is_explained(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    path = tmp_path / "spec.yaml"
    path.write_text("applicationId: 00fabc\nexecutionRoleArn: arn:aws:iam::123456789012:role/r\nname: yes\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "YAML read the unquoted value as true, not as text: put it in quotes" in result.output


def test_yaml_typing_of_a_sensitive_value_does_not_show_it(run: Run, tmp_path: Path) -> None:
    """Free text is scrubbed of long sensitive values only: the hint itself must not write a short one."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "applicationId: 00fabc\nexecutionRoleArn: arn:aws:iam::123456789012:role/r\n"
        "jobDriver: {sparkSubmit: {entryPoint: s3://b/x.py, entryPointArguments: [731]}}\n"
    )
    for output_format in ("text", "json", "github", "sarif", "junit"):
        result = run("validate", "--format", output_format, str(path))
        assert result.returncode == 1, result.stdout
        shown = result.stdout.replace(path.as_uri(), "").replace(str(path), "")  # the path may hold digits
        assert "731" not in shown, output_format
    assert "YAML read the unquoted value as a number, not as text" in run("validate", str(path)).stdout


VALID_SPEC = {
    "applicationId": "00fabcdefghij012",
    "executionRoleArn": "arn:aws:iam::123456789012:role/EMRServerlessJobRole",
    "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py"}},
}


def test_violations_past_the_limit_are_counted_not_listed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    spec = {f"unknown{i}": 1 for i in range(5000)}
    spec.update(
        applicationId="00fabc",
        executionRoleArn="arn:aws:iam::123456789012:role/r",
        jobDriver={"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}},
    )
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(spec))
    result = CliRunner().invoke(cli, ["validate", "--max-violations", "7", str(path)])
    assert result.exit_code == 1
    assert f"{path}: aws-emr-serverless StartJobRun request: 5000 violation(s)" in result.output
    assert result.output.count("[additionalProperties]") == 7
    assert "... and 4993 more violation(s), not shown (--max-violations)" in result.output
    report = json.loads(
        CliRunner().invoke(cli, ["validate", "--format", "json", "--max-violations", "3", str(path)]).output
    )
    assert len(report["files"][0]["violations"]) == 3 and report["files"][0]["omitted"] == 4997


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("nul.yaml", b"applicationId: a\x00b\n", "invalid YAML: unacceptable character #x0000"),
        ("long.yaml", b"executionTimeoutMinutes: " + b"9" * 5001 + b"\n", "an integer too long to read"),
        ("long.json", b'{"executionTimeoutMinutes": ' + b"9" * 5001 + b"}", "an integer too long to read"),
    ],
)
def test_inputs_that_aborted_the_run_are_one_line_each(tmp_path: Path, name: str, content: bytes, said: str) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.json").write_text(json.dumps(VALID_SPEC))
    result = CliRunner().invoke(cli, ["validate", "--api", "aws-emr-serverless", str(tmp_path)])
    assert result.exit_code == 2, result.output
    line = next(line for line in result.output.splitlines() if line.startswith(str(tmp_path / name)))
    assert said in line and "set_int_max_str_digits" not in line
    assert "2 document(s) checked: 1 valid, 0 invalid, 1 not checked" in result.output


def test_a_file_name_too_long_for_the_system_is_one_line(run: Run, tmp_path: Path) -> None:
    name = str(tmp_path / ("a" * 300 + ".json"))
    result = run("validate", name)
    assert result.returncode == 2
    assert result.stdout.startswith(f"{name}: error: cannot read: File name too long")


def test_json_from_stdin_gets_no_yaml_hint(run: Run) -> None:
    result = run("validate", "--api", "aws-emr-serverless", "-", stdin='{"applicationId": 10}')
    assert result.returncode == 1 and "must be a string" in result.stdout
    assert "YAML read" not in result.stdout


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_a_document_with_too_many_values_is_refused_before_it_is_checked(tmp_path: Path, suffix: str) -> None:
    from click.testing import CliRunner

    from jobrun_contracts.cli.main import cli

    spec = {**VALID_SPEC, "tags": {f"k{i}": "v" for i in range(20)}}
    path = tmp_path / f"spec.{suffix}"
    path.write_text(json.dumps(spec))  # JSON is YAML too
    refused = CliRunner().invoke(cli, ["validate", "--api", "aws-emr-serverless", "--max-values", "20", str(path)])
    assert refused.exit_code == 2
    assert refused.output.startswith(str(path)) and "error: " in refused.output and "(--max-values)" in refused.output
    accepted = CliRunner().invoke(cli, ["validate", "--api", "aws-emr-serverless", "--max-values", "40", str(path)])
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder: the refusal cannot be produced as root")
def test_a_folder_that_cannot_be_listed_is_one_line(run: Run, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "spec.json").write_text(json.dumps(VALID_SPEC))
    (tmp_path / "good.json").write_text(json.dumps(VALID_SPEC))
    locked.chmod(0)
    try:
        result = run("validate", "--api", "aws-emr-serverless", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert f"{locked}: error: a folder that cannot be listed" in result.stdout
    assert "1 valid" in result.stdout


def _template_files(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "aws-emr-containers"
    template = json.loads((fixtures / "CreateJobTemplate/valid/parameterised-spark-submit.json").read_text())
    run = json.loads((fixtures / "StartJobRun/valid/from-job-template.json").read_text())
    template_path, run_path = tmp_path / "template.json", tmp_path / "run.json"
    template_path.write_text(json.dumps(template.get("instance", template), indent=2))
    spec: dict[str, Any] = run.get("instance", run)
    run_path.write_text(json.dumps(spec, indent=2))
    return template_path, run_path, spec


def test_a_spec_that_runs_from_a_job_template_says_it_needs_it(run: Run, tmp_path: Path) -> None:
    _, run_path, spec = _template_files(tmp_path)
    result = run("validate", str(run_path))
    assert result.returncode == 0
    assert f"runs from job template {spec['jobTemplateId']}" in result.stdout and "--template FILE" in result.stdout


def test_a_spec_is_checked_merged_with_its_job_template(run: Run, tmp_path: Path) -> None:
    template_path, run_path, spec = _template_files(tmp_path)
    assert run("validate", "--template", str(template_path), str(run_path)).returncode == 0
    spec["jobTemplateParameters"].pop("EntryPoint")
    spec["jobTemplateParameters"]["Executors"] = "many"
    spec["jobTemplateParameters"]["Undeclared"] = "x"
    run_path.write_text(json.dumps(spec, indent=2))
    result = run("validate", "--template", str(template_path), "--format", "json", str(run_path))
    assert result.returncode == 1
    (entry,) = json.loads(result.stdout)["files"]
    found = {(v["pointer"], v["keyword"]) for v in entry["violations"]}
    assert found == {
        ("/jobTemplateParameters/EntryPoint", "required"),
        ("/jobTemplateParameters/Executors", "pattern"),
        ("/jobTemplateParameters/Undeclared", "propertyNames"),
    }
    lines = {v["pointer"]: v["line"] for v in entry["violations"]}
    assert lines["/jobTemplateParameters/Executors"] is not None  # a pointer into the user's own file
    assert any("checked as the run job template" in note for note in entry["notes"])


def test_a_file_that_is_no_job_template_is_one_line_and_exit_2(run: Run, tmp_path: Path) -> None:
    _, run_path, _ = _template_files(tmp_path)
    result = run("validate", "--template", str(run_path), str(run_path))
    assert result.returncode == 2
    assert "not a job template (a CreateJobTemplate input or a DescribeJobTemplate output)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_template_that_breaks_its_own_schema_is_one_line_and_exit_2(run: Run, tmp_path: Path) -> None:
    template_path, run_path, _ = _template_files(tmp_path)
    template = json.loads(template_path.read_text())
    template["jobTemplateData"]["releaseLabel"] = "bad label!"
    template_path.write_text(json.dumps(template))
    result = run("validate", "--template", str(template_path), str(run_path))
    assert result.returncode == 2
    assert "not a valid CreateJobTemplate input: /jobTemplateData/releaseLabel:" in result.stderr


def test_path_parameters_can_be_given_on_the_command_line(run: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.json"  # an `aliyun emr-serverless-spark StartJobRun --body` file
    body.write_text(
        json.dumps(
            {
                "name": "etl",
                "codeType": "JAR",
                "resourceQueueId": "root_queue",
                "jobDriver": {"sparkSubmit": {"entryPoint": "oss://bucket/app.jar"}},
            }
        )
    )
    alone = run("validate", str(body))
    assert alone.returncode == 2 and "--set workspaceId=" in alone.stdout
    given = run("validate", "--set", "workspaceId=w-d2d82aa09155a1b2", "--set", "regionId=cn-hangzhou", str(body))
    assert given.returncode == 0, given.stdout
    typed = run("validate", "--set", "workspaceId=w-1", "--set", "executionTimeoutSeconds=60", str(body))
    assert typed.returncode == 0, typed.stdout  # 60 reads as JSON: a number
    texted = run("validate", "--set", "workspaceId=w-1", "--set", 'executionTimeoutSeconds="60"', str(body))
    assert texted.returncode == 1 and "executionTimeoutSeconds must be an integer, not a string" in texted.stdout
    bad = run("validate", "--set", "oops", str(body))
    assert bad.returncode == 2 and "--set takes NAME=VALUE, not 'oops'" in bad.stderr
