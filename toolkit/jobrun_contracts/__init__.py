"""Make the job-run APIs of serverless Spark services testable: schemas, validation, contracts.

Names are imported on first use (PEP 562), so that importing a submodule such as the pytest
plugin does not pay for the validator and its schemas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # For type checkers only (``X as X`` is an explicit re-export under mypy --strict);
    # tests/unit/test_exported_members.py keeps these and _WHERE in step.
    from .core.job_templates import validate_with_template as validate_with_template
    from .core.registry import APIS as APIS
    from .core.registry import Field as Field
    from .core.registry import Operation as Operation
    from .core.registry import detect_api as detect_api
    from .core.registry import operation as operation
    from .core.registry import operations as operations
    from .core.registry import schema as schema
    from .core.validation import ValidationFailed as ValidationFailed
    from .core.validation import Validator as Validator
    from .core.validation import Violation as Violation
    from .core.validation import validate as validate
    from .core.validation import validator_for as validator_for
    from .errors import ContractFailure as ContractFailure
    from .errors import InputError as InputError
    from .errors import JobrunContractsError as JobrunContractsError
    from .errors import MissingExtra as MissingExtra
    from .errors import SchemaError as SchemaError
    from .errors import TargetError as TargetError
    from .errors import UsageError as UsageError
    from .guards import GuardError as GuardError
    from .guards import guard as guard
    from .guards import unguard as unguard
    from .wire.service_errors import ServiceError as ServiceError
    from .wire.service_errors import alibaba_error as alibaba_error
    from .wire.service_errors import aws_error as aws_error
    from .wire.service_errors import aws_validation_message as aws_validation_message

#: Where each root name lives: the one list of the public API (``__all__`` is derived from it).
_WHERE = {
    "errors": (
        "ContractFailure",
        "InputError",
        "JobrunContractsError",
        "MissingExtra",
        "SchemaError",
        "TargetError",
        "UsageError",
    ),
    "core.registry": ("APIS", "Field", "Operation", "detect_api", "operation", "operations", "schema"),
    "wire.service_errors": ("ServiceError", "alibaba_error", "aws_error", "aws_validation_message"),
    "core.validation": ("ValidationFailed", "Validator", "Violation", "validate", "validator_for"),
    "core.job_templates": ("validate_with_template",),
    "guards": ("GuardError", "guard", "unguard"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)  # derived, so each name is written once here


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'jobrun_contracts' has no attribute '{name}'")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
