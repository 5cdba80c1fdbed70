"""Make the job-run APIs of serverless Spark services testable: schemas, validation, contracts."""

from .errors import InputError, JobrunContractsError, SchemaError, UsageError, ValidationFailed
from .registry import APIS, Field, Operation, detect_api, operation, operations, schema
from .validation import Validator, Violation, validate, validator_for

__all__ = [
    "APIS",
    "Field",
    "InputError",
    "JobrunContractsError",
    "Operation",
    "SchemaError",
    "UsageError",
    "ValidationFailed",
    "Validator",
    "Violation",
    "detect_api",
    "operation",
    "operations",
    "schema",
    "validate",
    "validator_for",
]
