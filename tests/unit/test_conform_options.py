"""The conform options are one table: both front ends register exactly it, and it parses and checks values."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import jobrun_contracts.conformance
from jobrun_contracts.cli.conform import conform_command
from jobrun_contracts.conformance import OPTIONS, Settings, Target, all_clauses, resolve
from jobrun_contracts.conformance.clauses import LEVELS
from jobrun_contracts.conformance.options import _LEVELS
from jobrun_contracts.core.registry import APIS
from jobrun_contracts.errors import UsageError

CLI_OWN = {"format", "report"}  # conform's report options; pytest has its own reports
TABLE = {option.name: option for option in OPTIONS}


def cli_registered() -> dict[str, object]:
    """What click actually registered for ``conform``: each long flag (without ``--``) and its default."""
    found = {}
    for param in conform_command.params:
        assert isinstance(param, click.Option)
        (flag,) = [o for o in param.opts if o.startswith("--")]
        found[flag.removeprefix("--")] = param.default
    return found


def pytest_help_entries(pytester: pytest.Pytester) -> dict[str, str]:
    """The plugin's options as ``pytest --help`` lists them: name (without ``--jobrun-``) -> its help text."""
    result = pytester.runpytest("-p", "no:cacheprovider", "--help")
    assert result.ret == 0
    text = result.stdout.str()
    section = text.split("conformance of job-run API implementations:", 1)[1].split("\n\n", 1)[0]
    entries = re.split(r"\s(?=--jobrun-)", " " + section)
    found = {}
    for entry in filter(None, (e.strip() for e in entries)):
        match = re.match(r"--jobrun-([a-z-]+)(?:=(\S+))?\s+(.*)", entry, re.S)  # a flag takes no value
        assert match, entry
        found[match[1]] = " ".join(match[3].split())
    return found


def test_both_front_ends_offer_the_tables_names_with_its_defaults(pytester: pytest.Pytester) -> None:
    cli = cli_registered()
    # a float default reaches click as the text a user types ("60", shown so in --help): it parses to the table's
    given = {name: TABLE[name].parse(cli[name], name) for name in cli if name not in CLI_OWN}
    assert given == {o.name: o.default for o in OPTIONS}
    assert set(cli) - set(TABLE) == CLI_OWN

    shared = {o.name for o in OPTIONS if not o.cli_only}
    assert {o.name for o in OPTIONS if o.cli_only} == {"run-timeout", "write-baseline", "dry-run"}
    helped = pytest_help_entries(pytester)
    assert set(helped) == shared
    config = pytester.parseconfig("-p", "no:cacheprovider")
    for name in sorted(shared):
        option = TABLE[name]
        registered = config.getoption("jobrun_" + name.replace("-", "_"))
        assert option.help in helped[name]
        if name == "target":  # the one difference: in pytest, giving it is what turns the plugin on
            assert registered is None and "Default" not in helped[name] and cli[name] == "builtin"
            continue
        assert registered == (list(option.default) if option.multiple else option.default)  # argparse appends to a list
        if option.default in (None, ()) or option.flag:
            assert "Default" not in helped[name]
        else:
            assert f"Default: {option.shown_default}." in helped[name]


def test_the_level_default_is_must_in_the_table() -> None:
    assert TABLE["level"].default == "MUST" and resolve({}).level == "MUST"
    assert _LEVELS == LEVELS


def test_settings_defaults_are_the_options_defaults() -> None:
    asked = resolve({})
    assert asked.settings == Settings()
    assert (TABLE["timeout"].default, TABLE["clause-timeout"].default) == (Settings.timeout, Settings.clause_timeout)
    assert (TABLE["seed"].default, TABLE["run-timeout"].default) == (Settings.seed, Settings.run_timeout)


def test_the_python_api_defaults_agree_with_the_table() -> None:
    """all_clauses and the targets keep their own defaults for Python callers; they must say the same."""
    assert inspect.signature(all_clauses).parameters["examples"].default == TABLE["examples"].default
    assert inspect.signature(Target.__init__).parameters["region"].default == TABLE["region"].default


def test_resolve_parses_strings_as_a_command_line_gives_them() -> None:
    asked = resolve(
        {
            "target": "http://localhost:8080",
            "api": ["aws-emr-containers", "aws-emr-serverless", "aws-emr-containers"],
            "level": "SHOULD",
            "contracts": ("mine",),
            "examples": "3",
            "seed": "7",
            "container": ["aws-emr-containers=abc", "aws-emr-serverless=00f=x"],
            "region": "eu-west-1",
            "timeout": "2.5",
            "clause_timeout": "30",
            "run_timeout": "600",
        }
    )
    assert asked.target == "http://localhost:8080" and asked.level == "SHOULD"
    assert asked.apis == ("aws-emr-containers", "aws-emr-serverless")  # a repeated API is checked once
    assert asked.contract_dirs == ("mine",) and asked.examples == 3 and asked.region == "eu-west-1"
    assert asked.containers == {"aws-emr-containers": "abc", "aws-emr-serverless": "00f=x"}
    assert asked.settings == Settings(timeout=2.5, clause_timeout=30.0, seed=7, run_timeout=600.0)
    assert resolve({"api": []}).apis == APIS


@pytest.mark.parametrize(
    ("dest", "value", "message"),
    [
        ("container", ["foo"], "--container takes API=ID with a known API, not 'foo'"),
        ("container", ["nope=x"], "--container takes API=ID with a known API, not 'nope=x'"),
        ("container", ["aws-emr-serverless="], "--container takes API=ID with a known API, not 'aws-emr-serverless='"),
        ("level", "should", "--level takes MUST or SHOULD, not 'should'"),
        ("api", ["emr"], "--api takes aws-emr-serverless, aws-emr-containers or alibaba-emr-serverless-spark"),
        ("examples", "x", "--examples takes a whole number from 0 to 10000, not 'x'"),
        ("examples", "10001", "--examples takes a whole number from 0 to 10000, not '10001'"),
        ("seed", "-1", "--seed takes a whole number of at least 0, not '-1'"),
        ("timeout", "0", "--timeout takes seconds from 0.1 to 86400, not '0'"),
        ("clause_timeout", "nan", "--clause-timeout takes seconds from 1 to 86400, not 'nan'"),
        ("timeout", "inf", "--timeout takes seconds from 0.1 to 86400, not 'inf'"),
        ("target", "nowhere", "unknown target 'nowhere' for --target: give builtin, moto or an http(s):// URL"),
        ("region", " ", "--region takes a region name, not an empty value"),
    ],
)
def test_a_bad_value_is_a_usage_error_naming_the_option(dest: str, value: object, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        resolve({dest: value})
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_the_option_is_named_as_the_front_end_spells_it() -> None:
    with pytest.raises(UsageError, match=r"^--jobrun-container takes API=ID with a known API, not 'foo'$"):
        resolve({"container": ["foo"]}, prefix="jobrun-")


def test_the_conformance_package_imports_neither_click_nor_pytest() -> None:
    package = Path(jobrun_contracts.conformance.__file__).parent
    imported = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add((path.name, node.module.split(".")[0]))
    assert {(file, name) for file, name in imported if name in ("click", "pytest", "_pytest")} == set()


def test_the_option_table_is_cheap_to_import() -> None:
    """pytest reads it at start-up in every session, plugin on or off: no runner, no validator."""
    code = (
        "import sys; from jobrun_contracts.conformance import OPTIONS, resolve; resolve({}); "
        "print(sorted(m for m in ('jsonschema_rs', 'jobrun_contracts.conformance.runner', 'hypothesis') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
