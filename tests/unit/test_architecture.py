"""The package's shape holds: no runtime import cycles, no part reaching into another's private names.

The layer order itself is import-linter's contract in pyproject.toml, run by .ci/run (lint-imports).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

import jobrun_contracts

PACKAGE = Path(jobrun_contracts.__file__).parent


def part(module: str) -> str:
    """The part a module belongs to: its first level below the root (``core``, ``wire``, ...)."""
    return module.split(".")[1] if "." in module else ""


def test_no_runtime_import_cycles() -> None:
    graph = grimp.build_graph("jobrun_contracts", exclude_type_checking_imports=True, cache_dir=None)
    cycles = {
        tuple(sorted((module, imported)))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    }
    assert cycles == set()


def test_no_part_imports_another_parts_private_names() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("jobrun_contracts", *path.relative_to(PACKAGE).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if part(target) == part(module):
                continue
            private = [p for p in target.split(".")[1:] if p.startswith("_")]
            private += [a.name for a in node.names if a.name.startswith("_")]
            if private:
                offences.append(f"{module} imports {', '.join(private)} from {target}")
    assert offences == []
