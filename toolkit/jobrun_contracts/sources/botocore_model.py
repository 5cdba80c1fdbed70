"""Transcribe the AWS job-run operations from a botocore service model into JSON Schema.

botocore's ``service-2.json`` is the machine-readable form of the AWS API reference, so the
schemas are derived from it mechanically instead of by hand; the few places where the model
is wrong are corrected in ``CORRECTIONS`` below, each with its reason, and the page under
``shared/docs`` that documents a shape is cited beside botocore. The model is read from the
installed botocore or from a file, so ``drift`` can compare a model before an upgrade.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from .record import content_digest

BASE_URI = "https://jobrun-contracts.invalid/schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


# The pages under shared/docs that state a shape's constraints, cited before botocore.
DOC_PAGES: dict[str, dict[str, str]] = {
    "aws-emr-serverless": {
        "ApplicationId": "shared/docs/aws-emr-serverless/StartJobRun.txt#applicationId",
        "ClientToken": "shared/docs/aws-emr-serverless/StartJobRun.txt#clientToken",
        "IAMRoleArn": "shared/docs/aws-emr-serverless/StartJobRun.txt#executionRoleArn",
        "Duration": "shared/docs/aws-emr-serverless/StartJobRun.txt#executionTimeoutMinutes",
        "JobDriver": "shared/docs/aws-emr-serverless/StartJobRun.txt#jobDriver",
        "JobRunMode": "shared/docs/aws-emr-serverless/StartJobRun.txt#mode",
        "String256": "shared/docs/aws-emr-serverless/StartJobRun.txt#name",
        "TagMap": "shared/docs/aws-emr-serverless/StartJobRun.txt#tags",
        "TagKey": "shared/docs/aws-emr-serverless/StartJobRun.txt#tags",
        "TagValue": "shared/docs/aws-emr-serverless/StartJobRun.txt#tags",
        "JobRunId": "shared/docs/aws-emr-serverless/StartJobRun.txt#jobRunId",
        "JobArn": "shared/docs/aws-emr-serverless/StartJobRun.txt#arn",
        "StartJobRunRequest": "shared/docs/aws-emr-serverless/StartJobRun.txt#Request Body",
        "StartJobRunResponse": "shared/docs/aws-emr-serverless/StartJobRun.txt#Response Elements",
    },
    "aws-emr-containers": {
        "StartJobRunRequest": "shared/docs/aws-emr-containers/startJobRun-dart-sdk.txt#startJobRun method",
    },
}

# Where botocore is wrong or silent, and what the schema says instead.
CORRECTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "aws-emr-serverless": {
        "PolicyDocument": {
            "pattern": "([\\u0009\\u000A\\u000D\\u0020-\\u00FF]+)",
            "x-correction": (
                "botocore and the API reference page API_JobRunExecutionIamPolicy print "
                "'([    -\\u00ff]+)': the tab, line feed and carriage return of IAM's policy "
                "document class [\\u0009\\u000A\\u000D\\u0020-\\u00FF] were turned into literal "
                "spaces by the model generator. Read literally the class is [\\u0020-\\u00FF] and "
                "refuses multi-line policies, which the service takes (an inline policy is "
                "usually pretty-printed JSON). We follow IAM's class."
            ),
        },
        "Arn": {
            "pattern": (
                "([\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\U00010000-\U0010ffff]+)"
            ),
            "x-correction": (
                "botocore and the API reference page print '([    -~\\u0085\\u00a0-\\ud7ff"
                "\\ue000-\\ufffd\\u10000-\\u10ffFF]+)': the leading tab, line feed and carriage "
                "return became literal spaces, and the supplementary range U+10000-U+10FFFF was "
                "written with five-digit \\u escapes, which every regex dialect reads as "
                "\\u1000 followed by '0-\\u10FF' and 'FF'. We follow IAM's ARN class with the "
                "supplementary range written as its literal first and last characters."
            ),
        },
        "UriString": {
            "pattern": ".*[\\u0020-\\uD7FF\\uE000-\\uFFFD\U00010000-\U0010ffff\\r\\n\\t]*.*",
            "x-correction": (
                "botocore writes the supplementary range of XML's Char production as "
                "'\\uD800\\uDBFF-\\uDC00\\uDFFF' (surrogates out of order), which admits four lone "
                "surrogates and no supplementary character. We read it as U+10000-U+10FFFF, "
                "the evident intent, written as literal characters (valid in every regex dialect)."
            ),
        },
    },
    "aws-emr-containers": {
        "UriString": {
            "pattern": "[\\u0020-\\uD7FF\\uE000-\\uFFFD\U00010000-\U0010ffff\\r\\n\\t]*",
            "x-correction": (
                "botocore writes the supplementary range of XML's Char production as "
                "'\\uD800\\uDBFF-\\uDC00\\uDFFF' (surrogates out of order), which admits four lone "
                "surrogates and no supplementary character. We read it as U+10000-U+10FFFF, "
                "the evident intent, written as literal characters (valid in every regex dialect)."
            ),
        },
        "JobDriver": {
            "minProperties": 1,
            "maxProperties": 1,
            "x-union": True,
            "x-correction": (
                "botocore does not mark this shape as a union, but its documentation says "
                "'Exactly one of the two available job drivers is required, either "
                "sparkSqlJobDriver or sparkSubmitJobDriver.'"
            ),
        },
    },
}


@dataclass(frozen=True)
class Service:
    """An AWS API as botocore names it, and the job-run operations we transcribe from its model."""

    api: str
    name: str
    version: str
    operations: tuple[str, ...]

    @property
    def model_file(self) -> str:
        return f"{self.name}/{self.version}/service-2.json"


SERVICES = {
    service.api: service
    for service in (
        Service(
            "aws-emr-serverless",
            "emr-serverless",
            "2021-07-13",
            ("StartJobRun", "GetJobRun", "ListJobRuns", "CancelJobRun"),
        ),
        Service(
            "aws-emr-containers",
            "emr-containers",
            "2020-10-01",
            (
                "StartJobRun",
                "DescribeJobRun",
                "ListJobRuns",
                "CancelJobRun",
                # Job templates: account-level (/jobtemplates), the source of StartJobRun's jobTemplateId.
                "CreateJobTemplate",
                "DescribeJobTemplate",
                "ListJobTemplates",
                "DeleteJobTemplate",
            ),
        ),
    )
}

LOCATIONS = {"uri": "path", "querystring": "query", "header": "header"}


class Transcriber:
    """One model's shapes as JSON Schema ``$defs``, defined on first use."""

    def __init__(self, service: Service, model: Mapping[str, Any]) -> None:
        self.model, self.service, self.api = model, service, service.api
        self.defs: dict[str, Any] = {}

    def source(self, shape: str) -> list[str]:
        sources = [f"botocore {self.service.model_file} shapes.{shape}"]
        page = DOC_PAGES.get(self.api, {}).get(shape)
        return [page, *sources] if page else sources

    def ref(self, shape_name: str, *, timestamp_input: bool = False) -> dict[str, Any]:
        """A reference to a shape, defining it on first use; bare scalars are inlined."""
        shape = self.model["shapes"][shape_name]
        kind = shape["type"]
        if kind == "timestamp":
            return self.timestamp(shape_name, shape, timestamp_input)
        if kind in ("boolean", "double", "float") or (
            kind in ("string", "integer", "long") and not any(k in shape for k in ("min", "max", "pattern", "enum"))
        ):
            return self.scalar(shape)
        if shape_name not in self.defs:
            self.defs[shape_name] = {}  # placeholder first: Configuration refers to itself
            self.defs[shape_name] = self.define(shape_name, shape)
        return {"$ref": f"shapes.json#/$defs/{shape_name}"}

    def scalar(self, shape: dict[str, Any]) -> dict[str, Any]:
        kind = shape["type"]
        schema: dict[str, Any] = {
            "string": {"type": "string"},
            "integer": {"type": "integer"},
            "long": {"type": "integer"},
            "boolean": {"type": "boolean"},
            "double": {"type": "number"},
            "float": {"type": "number"},
        }[kind]
        schema = dict(schema)
        if "enum" in shape:
            schema["enum"] = list(shape["enum"])
        if kind == "string":
            if "min" in shape:
                schema["minLength"] = shape["min"]
            if "max" in shape:
                schema["maxLength"] = shape["max"]
            if "pattern" in shape:
                schema["pattern"] = shape["pattern"]
        elif kind in ("integer", "long"):
            if "min" in shape:
                schema["minimum"] = shape["min"]
            if "max" in shape:
                schema["maximum"] = shape["max"]
        if shape.get("sensitive"):
            schema["x-sensitive"] = True
        return schema

    def timestamp(self, name: str, shape: dict[str, Any], timestamp_input: bool) -> dict[str, Any]:
        fmt = shape.get("timestampFormat")
        if timestamp_input:
            return {
                "type": ["string", "number"],
                "format": "iso8601-timestamp",
                "x-timestamp": "input",
                "x-note": (
                    "a timestamp, given as epoch seconds or as an ISO 8601 date or date-time (the "
                    "form botocore's serializer sends in the query string); the format is checked "
                    "by jobrun-contracts and spells out the model's timestamp type"
                ),
                "x-source": self.source(name),
            }
        if fmt == "iso8601":
            return {
                "type": "string",
                "format": "date-time",
                "x-timestamp": "iso8601",
                "x-source": self.source(name),
            }
        return {
            "type": "number",
            "x-timestamp": "epoch-seconds",
            "x-note": "rest-json body timestamps without timestampFormat are epoch seconds",
            "x-source": self.source(name),
        }

    def define(self, name: str, shape: dict[str, Any]) -> dict[str, Any]:
        kind = shape["type"]
        schema: dict[str, Any]
        if kind == "structure":
            schema = {"type": "object", "properties": {}}
            for member, spec in shape["members"].items():
                schema["properties"][member] = self.ref(spec["shape"])
            if shape.get("required"):
                schema["required"] = list(shape["required"])
            schema["additionalProperties"] = False
            if shape.get("union"):
                schema.update({"minProperties": 1, "maxProperties": 1, "x-union": True})
        elif kind == "list":
            schema = {"type": "array", "items": self.ref(shape["member"]["shape"])}
            if "min" in shape:
                schema["minItems"] = shape["min"]
            if "max" in shape:
                schema["maxItems"] = shape["max"]
        elif kind == "map":
            schema = {
                "type": "object",
                "propertyNames": self.ref(shape["key"]["shape"]),
                "additionalProperties": self.ref(shape["value"]["shape"]),
            }
            if "min" in shape:
                schema["minProperties"] = shape["min"]
            if "max" in shape:
                schema["maxProperties"] = shape["max"]
        else:
            schema = self.scalar(shape)
        if shape.get("sensitive"):
            schema["x-sensitive"] = True
        correction = CORRECTIONS.get(self.api, {}).get(name)
        if correction:
            if "pattern" in correction:
                schema["x-source-pattern"] = shape["pattern"]
            schema.update(correction)
        schema["x-source"] = self.source(name)
        return schema

    def operation(self, operation: str) -> tuple[dict[str, Any], dict[str, Any]]:
        op = self.model["operations"][operation]
        http = op["http"]
        input_name, output_name = op["input"]["shape"], op["output"]["shape"]
        input_shape = self.model["shapes"][input_name]
        properties: dict[str, Any] = {}
        for member, spec in input_shape["members"].items():
            location = LOCATIONS.get(spec.get("location", ""), "body")
            prop = self.ref(spec["shape"], timestamp_input=location != "body")
            prop = {**prop, "x-location": location, "x-wire-name": spec.get("locationName", member)}
            if spec.get("idempotencyToken"):
                prop["x-idempotency-token"] = True
                prop["x-note"] = (
                    "required by the service; the AWS SDKs and CLI fill it in when it is "
                    "missing, so a job spec may leave it out"
                )
            properties[member] = prop
        errors = {}
        for error in op.get("errors", []):
            error_shape = self.model["shapes"][error["shape"]]
            errors[error["shape"]] = error_shape["error"]["httpStatusCode"]
        common = {
            "x-api": self.api,
            "x-operation": operation,
            "x-http": {
                "method": http["method"],
                "uri": http["requestUri"],
                "status": http.get("responseCode", 200),
                "errors": errors,
            },
        }
        request = {
            "$schema": DIALECT,
            "$id": f"{BASE_URI}/{self.api}/{operation}.request.json",
            "title": f"{operation} request",
            **common,
            "x-direction": "request",
            "x-source": self.source(input_name),
            "type": "object",
            "properties": properties,
            "required": list(input_shape.get("required", [])),
            "additionalProperties": False,
        }
        output_shape = self.model["shapes"][output_name]
        response = {
            "$schema": DIALECT,
            "$id": f"{BASE_URI}/{self.api}/{operation}.response.json",
            "title": f"{operation} response",
            **common,
            "x-direction": "response",
            "x-source": self.source(output_name),
            "type": "object",
            "properties": {m: self.ref(s["shape"]) for m, s in output_shape["members"].items()},
            "required": list(output_shape.get("required", [])),
            "additionalProperties": False,
        }
        if not response["required"]:
            del response["required"]
        return request, response

    def define_errors(self, operations: list[str]) -> None:
        """Define the body of every error the operations declare: botocore reads ``message``."""
        for operation in operations:
            for error in self.model["operations"][operation].get("errors", []):
                self.ref(error["shape"])


