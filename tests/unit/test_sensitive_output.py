"""No output carries a sensitive value (botocore's ``sensitive``, our ``x-sensitive``).

Each AWS API gets StartJobRun specs whose sensitive fields (configuration ``properties``, the entry
point, its arguments, ``sparkSubmitParameters``, Hive's query) hold recognisable secrets, made
invalid in ways that touch those fields: too long, a bad pattern, a map value over its limit, a
bad map key, a map with too many entries, a union with two members. Every output is searched for
the secret: the validator's violations, ``aws_error``/``alibaba_error``, ``validate`` in every
format, the emulator's error responses over loopback HTTP, conform evidence and reports (against
a target that answers wrongly and quotes the request back), and a pytest plugin failure report.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobrun_contracts import alibaba_error, aws_error, aws_validation_message, validate
from jobrun_contracts.cli.main import cli
from jobrun_contracts.conformance import Clause, InProcessTarget, Settings, run
from jobrun_contracts.core import registry
from jobrun_contracts.core.sensitive import MARKER, at, redact, safe_violation, sensitive_values
from jobrun_contracts.core.validation import ValidationFailed, Violation, validator_for
from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.reports import FORMATS, DocumentResult, reporter
from jobrun_contracts.reports.conformance import RENDERERS
from jobrun_contracts.wire import codec
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse

SECRET = "SECRETVALUE"  # every secret below starts with it; no output may hold it, whole or cut short
SERVERLESS, CONTAINERS = "aws-emr-serverless", "aws-emr-containers"
ROLE = "arn:aws:iam::123456789012:role/JobRole"


def serverless_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "applicationId": "00fkr3dqu9a1b20d",
        "executionRoleArn": ROLE,
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": f"s3://bucket/{SECRET}-EP/main.py",
                "entryPointArguments": ["--password", f"{SECRET}-ARG", "42"],
                "sparkSubmitParameters": f"--conf spark.hadoop.fs.s3a.secret.key={SECRET}-SSP",
            }
        },
        "configurationOverrides": {
            "applicationConfiguration": [
                {
                    "classification": "spark-defaults",
                    "properties": {"spark.hadoop.fs.s3a.secret.key": f"{SECRET}-PROP", "spark.executor.cores": "4"},
                }
            ]
        },
    }
    spec.update(overrides)
    return spec


def containers_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "virtualClusterId": "abcdefghij1234567890abcde",
        "executionRoleArn": ROLE,
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": {
            "sparkSubmitJobDriver": {
                "entryPoint": f"s3://bucket/{SECRET}-EP/main.py",
                "entryPointArguments": ["--password", f"{SECRET}-ARG"],
                "sparkSubmitParameters": f"--conf spark.hadoop.fs.s3a.secret.key={SECRET}-SSP",
            }
        },
        "configurationOverrides": {
            "applicationConfiguration": [
                {"classification": "spark-defaults", "properties": {"spark.hadoop.fs.s3a.secret.key": f"{SECRET}-PROP"}}
            ]
        },
    }
    spec.update(overrides)
    return spec


def _driver(api: str, **members: Any) -> dict[str, Any]:
    spec = serverless_spec() if api == SERVERLESS else containers_spec()
    name = "sparkSubmit" if api == SERVERLESS else "sparkSubmitJobDriver"
    return {name: {**spec["jobDriver"][name], **members}}


def _properties(api: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"applicationConfiguration": [{"classification": "spark-defaults", "properties": properties}]}


def invalid_specs(api: str) -> dict[str, dict[str, Any]]:
    """Specs each broken where a secret is, by name."""
    spec = serverless_spec if api == SERVERLESS else containers_spec
    long_entry = 4096 if api == SERVERLESS else 256
    specs = {
        "entry point too long": spec(jobDriver=_driver(api, entryPoint=f"s3://b/{SECRET}-LONG-" + "e" * long_entry)),
        "parameters ending with a line break": spec(
            jobDriver=_driver(api, sparkSubmitParameters=f"--conf a={SECRET}-NL\n")
        ),
        "parameters too long": spec(
            jobDriver=_driver(api, sparkSubmitParameters=f"--conf a={SECRET}-BIG-" + "s" * 102400)
        ),
        "property value over its limit": spec(
            configurationOverrides=_properties(api, {"spark.hadoop.fs.s3a.secret.key": f"{SECRET}-MAP-" + "p" * 1100})
        ),
        "property value ending with a line break": spec(
            configurationOverrides=_properties(api, {"spark.hadoop.fs.s3a.access.key": f"{SECRET}-MAPNL\n"})
        ),
        "too many properties": spec(
            configurationOverrides=_properties(api, {f"spark.k{i}": f"{SECRET}-MANY-{i}" for i in range(101)})
        ),
        "two job drivers": spec(
            jobDriver={
                **_driver(api),
                ("hive" if api == SERVERLESS else "sparkSqlJobDriver"): (
                    {"query": f"{SECRET}-HIVE-QUERY", "parameters": f"--hiveconf p={SECRET}-HIVE-PARAM"}
                    if api == SERVERLESS
                    else {"entryPoint": f"s3://b/{SECRET}-SQL.sql", "sparkSqlParameters": f"{SECRET}-SQLP"}
                ),
            }
        ),
    }
    if api == SERVERLESS:
        specs["bad property key"] = spec(configurationOverrides=_properties(api, {" ": f"{SECRET}-KEYVAL"}))
    else:
        specs["argument too long"] = spec(
            jobDriver=_driver(api, entryPointArguments=[f"{SECRET}-ARGLONG-" + "a" * 10280, f"{SECRET}-ARGOK"])
        )
        specs["argument ending with a line break"] = spec(jobDriver=_driver(api, entryPointArguments=[f"{SECRET}-A\n"]))
    return specs


CASES = [(api, name) for api in (SERVERLESS, CONTAINERS) for name in invalid_specs(api)]
IDS = [f"{api}: {name}" for api, name in CASES]


def assert_hidden(text: str) -> None:
    assert SECRET not in text, text[max(0, text.find(SECRET) - 300) : text.find(SECRET) + 100]


@pytest.fixture(params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    api, name = request.param
    return api, invalid_specs(api)[name]


# -- the Python API ---------------------------------------------------------------------------------


def test_every_case_is_invalid_where_a_secret_is(case: tuple[str, dict[str, Any]]) -> None:
    api, spec = case
    violations = validate(spec, api=api)
    assert violations
    assert any(at(api, "StartJobRun", "request", v.pointer).sensitive or v.union for v in violations), violations


def test_violation_messages_never_quote_a_secret(case: tuple[str, dict[str, Any]]) -> None:
    """The validator's own words (core/validation.py): messages, and ValidationFailed."""
    api, spec = case
    violations = validate(spec, api=api)
    for violation in violations:
        assert_hidden(violation.message)
        assert_hidden(json.dumps(violation.to_dict(), default=str))
    with pytest.raises(ValidationFailed) as failed:
        validator_for(api, "StartJobRun").check(spec)
    assert_hidden(str(failed.value))


