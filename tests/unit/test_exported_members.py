"""The root's public names: pinned, present, typed for type checkers, and cheap to import."""

import ast
import inspect

import jobrun_contracts


def test_public_api_is_pinned() -> None:
    assert sorted(jobrun_contracts.__all__) == [
        "APIS",
        "ContractFailure",
        "Field",
        "GuardError",
        "InputError",
        "JobrunContractsError",
        "MissingExtra",
        "Operation",
        "SchemaError",
        "ServiceError",
        "TargetError",
        "UsageError",
        "ValidationFailed",
        "Validator",
        "Violation",
        "alibaba_error",
        "aws_error",
        "aws_validation_message",
        "detect_api",
        "guard",
        "operation",
        "operations",
        "schema",
        "unguard",
        "validate",
        "validate_with_template",
        "validator_for",
    ]


def test_every_exported_name_exists() -> None:
    for name in jobrun_contracts.__all__:
        assert getattr(jobrun_contracts, name) is not None


def test_importing_a_submodule_does_not_load_the_validator() -> None:
    import subprocess
    import sys

    code = "import sys, jobrun_contracts.pytest_plugin; print('jsonschema_rs' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_type_checkers_see_exactly_the_exported_names() -> None:
    """The TYPE_CHECKING block re-exports (``X as X``) each name of ``__all__`` from where it lives."""
    tree = ast.parse(inspect.getsource(jobrun_contracts))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name} is not re-exported explicitly"
            seen[alias.name] = (node.module or "").lstrip(".")
    assert seen == jobrun_contracts._MODULE_OF
