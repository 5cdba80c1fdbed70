"""YAML job specs as plain data: safe tags only, no duplicate keys, bounded alias expansion.

CloudFormation's short-form intrinsic functions (``!Ref App``, ``!GetAtt Role.Arn``, ``!Sub ...``)
are the one exception: each becomes the plain mapping CloudFormation reads it as (``{"Ref": "App"}``,
``{"Fn::GetAtt": ["Role", "Arn"]}``), so a template is data like any other document. They are
taken in every document, since a template cannot be told from its text before it is read (its
``AWSTemplateFormatVersion`` is optional); outside one, such a value is checked as the mapping it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from ...errors import InputError
from ..pointers import escape as _escape
from .model import MAX_BYTES, MAX_DEPTH, MAX_VALUES, Document

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
#: Every short form the CloudFormation "Intrinsic function reference" lists (``Fn::Length``,
#: ``Fn::ToJsonString``, ``Fn::ForEach`` and the rule functions have none), and the long form each
#: stands for: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
#: (``!Condition``: its ``Condition`` page; ``!Transform`` is ``Fn::Transform``, as the AWS CLI's
#: ``cloudformation package`` and cfn-lint read it).
SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "GetStackOutput",
            "If", "ImportValue", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform",
        )
    },
}  # fmt: skip


def _plain_resolvers(loader: type[Any]) -> None:
    """Dates stay the strings the author wrote: no implicit timestamp tag."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _intrinsic(loader: Any, node: yaml.Node) -> dict[str, Any]:
    """``!Name value`` as CloudFormation reads it: ``{"Fn::Name": value}``; ``!GetAtt A.B`` splits at its first dot."""
    name = SHORT_FORMS[node.tag]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


def _intrinsics(loader: type[Any]) -> None:
    for tag in SHORT_FORMS:
        loader.add_constructor(tag, _intrinsic)  # on this class only: yaml.SafeLoader is left as it is


class PythonLoader(yaml.SafeLoader):
    """The safe loader in pure Python (PyYAML built without libyaml)."""


_plain_resolvers(PythonLoader)
_intrinsics(PythonLoader)
LOADERS: dict[str, type[Any]] = {"python": PythonLoader}
if getattr(yaml, "__with_libyaml__", False):

    class CLoader(yaml.CSafeLoader):  # type: ignore[name-defined, misc, unused-ignore]
        """The safe loader on libyaml's C parser: the same resolvers and constructors, parsed in C."""

    _plain_resolvers(CLoader)
    _intrinsics(CLoader)
    LOADERS["c"] = CLoader
#: The fastest loader this PyYAML has; both apply the same checks below.
DEFAULT_LOADER = LOADERS.get("c", PythonLoader)


def parse_yaml(
    text: str,
    path: str,
    max_depth: int = MAX_DEPTH,
    loader: type[Any] | None = None,
    max_values: int = MAX_VALUES,
) -> list[Document]:
    parser = (loader or DEFAULT_LOADER)(text)
    documents: list[Document] = []
    # nodes, and characters of text, after alias expansion: an alias of a long string is one node
    budget = [min(max_values, max(100_000, len(text) * 2)), max(MAX_BYTES, len(text) * 2)]
    aliased = "&" in text and "*" in text  # no anchor or no alias: the text is the file's own
    try:
        index = 0
        while parser.check_node():
            node = parser.get_node()
            index += 1
            if node is None:
                continue
            _check_node(node, path, max_depth, budget, set())
            if aliased:
                _check_text(node, path, budget)
            data = parser.construct_document(node)
            if data is None:
                continue
            documents.append(Document(path, index, data, format="yaml", find_lines=_lines_of(node)))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = (error.problem or error.context or "malformed").splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", path=path, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {str(error).splitlines()[0]}", path=path) from None
    except (ValueError, OverflowError) as error:  # e.g. an integer too long for int()
        raise InputError(f"invalid YAML: {_plain(error)}", path=path) from None
    except RecursionError:
        raise InputError(f"nested deeper than {max_depth} levels (--max-depth)", path=path) from None
    finally:
        parser.dispose()
    if not documents:
        raise InputError("empty document", path=path)
    return documents


