"""Make the job-run APIs of serverless Spark services testable: schemas, validation, contracts."""

from .errors import InputError, JobrunContractsError, SchemaError, UsageError, ValidationFailed
from .registry import APIS, Field, Operation, detect_api, operation, operations, schema
from .service_errors import ServiceError, alibaba_error, aws_error, aws_validation_message
from .validation import Validator, Violation, validate, validator_for

__all__ = [
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