def test_violations_reached_through_a_sensitive_shape_say_so(case: tuple[str, dict[str, Any]]) -> None:
    """``Violation.sensitive`` is set under every x-sensitive shape, map values included (validation.py)."""
    api, spec = case
    for violation in validate(spec, api=api):
        if at(api, "StartJobRun", "request", violation.pointer).sensitive:
            assert violation.sensitive, violation


def test_service_errors_never_echo_a_secret(case: tuple[str, dict[str, Any]]) -> None:
    api, spec = case
    for wire in (False, True):
        violations = validate(spec, api=api, wire=wire)
        error = aws_error(violations)
        assert error is not None and error.code == "ValidationException"
        assert_hidden(error.message)
        assert_hidden(aws_validation_message(violations))
        for one in violations:
            assert_hidden(aws_validation_message([one]))
            other = alibaba_error([one])
            assert other is not None
            assert_hidden(other.message)


def test_a_bad_map_value_is_reported_at_the_maps_path_the_aws_way() -> None:
    spec = serverless_spec(
        configurationOverrides=_properties(
            SERVERLESS, {"spark.a": f"{SECRET}-1-" + "x" * 1100, "spark.b": f"{SECRET}-2-" + "y" * 1100}
        )
    )
    message = aws_validation_message(validate(spec, api=SERVERLESS))
    assert message == (
        "1 validation error detected: Value at 'configurationOverrides.applicationConfiguration.1.member.properties' "
        "failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 1024, Member must have length greater than or equal to 0, Member must satisfy regular expression "
        "pattern: .*\\S.*]"
    )


