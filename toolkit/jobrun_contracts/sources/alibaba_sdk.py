"""Read the official Alibaba SDK's job-run operations: members, wire names, places and types.

The SDK ``alibabacloud-emr-serverless-spark20230808`` is generated from Alibaba's API metadata,
so it is the machine-readable source for names and the wire encoding. It is read as source text
(``ast``), never imported: its generated ``to_map`` methods say each member's wire name, its
``__init__`` annotations the type, and the client's ``*_with_options`` methods where each request
member travels (path, query or body, and which are JSON-encoded in the query).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path

from ..errors import InputError, UsageError

PACKAGE = "alibabacloud_emr_serverless_spark20230808"
DISTRIBUTION = "alibabacloud-emr-serverless-spark20230808"
OPERATIONS = ("StartJobRun", "GetJobRun", "ListJobRuns", "CancelJobRun")


@dataclass(frozen=True)
class Type:
    """A member's type as the SDK declares it: a JSON kind, and what it holds."""

    kind: str  # string, integer, number, boolean, array, map, object
    item: Type | None = None  # of an array or a map
    model: str | None = None  # the model class of an object


@dataclass(frozen=True)
class Member:
    wire_name: str
    attribute: str
    type: Type
    location: str = "body"  # for top-level request members: path, query or body
    json_encoded: bool = False


@dataclass
class Operation:
    name: str
    method: str
    pathname: str  # with {camelCase} placeholders, as our schemas write URIs
    request: list[Member] = field(default_factory=list)
    response: str = ""  # the model class of the response body


_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Sdk:
    """The installed SDK's sources, parsed on demand."""

    def __init__(self, root: Path, version: str | None) -> None:
        self.root, self.version = root, version
        self.origin = f"{DISTRIBUTION} {version}" if version else str(root)
        self._classes: dict[str, ast.ClassDef] = {}

    @classmethod
    def installed(cls) -> Sdk:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise UsageError(
                f"the Alibaba SDK is not installed: pip install {DISTRIBUTION}, or give its folder with --model"
            )
        return cls(Path(next(iter(spec.submodule_search_locations))), metadata.version(DISTRIBUTION))

    @classmethod
    def at(cls, root: Path) -> Sdk:
        """An SDK's package folder (``client.py`` and ``models/``), e.g. unpacked from a newer wheel."""
        if not (root / "client.py").is_file() or not (root / "models").is_dir():
            raise InputError("not the Alibaba SDK's package folder (no client.py and models/)", path=str(root))
        return cls(root, None)

    @cached_property
    def _client(self) -> ast.Module:
        return _parse(self.root / "client.py")

    def operation_names(self) -> list[str]:
        """Every operation the client offers: the ``action`` of each ``<op>_with_options``."""
        names = set()
        for node in ast.walk(self._client):
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_with_options"):
                for keyword in ast.walk(node):
                    if (
                        isinstance(keyword, ast.keyword)
                        and keyword.arg == "action"
                        and isinstance(keyword.value, ast.Constant)
                    ):
                        names.add(str(keyword.value.value))
        return sorted(names)

    def model(self, name: str) -> ast.ClassDef:
        """A model class, found in whichever ``models/_*.py`` file defines it."""
        if name not in self._classes:
            for path in sorted((self.root / "models").glob("_*.py")):
                if f"class {name}(" not in path.read_text(encoding="utf-8"):
                    continue
                for node in _parse(path).body:
                    if isinstance(node, ast.ClassDef):
                        self._classes.setdefault(node.name, node)
            if name not in self._classes:
                raise InputError(f"the SDK has no model {name}", path=self.origin)
        return self._classes[name]

    def members(self, model: str) -> list[Member]:
        """A model's members: wire names from ``to_map``, types from ``__init__``."""
        node = self.model(model)
        types = {}
        wire = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                for arg in item.args.args[1:]:
                    if arg.annotation is not None:
                        types[arg.arg] = _type(arg.annotation)
            if isinstance(item, ast.FunctionDef) and item.name == "to_map":
                for statement in item.body:
                    keys = {
                        n.slice.value
                        for n in ast.walk(statement)
                        if isinstance(n, ast.Subscript)
                        and isinstance(n.value, ast.Name)
                        and n.value.id == "result"
                        and isinstance(n.slice, ast.Constant)
                        and isinstance(n.slice.value, str)
                    }
                    attributes = {
                        n.attr
                        for n in ast.walk(statement)
                        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
                    }
                    if len(keys) == 1 and len(attributes) == 1:
                        wire[next(iter(attributes))] = next(iter(keys))
        return [Member(wire[a], a, types[a]) for a in types if a in wire]

    def operation(self, name: str) -> Operation:
        """Where each request member travels, read from the client's ``<op>_with_options``."""
        method_name = f"{_snake(name)}_with_options"
        function = next(
            (n for n in ast.walk(self._client) if isinstance(n, ast.FunctionDef) and n.name == method_name), None
        )
        if function is None:
            raise InputError(f"the SDK has no client method {method_name}", path=self.origin)
        request_model = f"{name}Request"
        types = {m.attribute: m.type for m in self.members(request_model)}
        operation = Operation(name, "", "", response=f"{name}ResponseBody")
        path_args = [a.arg for a in function.args.args[1:] if a.arg not in ("request", "tmp_req", "headers", "runtime")]
        for arg in path_args:
            operation.request.append(Member(_camel(arg), arg, Type("string"), location="path"))
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("query", "body")
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(value, ast.Attribute)
                ):
                    attribute = value.attr.removesuffix("_shrink")
                    operation.request.append(
                        Member(
                            str(target.slice.value),
                            attribute,
                            types.get(attribute, Type("string")),
                            location=target.value.id,
                            json_encoded=value.attr.endswith("_shrink"),
                        )
                    )
            if isinstance(node, ast.keyword) and node.arg == "method" and isinstance(node.value, ast.Constant):
                operation.method = str(node.value.value)
            if isinstance(node, ast.keyword) and node.arg == "pathname":
                operation.pathname = _pathname(node.value)
        return operation


def _type(annotation: ast.expr) -> Type:
    """``str``, ``List[main_models.Tag]``, ``Dict[str, Any]``, ``main_models.JobDriver`` (string annotations too)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return _type(ast.parse(annotation.value, mode="eval").body)
    if isinstance(annotation, ast.Name):
        return Type(_SCALARS.get(annotation.id, "any"))
    if isinstance(annotation, ast.Attribute):
        return Type("object", model=annotation.attr)
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        inner = annotation.slice
        if annotation.value.id == "List":
            return Type("array", item=_type(inner))
        if annotation.value.id == "Dict" and isinstance(inner, ast.Tuple):
            return Type("map", item=_type(inner.elts[1]))
    return Type("any")


def _pathname(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    parts = []
    for value in node.values if isinstance(node, ast.JoinedStr) else ():
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        elif isinstance(value, ast.FormattedValue):
            names = [n.id for n in ast.walk(value.value) if isinstance(n, ast.Name) and n.id.islower()]
            parts.append("{" + _camel(names[-1]) + "}" if names else "{}")
    return "".join(parts)


def _parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
        raise InputError(f"cannot read the SDK source: {error}", path=str(path)) from None
