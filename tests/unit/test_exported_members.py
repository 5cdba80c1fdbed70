import jobrun_contracts


def test_public_api_is_pinned() -> None:
    assert sorted(jobrun_contracts.__all__) == [
        "APIS",
        "Field",
        "InputError",
        "JobrunContractsError",
        "Operation",
        "SchemaError",
        "ServiceError",
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