def test_a_union_with_two_members_is_shown_with_its_secrets_hidden() -> None:
    spec = invalid_specs(SERVERLESS)["two job drivers"]
    message = aws_validation_message(validate(spec, api=SERVERLESS))
    assert "at 'jobDriver' failed to satisfy constraint: Member must have exactly one member set" in message
    assert MARKER in message and "spark.hadoop" not in message
    assert_hidden(message)


def test_redact_hides_every_sensitive_value_and_shares_the_rest() -> None:
    spec = serverless_spec(tags={"team": "data"})
    shown = redact(spec, SERVERLESS, "StartJobRun")
    assert_hidden(json.dumps(shown))
    assert shown["jobDriver"]["sparkSubmit"] == {
        "entryPoint": MARKER,
        "entryPointArguments": [MARKER, MARKER, MARKER],
        "sparkSubmitParameters": MARKER,
    }
    properties = shown["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties == {"spark.hadoop.fs.s3a.secret.key": MARKER, "spark.executor.cores": MARKER}  # keys are kept
    assert shown["tags"] is spec["tags"] and shown["executionRoleArn"] == ROLE
    assert spec["jobDriver"]["sparkSubmit"]["entryPoint"].startswith("s3://")  # the instance is not changed
    nothing = {"applicationId": "00fkr3dqu9a1b20d", "executionRoleArn": ROLE}
    assert redact(nothing, SERVERLESS, "StartJobRun") is nothing
    assert set(sensitive_values(spec, SERVERLESS, "StartJobRun")) >= {f"{SECRET}-ARG", f"{SECRET}-PROP", "42"}


def test_redact_follows_recursive_configurations_and_responses() -> None:
    nested: dict[str, Any] = {"classification": "c", "properties": {"k": f"{SECRET}-DEEP"}}
    for _ in range(5):
        nested = {"classification": "c", "configurations": [nested]}
    response = {
        "jobRun": {
            "jobDriver": _driver(SERVERLESS),
            "configurationOverrides": {"applicationConfiguration": [nested]},
            "state": "RUNNING",
        }
    }
    shown = redact(response, SERVERLESS, "GetJobRun", "response")
    assert_hidden(json.dumps(shown))
    assert shown["jobRun"]["state"] == "RUNNING"
    described = redact({"jobRun": {"jobDriver": _driver(CONTAINERS)}}, CONTAINERS, "DescribeJobRun", "response")
    assert_hidden(json.dumps(described))


def test_a_leaky_violation_is_made_safe_by_its_schema_alone() -> None:
    """Whatever the validator says, an output that shows a violation hides what its schema marks sensitive."""
    value = f"{SECRET}-LEAKED-" + "z" * 2000
    uri = f"https://jobrun-contracts.invalid/schemas/{SERVERLESS}/shapes.json#/$defs/ConfigurationPropertyValue"
    leaky = Violation(
        "/configurationOverrides/applicationConfiguration/0/properties/spark.hadoop.fs.s3a.secret.key",
        "maxLength",
        f'properties.spark.hadoop.fs.s3a.secret.key is "{value[:50]}…zzz", too long; {value}',
        1024,
        "",
        uri + "/maxLength",
        sensitive=False,
        instance=value,
    )
    safe = safe_violation(leaky)
    assert safe.sensitive and safe.instance == MARKER
    assert_hidden(safe.message)
    assert_hidden(aws_validation_message([leaky]))
    error = alibaba_error([leaky])
    assert error is not None
    assert_hidden(error.message)
    result = DocumentResult("spec.json", 1, SERVERLESS, "StartJobRun", violations=[leaky])
    for name in FORMATS:
        assert_hidden(reporter(name)([result]))


def test_free_text_is_scrubbed_of_a_secret_quoted_whole_escaped_twice_or_cut_short() -> None:
    from jobrun_contracts.conformance.runner import scrub

    secret = f"{SECRET}-0123456789\n"
    quoted_twice = json.dumps(json.dumps({"v": secret}))
    text = f"is {{'v': '{secret[:14]}…, expected x; sent {quoted_twice}; whole {secret}"
    assert_hidden(scrub(text, [secret]))
    assert scrub("SECRETV…", [secret]) == "SECRETV…"  # fewer than 8 characters give nothing away


# -- validate on the command line ---------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
def test_validate_prints_no_secret_in_any_format(output_format: str, tmp_path: Path) -> None:
    paths = []
    for api, name in CASES:
        path = tmp_path / f"{api}-{name.replace(' ', '-')}.json"
        path.write_text(json.dumps(invalid_specs(api)[name], indent=2))
        paths.append(str(path))
    for api in (SERVERLESS, CONTAINERS):
        mine = [p for p in paths if Path(p).name.startswith(api)]
        result = CliRunner().invoke(cli, ["validate", "--api", api, "--format", output_format, *mine])
        assert result.exit_code == 1, result.output
        assert_hidden(result.output)
        assert "properties" in result.output  # the report still says where


def test_validate_prints_no_secret_of_a_yaml_document_either(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "applicationId: 00fkr3dqu9a1b20d\n"
        f"executionRoleArn: {ROLE}\n"
        "jobDriver:\n  sparkSubmit:\n"
        f"    entryPoint: s3://b/{SECRET}-{'y' * 4100}\n"
        "configurationOverrides:\n  applicationConfiguration:\n    - classification: spark-defaults\n"
        f"      properties:\n        spark.hadoop.fs.s3a.secret.key: {SECRET}-{'k' * 1100}\n"
    )
    for output_format in FORMATS:
        result = CliRunner().invoke(cli, ["validate", "--format", output_format, str(path)])
        assert result.exit_code == 1, result.output
        assert_hidden(result.output)


# -- the emulator over loopback HTTP ---------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator()) as server:
        yield server


def _send(server: EmulatorServer, api: str, operation: str, instance: dict[str, Any]) -> tuple[int, str]:
    container = registry.CONTAINER_PARAMETER[api]
    instance = {**instance, container: server.defaults[api]}
    if operation == "StartJobRun":
        instance.setdefault("clientToken", "token-1")
    url = urllib.parse.urlsplit(server.url)
    request = codec.encode(registry.operation(api, operation), instance, url.netloc)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.request(request.method, request.target, body=request.body, headers=dict(request.headers))
        response = connection.getresponse()
        headers = "\n".join(f"{k}: {v}" for k, v in response.getheaders())
        return response.status, headers + "\n\n" + response.read().decode()
    finally:
        connection.close()


def test_the_emulator_refuses_without_echoing_a_secret(
    emulator_server: EmulatorServer, case: tuple[str, dict[str, Any]]
) -> None:
    api, spec = case
    status, text = _send(emulator_server, api, "StartJobRun", spec)
    assert status == 400, text
    assert "ValidationException" in text
    assert_hidden(text)


def test_the_emulator_returns_a_run_its_own_job_driver(emulator_server: EmulatorServer) -> None:
    """A service answers its caller with the job driver it was given: that is no error message."""
    status, text = _send(emulator_server, SERVERLESS, "StartJobRun", serverless_spec())
    assert status == 200, text
    run_id = json.loads(text.split("\n\n", 1)[1])["jobRunId"]
    status, text = _send(emulator_server, SERVERLESS, "GetJobRun", {"jobRunId": run_id})
    assert status == 200 and f"{SECRET}-EP" in text


# -- conform: evidence and reports against a target that answers wrongly --------------------------


class EchoingService:
    """A wrong service: every error quotes the request it refused, in full."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.emulator(request)
        if response.status < 400:
            return response
        echoed = json.loads(response.body or b"{}")
        echoed["message"] = f"{echoed.get('message', '')}; you sent {request.target} {request.body.decode()}"
        body = json.dumps(echoed).encode()
        return HttpResponse(response.status, {**response.headers, "content-length": str(len(body))}, body)


def _clauses(api: str) -> list[Clause]:
    spec = serverless_spec() if api == SERVERLESS else containers_spec()
    container = registry.CONTAINER_PARAMETER[api]
    valid = {k: v for k, v in spec.items() if k != container}
    invalid = {
        k: v for k, v in invalid_specs(api)["property value over its limit"].items() if k not in (container, "tags")
    }
    get, run_id = ("GetJobRun", "jobRunId") if api == SERVERLESS else ("DescribeJobRun", "id")

    def clause(name: str, summary: str, *steps: dict[str, Any]) -> Clause:
        return Clause(api, name, "StartJobRun", "MUST", "this test", summary, tuple(steps), origin="test")

    return [
        clause(
            "start-expects-201",
            "a valid run is answered 201",
            {"call": "StartJobRun", "request": valid, "expect": {"status": 201}},
        ),
        clause(
            "driver-compared",
            "the run's driver is compared with another, and the difference quoted",
            {"name": "start", "call": "StartJobRun", "request": valid, "expect": {"status": 200}},
            {
                "call": get,
                "request": {run_id: f"${{start.response.{'jobRunId' if api == SERVERLESS else 'id'}}}"},
                "expect": {"status": 200, "equal": {"/jobRun/jobDriver": {"other": {"entryPoint": "s3://b/other.py"}}}},
            },
        ),
        clause(
            "invalid-expects-200",
            "an invalid run is accepted",
            {"call": "StartJobRun", "request": invalid, "expect": {"status": 200}},
        ),
    ]


@pytest.mark.parametrize("api", [SERVERLESS, CONTAINERS])
def test_conform_evidence_and_reports_show_no_secret(api: str) -> None:
    emulator = Emulator((api,))
    target = InProcessTarget(
        EchoingService(emulator),
        apis=(api,),
        capabilities=("time",),
        advance=emulator.advance,
        containers=emulator.defaults,
    )
    with target:
        report = run(target, _clauses(api), Settings(timeout=5))
    assert [r.outcome for r in report.results] == ["failed"] * 3, [r.reason for r in report.results]
    compared, refused = report.results[1], report.results[2]
    assert "jobDriver is" in compared.reason and "status 400" in refused.reason
    for result in report.results:
        assert_hidden(result.reason)
        assert_hidden(result.evidence())
        assert result.exchanges
    for render in RENDERERS.values():
        assert_hidden(render(report))
    evidence = "".join(r.evidence() for r in report.results)
    assert MARKER in evidence  # bodies are shown, their sensitive values replaced
    assert "spark.hadoop.fs.s3a.secret.key" in evidence  # ... and the rest of them kept


# -- the pytest plugin --------------------------------------------------------------------------------


def test_a_plugin_failure_report_shows_no_secret(pytester: pytest.Pytester) -> None:
    spec = {k: v for k, v in serverless_spec().items() if k != "applicationId"}
    bad = invalid_specs(SERVERLESS)["property value over its limit"]
    bad = {k: v for k, v in bad.items() if k != "applicationId"}
    contract = {
        "api": SERVERLESS,
        "clauses": [
            {
                "id": "secret-run-expects-201",
                "operation": "StartJobRun",
                "level": "MUST",
                "source": "this test",
                "summary": "Deliberately wrong, with secrets in the request.",
                "steps": [{"call": "StartJobRun", "request": spec, "expect": {"status": 201}}],
            },
            {
                "id": "secret-bad-run-expects-200",
                "operation": "StartJobRun",
                "level": "MUST",
                "source": "this test",
                "summary": "Deliberately wrong: an invalid run with secrets is expected to start.",
                "steps": [{"call": "StartJobRun", "request": bad, "expect": {"status": 200}}],
            },
        ],
    }
    contracts = pytester.mkdir("contracts")
    (contracts / "secrets.yaml").write_text(json.dumps(contract))  # JSON is YAML
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-api", SERVERLESS,
        "--jobrun-contracts", str(contracts), "--jobrun-examples", "0", "-k", "secret-", "-v", "-l",
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    output = result.stdout.str() + result.stderr.str()
    assert "status 200, expected 201" in output and "status 400" in output
    assert "last exchanges" in output and MARKER in output
    assert_hidden(output)
