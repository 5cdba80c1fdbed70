"""The schemas agree with the doc pages they cite (drift from the models is tests/unit/test_drift.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jobrun_contracts.core import registry, resources
from support import ROOT

DOCS = ROOT.parent / "shared" / "docs"


def page_constraints(text: str) -> dict[str, dict[str, Any]]:
    """Constraints stated per field on an AWS API reference page (as saved under shared/docs)."""
    fields: dict[str, dict[str, Any]] = {}
    for block in re.split(r"\n\s*- (?=\w+\s*\n)", text):
        name = block.split("\n", 1)[0].strip()
        found: dict[str, Any] = {}
        if m := re.search(r"Length Constraints: Minimum length of (\d+)\. Maximum length of (\d+)\.", block):
            found["minLength"], found["maxLength"] = int(m[1]), int(m[2])
        if m := re.search(r"Valid Range: Minimum value of (\d+)\. Maximum value of (\d+)\.", block):
            found["minimum"], found["maximum"] = int(m[1]), int(m[2])
        if m := re.search(r"Pattern:\n(.+?)(?:Required:|$| - )", block):
            found["pattern"] = m[1].strip()
        if m := re.search(r"Valid Values:\n(.+?)Required", block):
            found["enum"] = [v.strip() for v in m[1].split("|")]
        if found:
            fields[name] = found
    return fields


@pytest.mark.skipif(not DOCS.is_dir(), reason="shared/docs is not beside this checkout")
def test_emr_serverless_start_job_run_page_agrees_with_the_schema() -> None:
    text = (DOCS / "aws-emr-serverless" / "StartJobRun.txt").read_text()
    # The page prints the tags item without its name: it is checked on its own below.
    tags_start, tags_end = text.index("The tags assigned"), text.index("Response Syntax")
    text = text[:tags_start] + text[tags_end:]
    stated = page_constraints(text)
    assert {"applicationId", "clientToken", "executionRoleArn", "name", "mode"} <= set(stated)
    request = registry.schema("aws-emr-serverless", "StartJobRun", "request")
    response = registry.schema("aws-emr-serverless", "StartJobRun", "response")
    reg = registry.referencing_registry("aws-emr-serverless")
    checked = 0
    for name, constraints in stated.items():
        holder = request if name in request["properties"] else response
        if name not in holder["properties"]:
            continue
        resolved = reg.resolver(holder["$id"]).lookup(holder["properties"][name]["$ref"]).contents
        for keyword, value in constraints.items():
            assert resolved[keyword] == value, f"{name}.{keyword}: page says {value!r}, schema {resolved[keyword]!r}"
            checked += 1
    assert checked >= 15


@pytest.mark.skipif(not DOCS.is_dir(), reason="shared/docs is not beside this checkout")
def test_emr_serverless_tag_map_agrees_with_the_page() -> None:
    text = (DOCS / "aws-emr-serverless" / "StartJobRun.txt").read_text()
    block = text[text.index("The tags assigned") : text.index("Response Syntax")]
    defs = resources.schema_document("aws-emr-serverless", "shapes.json")["$defs"]
    entries = re.search(r"Minimum number of (\d+) items\. Maximum number of (\d+) items", block)
    key_length = re.search(r"Key Length Constraints: Minimum length of (\d+)\. Maximum length of (\d+)", block)
    value_length = re.search(r"Value Length Constraints: Minimum length of (\d+)\. Maximum length of (\d+)", block)
    key_pattern = re.search(r"Key Pattern:\n(.+?)Value Length", block)
    value_pattern = re.search(r"Value Pattern:\n(.+?)Required", block)
    assert entries and key_length and value_length and key_pattern and value_pattern
    assert (defs["TagMap"]["minProperties"], defs["TagMap"]["maxProperties"]) == tuple(map(int, entries.groups()))
    assert (defs["TagKey"]["minLength"], defs["TagKey"]["maxLength"]) == tuple(map(int, key_length.groups()))
    assert (defs["TagValue"]["minLength"], defs["TagValue"]["maxLength"]) == tuple(map(int, value_length.groups()))
    assert defs["TagKey"]["pattern"] == key_pattern[1].strip()
    assert defs["TagValue"]["pattern"] == value_pattern[1].strip()
