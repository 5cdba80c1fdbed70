"""The compiled schema model (core.shapes): what it holds, and the recursion bound the walkers keep with it."""

from __future__ import annotations

import json
from typing import Any

from jobrun_contracts.core.shapes import Shape, operation_shape
from jobrun_contracts.generation.invalid import sites
from jobrun_contracts.strategies import examples, requests
from support import ROOT

SERVERLESS = "aws-emr-serverless"


def _defs(api: str) -> dict[str, Any]:
    defs: dict[str, Any] = json.loads((ROOT / "schemas" / api / "shapes.json").read_text())["$defs"]
    return defs


def test_a_map_key_shape_is_the_referenced_key_schema() -> None:
    tags = operation_shape(SERVERLESS, "StartJobRun", "request").properties["tags"]
    key_schema = _defs(SERVERLESS)["TagKey"]
    assert tags.keys is not None  # propertyNames is {"$ref": "shapes.json#/$defs/TagKey"}
    assert "$ref" not in tags.keys.schema
    assert tags.keys.type == "string"
    assert tags.keys.schema["pattern"] == key_schema["pattern"] == "[A-Za-z0-9 /_.:=+@-]+"
    assert tags.keys.schema["maxLength"] == key_schema["maxLength"]
    assert isinstance(tags.additional, Shape) and tags.additional.schema["maxLength"] == 256


def test_a_map_without_property_names_has_no_key_shape() -> None:
    aggregations = operation_shape("alibaba-emr-serverless-spark", "ListJobRuns", "response").properties["aggregations"]
    assert "propertyNames" not in aggregations.schema
    assert aggregations.keys is None
    assert isinstance(aggregations.additional, Shape)


def test_a_recursive_shape_is_one_object_at_every_level() -> None:
    overrides = operation_shape(SERVERLESS, "StartJobRun", "request").properties["configurationOverrides"]
    configuration = overrides.properties["applicationConfiguration"].items
    assert configuration is not None
    assert configuration.properties["configurations"].items is configuration


def _depth(configurations: list[Any]) -> int:
    return 1 + max((_depth(c.get("configurations", [])) for c in configurations), default=0) if configurations else 0


def test_the_walkers_enter_a_recursive_shape_twice() -> None:
    drawn = examples(requests(SERVERLESS, "StartJobRun", realistic=False), 200, seed=4)
    depths = [_depth(r.get("configurationOverrides", {}).get("applicationConfiguration", [])) for r in drawn]
    assert max(depths) == 2  # Configuration, and Configuration in its configurations: no third level
    site_depths = {s.path.count("configurations") for s in sites(SERVERLESS, "StartJobRun")}
    assert site_depths == {0, 1}  # the invalid-request walker breaks the first two levels only
