import jobrun_contracts


def test_public_api_is_pinned() -> None:
    assert sorted(jobrun_contracts.__all__) == [
        "APIS",
        "ContractFailure",
        "Field",
        "InputError",
        "JobrunContractsError",
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
        "operation",
        "operations",
        "schema",
        "validate",
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
