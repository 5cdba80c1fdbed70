"""YAML job specs as plain data: safe tags only, no duplicate keys, bounded alias expansion."""

from __future__ import annotations

import yaml

from ...errors import InputError
from ..pointers import escape as _escape
from .model import MAX_DEPTH, Document

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Loader(yaml.SafeLoader):
    """The safe loader, with dates left as the strings the author wrote."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, path: str, max_depth: int = MAX_DEPTH) -> list[Document]:
    loader = _Loader(text)
    documents: list[Document] = []
    budget = [max(100_000, len(text) * 2)]  # nodes after alias expansion
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            index += 1
            if node is None:
                continue
            lines: dict[str, int] = {}
            _check_node(node, "", lines, path, max_depth, budget, set())
            data = loader.construct_document(node)
            if data is None:
                continue
            documents.append(Document(path, index, data, lines))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "malformed"
        raise InputError(f"invalid YAML: {problem}", path=path, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {error}", path=path) from None
    except RecursionError:
        raise InputError(f"nested deeper than {max_depth} levels (--max-depth)", path=path) from None
    finally:
        loader.dispose()
    if not documents:
        raise InputError("empty document", path=path)
    return documents


def _check_node(
    node: yaml.Node, pointer: str, lines: dict[str, int], path: str, depth: int, budget: list[int], active: set[int]
) -> None:
    line = node.start_mark.line + 1
    lines.setdefault(pointer, line)
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError("aliases expand to too many values (an alias bomb?)", path=path, line=line)
    if node.tag not in _PLAIN_TAGS and not (node.tag == "tag:yaml.org,2002:merge"):
        raise InputError(f"YAML tag '{node.tag}' is not allowed: job specs are plain data", path=path, line=line)
    if isinstance(node, yaml.ScalarNode):
        return
    if depth <= 0:
        raise InputError("nested deeper than the limit (--max-depth)", path=path, line=line)
    if id(node) in active:
        raise InputError("an alias refers to its own ancestor (a recursive document)", path=path, line=line)
    active.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _check_node(child, f"{pointer}/{index}", lines, path, depth - 1, budget, active)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _check_node(value_node, pointer, lines, path, depth - 1, budget, active)
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
            _check_node(value_node, f"{pointer}/{_escape(key)}", lines, path, depth - 1, budget, active)
    active.discard(id(node))
