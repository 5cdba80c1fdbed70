"""Make the job-run APIs of serverless Spark services testable: schemas, validation, contracts.

Names are imported on first use (PEP 562), so that importing a submodule such as the pytest
plugin does not pay for the validator and its schemas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import (
        ContractFailure,
        InputError,
        JobrunContractsError,
        SchemaError,
        TargetError,
        UsageError,
        ValidationFailed,
    )
    from .registry import APIS, Field, Operation, detect_api, operation, operations, schema
    from .service_errors import ServiceError, alibaba_error, aws_error, aws_validation_message
    from .validation import Validator, Violation, validate, validator_for

_WHERE = {
    "errors": (
        "ContractFailure",
        "InputError",
        "JobrunContractsError",
        "SchemaError",
        "TargetError",
        "UsageError",
        "ValidationFailed",
    ),
    "registry": ("APIS", "Field", "Operation", "detect_api", "operation", "operations", "schema"),
    "service_errors": ("ServiceError", "alibaba_error", "aws_error", "aws_validation_message"),
    "validation": ("Validator", "Violation", "validate", "validator_for"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'jobrun_contracts' has no attribute '{name}'")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
