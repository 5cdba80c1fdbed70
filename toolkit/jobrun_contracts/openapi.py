"""OpenAPI 3.1 documents of each API's job-run operations, built from our schemas, for OpenAPI tools.

Schemathesis, Prism or a code generator cannot read our layout (one schema file per operation and
direction, wire placement in ``x-location``), so this writes the same constraints where OpenAPI
puts them: path and query members become parameters under their wire names, body members the
request body, ``shapes.json`` the ``components/schemas``. The ``x-*`` annotations are kept.

What an OpenAPI tool must be told:

- ``format: iso8601-timestamp`` (request timestamps) is ours: register it, e.g.
  ``schemathesis.openapi.format("iso8601-timestamp", strategy)``, or the tool treats it as an
  annotation and draws any string. ``date-time`` is the standard one.
- Patterns are written as the services read them (the whole value, Java's classes): anchored,
  every class spelled out, in a syntax ECMA-262 (``u`` flag), Python ``re`` and Rust read alike.
  The schema's own pattern is kept in ``x-service-pattern``.
- Integer path and query parameters without bounds get the Java long range: the services parse
  them as longs, so a longer one is a type error on the wire, not a number.
- Alibaba's ``x-wire-encoding: json`` members are parameters with ``content: application/json``:
  the SDK sends them as JSON-encoded strings.
- Request objects are open: the services' deserialisers (and the emulator) drop members they do not
  know, so an unknown member is not an invalid request on the wire. Where a shape closes an object,
  the request side refers to a ``<Shape>.request`` copy without ``additionalProperties: false``,
  marked ``x-unknown-members: ignored``; responses keep the closed shape.

See docs/openapi.md for what the document cannot say.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from importlib import metadata
from typing import Any
from urllib.parse import unquote, urljoin

from .core import pointers, registry
from .core.patterns import portable as portable_pattern
from .core.registry import Field, Operation
from .core.shapes import operation_shape
from .errors import SchemaError
from .wire.codec import LONG

OPENAPI_VERSION = "3.1.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: The regional endpoints the SDKs call (botocore's endpoint rules; the Alibaba SDK's ``regional`` rule).
SERVERS = {
    "aws-emr-serverless": ("https://emr-serverless.{region}.amazonaws.com", "us-east-1"),
    "aws-emr-containers": ("https://emr-containers.{region}.amazonaws.com", "us-east-1"),
    "alibaba-emr-serverless-spark": ("https://emr-serverless-spark.{region}.aliyuncs.com", "cn-hangzhou"),
}

#: AWS answers a body that does not deserialise with 400 SerializationException, undeclared in the models.
AWS_PROTOCOL_ERRORS = {"SerializationException": 400}

#: Alibaba's schemas declare no errors (its error-code page is not a source); these statuses are the
#: ones docs/emulator.md chooses, with the body the SDK reads (shapes.json ErrorResponse).
ALIBABA_ERRORS = {
    400: "the request is refused: a parameter is missing or not valid",
    404: "no such workspace or job run",
}

_AWS_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "x-note": "the body botocore reads an error's message from; which error it is travels in x-amzn-ErrorType",
    "x-source": ["botocore parsers.py BaseJSONParser._do_error_parse, RestJSONParser._inject_error_code"],
}
_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")
_TOP_LEVEL = {"$schema", "$id", "$defs", "title", "type", "properties", "required", "additionalProperties"}
_NOT_SCHEMAS = {"enum", "const", "required", "examples", "default"}
#: A condition between members (EMR on EKS: without a job template, a role, a release and a driver)
#: goes into the body's schema when every member it names travels in the body.
_CONDITIONS = {"if", "then", "else"}
_SCHEMA_MAPS = {"properties", "patternProperties", "dependentSchemas", "$defs"}
_NO_PLACE = {"$id", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor"}
#: Where a request object is open although its schema closes it: the wire drops unknown members.
UNKNOWN_MEMBERS = "x-unknown-members"
#: The suffix of a shape's request-side copy, when opening its objects changes it.
REQUEST_SUFFIX = ".request"


def _body_only_conditions(op: Operation, request: dict[str, Any]) -> bool:
    named = {name for keyword in _CONDITIONS for name in request.get(keyword, {}).get("required", ())}
    body = {f.name for f in op.fields if f.location == "body" and f.name == f.wire_name}
    return all(set(request.get(keyword, {})) <= {"required"} for keyword in _CONDITIONS) and named <= body


def openapi_document(api: str, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of one API's job-run operations; a fresh copy, so callers may mutate it.

    ``server_url`` (the emulator's URL, say) replaces the service's regional endpoint in ``servers``.
    """
    document = copy.deepcopy(_document(api))
    if server_url is not None:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "given by the caller"}]
    return document