@dataclass(frozen=True)
class Model:
    """A botocore service model as read, with where it came from."""

    document: Mapping[str, Any]
    origin: str  # "botocore 1.44.8" or the file it was read from
    version: str | None  # botocore's version, when read from the installed botocore


def installed_model(service: Service) -> Model:
    """The model the installed botocore ships (its ``data/`` tree), without importing a client."""
    try:
        import botocore
    except ImportError:
        raise UsageError(
            "botocore is not installed: install jobrun-contracts[aws], or give a model with --model"
        ) from None
    data = Path(botocore.__file__).parent / "data" / service.name / service.version
    for name in ("service-2.json.gz", "service-2.json"):
        if (data / name).is_file():
            return Model(_read(data / name), f"botocore {botocore.__version__}", botocore.__version__)
    raise UsageError(f"botocore {botocore.__version__} has no model {service.model_file}")


def model_from_file(path: Path) -> Model:
    return Model(_read(path), str(path), None)


def _read(path: Path) -> Mapping[str, Any]:
    """A ``service-2.json`` or ``service-2.json.gz``; anything else is one line, exit 2."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        document = json.loads(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError(
            f"cannot read the model: {getattr(error, 'strerror', None) or error}", path=str(path)
        ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise InputError(f"not a botocore model (not JSON: {error})", path=str(path)) from None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("shapes"), dict)
        or not isinstance(document.get("operations"), dict)
    ):
        raise InputError("not a botocore model (no 'operations' and 'shapes')", path=str(path))
    return document


def transcribe(service: Service, model: Model) -> dict[str, dict[str, Any]]:
    """Every schema file of one API, by file name, as the model gives them."""
    t = Transcriber(service, model.document)
    files: dict[str, dict[str, Any]] = {}
    try:
        for operation in service.operations:
            request, response = t.operation(operation)
            files[f"{operation}.request.json"] = request
            files[f"{operation}.response.json"] = response
        t.define_errors(list(service.operations))
    except (KeyError, TypeError) as error:
        raise InputError(f"the model lacks what a job-run operation needs: {error}", path=model.origin) from None
    files["shapes.json"] = {
        "$schema": DIALECT,
        "$id": f"{BASE_URI}/{service.api}/shapes.json",
        "title": f"Shapes shared by the {service.api} job-run operations",
        "x-api": service.api,
        "x-source": [f"botocore {service.model_file}"],
        "$defs": dict(sorted(t.defs.items())),
    }
    return files


def record_entry(service: Service, model: Model) -> dict[str, Any]:
    """What ``schemas/sources.json`` says of the model an API was transcribed from."""
    return {
        "source": "botocore",
        "version": model.version,
        "model": service.model_file,
        "sha256": content_digest(model.document),
        "operations": sorted(model.document["operations"]),
    }