def _lines_of(root: yaml.Node) -> Callable[[frozenset[str] | None], dict[str, int]]:
    def find(wanted: frozenset[str] | None) -> dict[str, int]:
        keep = (
            None if wanted is None else {"/".join(p.split("/")[:i]) for p in wanted for i in range(1, p.count("/") + 2)}
        )
        lines: dict[str, int] = {}
        stack: list[tuple[yaml.Node, str]] = [(root, "")]
        seen: set[tuple[int, str]] = set()
        while stack:
            node, pointer = stack.pop()
            if (id(node), pointer) in seen:
                continue
            seen.add((id(node), pointer))
            if keep is not None and pointer not in keep:
                continue  # neither asked for nor on the way to what was
            lines.setdefault(pointer, node.start_mark.line + 1)
            if node.tag in SHORT_FORMS:  # the value is {"Fn::Name": ...}: what the node holds is one level down
                pointer = f"{pointer}/{_escape(SHORT_FORMS[node.tag])}"
                lines.setdefault(pointer, node.start_mark.line + 1)
            if isinstance(node, yaml.SequenceNode):
                stack.extend((child, f"{pointer}/{i}") for i, child in enumerate(node.value))
            elif isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        stack.append((value_node, pointer))
                    else:
                        stack.append((value_node, f"{pointer}/{_escape(key_node.value)}"))
        return lines

    return find


def _check_node(node: yaml.Node, path: str, depth: int, budget: list[int], active: set[int]) -> None:
    """Plain tags, string keys, no duplicates, the alias budget, the depth limit, no recursive alias."""
    line = node.start_mark.line + 1
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(
            "too many values (--max-values), counting what aliases expand to: an alias bomb?", path=path, line=line
        )
    if node.tag in SHORT_FORMS:
        if depth <= 0:  # it stands for a mapping: one level, as its long form would be
            raise InputError("nested deeper than the limit (--max-depth)", path=path, line=line)
        depth -= 1
    elif node.tag not in _PLAIN_TAGS and node.tag != "tag:yaml.org,2002:merge":
        raise InputError(f"YAML tag '{node.tag}' is not allowed: job specs are plain data", path=path, line=line)
    if isinstance(node, yaml.ScalarNode):
        return
    if depth <= 0:
        raise InputError("nested deeper than the limit (--max-depth)", path=path, line=line)
    if id(node) in active:
        raise InputError("an alias refers to its own ancestor (a recursive document)", path=path, line=line)
    active.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _check_node(child, path, depth - 1, budget, active)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _check_node(value_node, path, depth - 1, budget, active)
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                what = "a collection" if not isinstance(key_node, yaml.ScalarNode) else f"'{key_node.value}'"
                raise InputError(f"key {what} is not a string (quote it)", path=path, line=key_node.start_mark.line + 1)
            key = key_node.value
            if key in seen:
                raise InputError(
                    f"duplicate key '{key}' (ambiguous: which one is meant?)",
                    path=path,
                    line=key_node.start_mark.line + 1,
                )
            seen.add(key)
            _check_node(value_node, path, depth - 1, budget, active)
    active.discard(id(node))


def _check_text(root: yaml.Node, path: str, budget: list[int]) -> None:
    """The text of a document with aliases, counting each as all it stands for: an alias of a long string
    is one node, but the whole string again for everything that reads it. (Without one the text is at
    most the file's, and this walk is skipped.) Runs after ``_check_node``: no recursion is left."""
    stack = [root]
    while stack:
        node = stack.pop()
        value = node.value
        if isinstance(value, str):
            budget[1] -= len(value)
            if budget[1] < 0:
                line = node.start_mark.line + 1
                raise InputError("too much text, counting what aliases expand to: an alias bomb?", path=path, line=line)
        elif isinstance(node, yaml.MappingNode):
            for pair in value:
                stack.extend(pair)
        else:
            stack.extend(value)


def _plain(error: Exception) -> str:
    """Python's advice to raise a limit is not the user's to take: say what the value was."""
    text = str(error)
    if "integer string conversion" in text:
        return "an integer too long to read (more than 4300 digits)"
    return text.splitlines()[0] if text else type(error).__name__