@cache
def _document(api: str) -> dict[str, Any]:
    registry.check_api(api)
    return _Builder(api).build()


def _version() -> str:
    try:
        return metadata.version("jobrun-contracts")
    except metadata.PackageNotFoundError:  # a checkout on sys.path without an install
        return "0+unknown"


class _Builder:
    """One pass over an API's schemas: operations into paths, every referenced ``$defs`` into components."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.documents = dict(registry.resources(api))
        self.resolver = registry.referencing_registry(api).resolver()
        self.components: dict[str, Any] = {}
        self.names: dict[tuple[str, str, bool], str] = {}
        self.closing: dict[tuple[str, str], bool] = {}

    def build(self) -> dict[str, Any]:
        url, region = SERVERS[self.api]
        if not self.api.startswith("alibaba-"):
            self.add("AwsError", copy.deepcopy(_AWS_ERROR))
        paths: dict[str, dict[str, Any]] = {}
        for op in registry.operations(self.api):
            paths.setdefault(op.uri, {})[op.method.lower()] = self.operation(op)
        return {
            "openapi": OPENAPI_VERSION,
            "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
            "info": {
                "title": f"{self.api} job runs",
                "version": _version(),
                "description": f"The job-run operations of {self.api}, generated by jobrun-contracts from its "
                "JSON Schemas. Constraints are those the schemas document; see docs/openapi.md for the limits. "
                "Request objects are open (x-unknown-members: ignored) because the services drop members they "
                "do not know; responses are closed.",
            },
            "servers": [{"url": url, "description": "the service", "variables": {"region": {"default": region}}}],
            "x-api": self.api,
            "paths": paths,
            "components": {"schemas": dict(sorted(self.components.items()))},
        }

    def operation(self, op: Operation) -> dict[str, Any]:
        request = registry.schema(self.api, op.name, "request")
        response = registry.schema(self.api, op.name, "response")
        unknown = set(request) - _TOP_LEVEL - {k for k in request if k.startswith("x-")}
        if _body_only_conditions(op, request):
            unknown -= _CONDITIONS
        if unknown:  # a keyword across members cannot be split between parameters and body
            raise SchemaError(f"{self.api} {op.name}: top-level {', '.join(sorted(unknown))} has no OpenAPI place")
        base = request["$id"]
        item: dict[str, Any] = {"operationId": op.name}
        parameters = [
            self.parameter(op, f, request["properties"][f.name], base) for f in op.fields if f.location != "body"
        ]
        if parameters:
            item["parameters"] = parameters
        body = [f for f in op.fields if f.location == "body"]
        if body:
            self.add(f"{op.name}Request", self.body(op, request, body))
            item["requestBody"] = {
                "required": any(f.required for f in body),
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.name}Request"}}},
            }
        self.add(f"{op.name}Response", self.embedded(response))
        success = {"$ref": f"#/components/schemas/{op.name}Response"}
        item["responses"] = {
            str(op.status): {
                "description": f"{op.name} succeeded",
                "content": {"application/json": {"schema": success}},
            },
            **self.errors(op, base),
        }
        return item

    def parameter(self, op: Operation, field: Field, spec: dict[str, Any], base: str) -> dict[str, Any]:
        schema = self.rewrite(spec, base, request=True)
        if schema.get("x-timestamp") == "input" and isinstance(schema.get("type"), list) and not field.wire_encoding:
            # botocore writes an epoch-seconds input as ISO 8601 here: on the wire it is always a string
            schema["x-input-type"], schema["type"] = schema["type"], "string"
        parameter: dict[str, Any] = {
            "name": field.wire_name,
            "in": field.location,
            "required": field.location == "path" or field.required,
            "x-member": field.name,
        }
        if field.wire_encoding == "json":
            parameter["content"] = {"application/json": {"schema": schema}}
        elif field.wire_encoding is not None:
            raise SchemaError(f"{self.api} {field.name}: unknown x-wire-encoding {field.wire_encoding!r}")
        else:
            if schema.get("type") == "integer":
                # In a path or query the integer is text the service parses as a Java long (our
                # codec likewise): a longer one is a type error, not a number, so say the range.
                schema.setdefault("minimum", LONG[0])
                schema.setdefault("maximum", LONG[1])
            parameter["schema"] = schema
            if (
                field.location == "query"
                and operation_shape(self.api, op.name, "request").properties[field.name].type == "array"
            ):
                parameter["style"], parameter["explode"] = "form", True  # repeated keys: states=A&states=B
        return parameter

    def body(self, op: Operation, request: dict[str, Any], fields: list[Field]) -> dict[str, Any]:
        base = request["$id"]
        schema: dict[str, Any] = {"title": f"{op.name} request body", "type": "object"}
        schema["properties"] = {
            f.wire_name: self.rewrite(request["properties"][f.name], base, request=True) for f in fields
        }
        required = [f.wire_name for f in fields if f.required]
        if required:
            schema["required"] = required
        schema.update((k, copy.deepcopy(v)) for k, v in request.items() if k.startswith("x-") or k in _CONDITIONS)
        if request.get("additionalProperties") is False:
            schema[UNKNOWN_MEMBERS] = "ignored"
        elif "additionalProperties" in request:
            schema["additionalProperties"] = self.rewrite(request["additionalProperties"], base, request=True)
        return schema

    def embedded(self, document: dict[str, Any]) -> dict[str, Any]:
        """A whole schema document as a component, without ``$id``: its refs now point into this document."""
        rest = {k: v for k, v in document.items() if k not in ("$schema", "$id", "$defs")}
        return dict(self.rewrite(rest, document["$id"]))

    def errors(self, op: Operation, base: str) -> dict[str, Any]:
        grouped: dict[int, list[str]] = {}
        for name, status in op.errors.items():
            grouped.setdefault(status, []).append(name)
        if self.api.startswith("alibaba-"):
            body = {"$ref": self.ref(urljoin(base, "shapes.json#/$defs/ErrorResponse"))}
            return {
                str(status): {
                    "description": " or ".join(grouped.get(status, [])) or ALIBABA_ERRORS[status],
                    "content": {"application/json": {"schema": body}},
                }
                for status in sorted(set(grouped) | set(ALIBABA_ERRORS))
            }
        for name, status in AWS_PROTOCOL_ERRORS.items():
            if name not in op.errors:
                grouped.setdefault(status, []).append(name)
        return {str(status): _aws_error(names) for status, names in sorted(grouped.items())}

    # -- schemas ------------------------------------------------------------------------------

    def rewrite(self, node: Any, base: str, *, request: bool = False) -> Any:
        """A copy with refs into components and patterns as the services read them.

        On the ``request`` side, closed objects are opened: the wire drops members it does not know.
        """
        if isinstance(node, list):
            return [self.rewrite(item, base, request=request) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        opened = request and node.get("additionalProperties") is False
        if opened and ("minProperties" in node or "maxProperties" in node):
            node = _known_member_count(node, base)
        for key, value in node.items():
            if key == "$ref":
                out[key] = self.ref(urljoin(base, value), request=request)
            elif key == "additionalProperties" and opened:
                out[UNKNOWN_MEMBERS] = "ignored"
            elif key == "pattern" and isinstance(value, str):
                out[key], out["x-service-pattern"] = portable_pattern(value), value
            elif key in _NO_PLACE:
                raise SchemaError(f"{base}: {key} inside a schema has no place in an OpenAPI document")
            elif key.startswith("x-") or key in _NOT_SCHEMAS:
                out[key] = copy.deepcopy(value)
            elif key in _SCHEMA_MAPS:
                out[key] = {name: self.rewrite(sub, base, request=request) for name, sub in value.items()}
            else:
                out[key] = self.rewrite(value, base, request=request)
        return out

    def ref(self, target: str, *, request: bool = False) -> str:
        url, definition, tail = self.split_ref(target)
        name = self.define(url, definition, request=request and self.closes(url, definition))
        return "/".join([f"#/components/schemas/{name}", *tail])

    def split_ref(self, target: str) -> tuple[str, str, list[str]]:
        """A ref's schema file, ``$defs`` entry and the pointer's rest, still escaped."""
        url, _, fragment = target.partition("#")
        parts = unquote(fragment).split("/")
        if url not in self.documents or parts[:2] != ["", "$defs"] or len(parts) < 3:
            raise SchemaError(f"{target}: only references to a schema file's $defs can become components")
        return url, pointers.unescape(parts[2]), parts[3:]

    def define(self, url: str, definition: str, *, request: bool = False) -> str:
        """The component of a ``$defs`` entry; ``request``: its copy with closed objects opened."""
        if (url, definition, request) in self.names:
            return self.names[(url, definition, request)]
        stem = url.rsplit("/", 1)[-1].removesuffix(".json")
        name = definition if stem == "shapes" else f"{stem}.{definition}"  # operation-local $defs keep their file
        name += REQUEST_SUFFIX if request else ""
        shapes = self.documents[url].get("$defs", {})
        if definition not in shapes:
            raise SchemaError(f"{url}: no $defs/{definition}")
        self.names[(url, definition, request)] = name
        self.add(name, {})  # taken before recursing: shapes such as Configuration refer to themselves
        self.components[name] = self.rewrite(shapes[definition], url, request=request)
        return name

    def closes(self, url: str, definition: str) -> bool:
        """Whether a ``$defs`` entry closes an object anywhere inside, following refs: its request copy differs."""
        key = (url, definition)
        if key not in self.closing:
            self.closing[key] = False  # a shape that refers to itself adds nothing by doing so
            shape = self.documents[url].get("$defs", {}).get(definition, {})
            self.closing[key] = self._closes(shape, url)
        return self.closing[key]

    def _closes(self, node: Any, base: str) -> bool:
        if isinstance(node, list):
            return any(self._closes(item, base) for item in node)
        if not isinstance(node, dict):
            return False
        for key, value in node.items():
            if key == "additionalProperties" and value is False:
                return True
            if key == "$ref" and isinstance(value, str):
                url, definition, _ = self.split_ref(urljoin(base, value))
                if self.closes(url, definition):
                    return True
            elif not key.startswith("x-") and key not in _NOT_SCHEMAS and self._closes(value, base):
                return True
        return False

    def add(self, name: str, schema: dict[str, Any]) -> None:
        if not _COMPONENT_NAME.fullmatch(name):
            raise SchemaError(f"{self.api}: {name!r} cannot name an OpenAPI component")
        if name in self.components:
            raise SchemaError(f"{self.api}: two schemas would both be components/schemas/{name}")
        self.components[name] = schema


def _known_member_count(node: dict[str, Any], base: str) -> dict[str, Any]:
    """A union (exactly one member set) said over its known members, as it must be once unknown ones may come.

    ``minProperties``/``maxProperties`` count every member, and the wire drops the unknown ones
    before it counts: ``{"sparkSubmit": {...}, "extra": 1}`` is one member there. ``oneOf`` over
    ``required`` counts only the members the union names.
    """
    if (node.get("minProperties"), node.get("maxProperties")) != (1, 1) or not node.get("properties"):
        raise SchemaError(f"{base}: only an exactly-one-member union can count its known members when opened")
    counted = {k: v for k, v in node.items() if k not in ("minProperties", "maxProperties")}
    counted["oneOf"] = [{"required": [name]} for name in node["properties"]]
    return counted


def _aws_error(names: list[str]) -> dict[str, Any]:
    alternatives = "|".join(re.escape(name) for name in names)
    return {
        "description": " or ".join(names),
        "headers": {
            "x-amzn-ErrorType": {
                "description": "the error's name, read by botocore first (it drops a 'ns#' prefix, a ':...' tail)",
                "required": True,
                "schema": {"type": "string", "pattern": f"^(?:[^#:]*#)?(?:{alternatives})(?::.*)?$"},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AwsError"}}},
        "x-errors": names,
    }
