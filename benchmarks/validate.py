"""Benchmark the validator against the parse floor and three baseline engines, in one run.

    python benchmarks/validate.py            # full corpus (2,000 StartJobRun requests)
    python benchmarks/validate.py --quick    # 60 requests, one pass per row: a smoke test of every row
    python benchmarks/validate.py --profile  # also cProfile our validator

What is measured, all on the same seeded corpus of aws-emr-serverless StartJobRun requests:

- the parse floor: ``json.loads`` of the corpus as JSON text;
- ours: ``validator_for(...).validate(doc)``, valid documents (the ``is_valid`` fast path) and
  invalid documents (every violation, with messages) separately;
- plain ``jsonschema`` (Draft202012Validator over a ``referencing.Registry`` of the same resources);
- ``fastjsonschema`` on a bundled, self-contained draft-07 copy of the schema;
- ``jsonschema_rs`` on the raw schemas (service patterns untranslated).

Then the cold cost (load and compile every schema of all three APIs, in a fresh interpreter), and
a semantics table: the baselines apply the schemas' raw patterns with JSON Schema's rules (search,
Unicode ``\\d``), not the services' (whole value, ASCII ``\\d``), and so accept values the
services reject. The report is Markdown on stdout, ready to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs

import repository  # the whole-repository rows (their own script too)
from _harness import (  # benchmarks/ is on sys.path when a script runs
    Report,
    cold_start,
    emit,
    fmt_rate,
    fmt_size,
    log,
    parser,
    python_code,
    timed_passes,
)
from jobrun_contracts import validator_for
from jobrun_contracts.core import registry
from jobrun_contracts.core.resources import data_dir

API = "aws-emr-serverless"
OPERATION = "StartJobRun"
SEED = 20240101
TARGET_RATIO = 10.0  # ours vs plain jsonschema on valid requests: the floor we must meet

# -- the corpus -------------------------------------------------------------------------------

_CONF_KEYS = [
    "spark.executor.cores",
    "spark.executor.memory",
    "spark.driver.cores",
    "spark.driver.memory",
    "spark.executor.instances",
    "spark.dynamicAllocation.enabled",
    "spark.dynamicAllocation.maxExecutors",
    "spark.sql.shuffle.partitions",
    "spark.sql.adaptive.enabled",
    "spark.serializer",
    "spark.emr-serverless.driverEnv.PYSPARK_PYTHON",
    "spark.jars.packages",
    "spark.sql.catalog.glue_catalog",
    "spark.hadoop.fs.s3a.bucket.analytics-prod.endpoint",
]
_CONF_VALUES = [
    "4",
    "16g",
    "true",
    "200",
    "org.apache.spark.serializer.KryoSerializer",
    "./environment/bin/python",
    "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.5.0",
    "s3://analytics-prod/envs/pyspark_venv.tar.gz#environment",
]
_CLASSIFICATIONS = ["spark-defaults", "spark-env", "spark-hive-site", "spark-log4j2", "spark-executor-log4j2"]
_TAG_KEYS = ["team", "env", "cost-center", "owner", "project", "pipeline", "app", "tier"]
_TAG_VALUES = ["data", "prod", "staging", "analytics", "1234", "etl", "ml-platform", "finance/reporting"]
_NAMES = ["nightly-etl", "daily-aggregation", "wordcount", "ingest-events", "build-features", "sales_report"]
_ENTRY_POINTS = ["s3://analytics-prod/jobs/etl.py", "s3://spark-jobs/jars/etl-assembly-2.3.1.jar", "s3://b/pi.py"]
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"
_TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

#: How an invalid document is made from a valid one; each breaks exactly one constraint.
MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "applicationId my_app": lambda d: d.update(applicationId="my_app"),
    "name too long": lambda d: d.update(name="nightly-etl-" * 25),  # 300 characters; max 256
    "mode lower-case": lambda d: d.update(mode="batch"),
    "unknown field": lambda d: d.update(executionTimeout=60),  # it is executionTimeoutMinutes
}


@dataclass
class Document:
    value: dict[str, Any]
    text: str
    valid: bool
    mutation: str = ""


def _ident(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(length))


def make_request(rng: random.Random, target: int) -> dict[str, Any]:
    """A valid StartJobRun request of roughly ``target`` bytes of JSON."""
    doc: dict[str, Any] = {
        "applicationId": _ident(rng, 16),
        "clientToken": "".join(rng.choice(_TOKEN) for _ in range(36)),
        "executionRoleArn": f"arn:aws:iam::{rng.randrange(10**11, 10**12):012d}:role/EMRServerlessJobRole",
        "name": rng.choice(_NAMES),
        "jobDriver": {"sparkSubmit": {"entryPoint": rng.choice(_ENTRY_POINTS)}},
    }
    if rng.random() < 0.3:
        doc["mode"] = rng.choice(["BATCH", "STREAMING"])
    if rng.random() < 0.3:
        doc["executionTimeoutMinutes"] = rng.randrange(10, 720)
    budget = target - len(json.dumps(doc))
    if budget < 60:
        return doc
    submit = doc["jobDriver"]["sparkSubmit"]
    # Split what is left: --conf pairs, arguments, application configuration, tags.
    shares = [rng.random() + 0.2 for _ in range(4)]
    conf_b, args_b, props_b, tags_b = (int(budget * s / sum(shares)) for s in shares)

    arguments = ["--date", f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"]
    used = 30
    while used < args_b and len(arguments) < 1000:
        arg = rng.choice(["--input", "--output", "--partition", "--table", "--mode"])
        arguments += [arg, f"s3://analytics-prod/{arg[2:]}/{_ident(rng, 8)}/part-{len(arguments):05d}"]
        used += len(arguments[-1]) + len(arg) + 8
    submit["entryPointArguments"] = arguments

    pairs: list[str] = []
    used = 0
    while used < conf_b:
        key = rng.choice(_CONF_KEYS)
        if rng.random() < 0.6:  # keep the keys varied, as real override lists are
            key = f"spark.hadoop.fs.s3a.bucket.b{_ident(rng, 6)}.{key.rsplit('.', 1)[-1]}"
        pair = f"--conf {key}={rng.choice(_CONF_VALUES)}"
        pairs.append(pair)
        used += len(pair) + 1
    if pairs:
        submit["sparkSubmitParameters"] = " ".join(pairs)

    overrides: dict[str, Any] = {
        "monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": "s3://analytics-prod/logs/"}}
    }
    configurations: list[dict[str, Any]] = []
    used = 0
    while used < props_b and len(configurations) < 20:
        properties: dict[str, str] = {}
        while used < props_b and len(properties) < 60:
            key = f"{rng.choice(_CONF_KEYS)}.{_ident(rng, 5)}"
            properties[key] = rng.choice(_CONF_VALUES)
            used += len(key) + len(properties[key]) + 6
        entry: dict[str, Any] = {"classification": _CLASSIFICATIONS[len(configurations) % 5], "properties": properties}
        if rng.random() < 0.2:  # the Configuration list is recursive
            entry["configurations"] = [{"classification": "export", "properties": {"PYSPARK_PYTHON": "python3"}}]
        configurations.append(entry)
        used += 40
    if configurations:
        overrides["applicationConfiguration"] = configurations
    doc["configurationOverrides"] = overrides

    tags: dict[str, str] = {}
    used = 0
    while used < tags_b and len(tags) < 190:
        key = f"{rng.choice(_TAG_KEYS)}-{len(tags)}"
        tags[key] = rng.choice(_TAG_VALUES)
        used += len(key) + len(tags[key]) + 6
    if tags:
        doc["tags"] = tags
    return doc


def build_corpus(size: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    mutations = list(MUTATIONS)
    corpus: list[Document] = []
    for index in range(size):
        target = int(300 * (20_000 / 300) ** rng.random())  # log-uniform, 300 B to 20 KB
        doc = make_request(rng, target)
        mutation = ""
        if rng.random() < 0.10:
            mutation = mutations[index % len(mutations)]
            MUTATIONS[mutation](doc)
        corpus.append(Document(doc, json.dumps(doc), not mutation, mutation))
    return corpus


# -- the engines ------------------------------------------------------------------------------


def root_schema(api: str, operation: str, direction: str) -> dict[str, Any]:
    return registry.schema(api, operation, direction)  # type: ignore[arg-type]


def jsonschema_validator(api: str, operation: str, direction: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [(uri, Resource.from_contents(doc, DRAFT202012)) for uri, doc in registry.resources(api)]
    return Draft202012Validator(root_schema(api, operation, direction), registry=Registry().with_resources(resources))


def bundle_draft07(api: str, operation: str, direction: str) -> dict[str, Any]:
    """One self-contained draft-07 document: shapes' $defs copied in as definitions, refs made local."""
    prefix = "shapes.json#/$defs/"

    def local(node: Any) -> Any:
        if isinstance(node, list):
            return [local(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: local(value) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(prefix):
                raise ValueError(f"cannot bundle $ref {ref!r}")
            out["$ref"] = "#/definitions/" + ref[len(prefix) :]
        return out

    shapes = next(doc for uri, doc in registry.resources(api) if uri.endswith("/shapes.json"))
    bundled = local(root_schema(api, operation, direction))
    for key in ("$id", "$schema", "$defs"):
        bundled.pop(key, None)
    return {"$schema": "http://json-schema.org/draft-07/schema#", **bundled, "definitions": local(shapes["$defs"])}


def fastjsonschema_validator(api: str, operation: str, direction: str) -> Callable[[Any], Any] | None:
    try:
        import fastjsonschema
    except ImportError:
        return None
    validate: Callable[[Any], Any] = fastjsonschema.compile(bundle_draft07(api, operation, direction))
    return validate


def rs_validator(api: str, operation: str, direction: str) -> Any:
    raw = registry.resources(api)
    return jsonschema_rs.validator_for(
        root_schema(api, operation, direction), registry=jsonschema_rs.Registry(list(copy.deepcopy(raw)))
    )


@dataclass
class Engine:
    name: str
    accepts: Callable[[Any], bool]


def engines(api: str, operation: str, direction: str) -> list[Engine]:
    ours = validator_for(api, operation, direction)  # type: ignore[arg-type]
    plain = jsonschema_validator(api, operation, direction)
    rs = rs_validator(api, operation, direction)
    found = [
        Engine("jobrun-contracts", lambda d: not ours.validate(d)),
        Engine("jsonschema", plain.is_valid),
    ]
    fast = fastjsonschema_validator(api, operation, direction)
    if fast is not None:
        import fastjsonschema

        def fast_accepts(d: Any) -> bool:
            try:
                fast(d)
            except fastjsonschema.JsonSchemaValueException:
                return False
            return True

        found.append(Engine("fastjsonschema", fast_accepts))
    found.append(Engine("jsonschema-rs (raw)", rs.is_valid))
    return found


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    docs: int
    nbytes: int
    best: float
    median: float
    passes: int
    results: list[Any]  # what the last pass returned, one per item

    @property
    def rate(self) -> float:
        return self.docs / self.best if self.best else float("inf")

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.best / 1e6 if self.best else float("inf")


def measure(
    label: str, fn: Callable[[Any], Any], items: Sequence[Any], nbytes: int, repeats: int, budget: float
) -> Timing:
    """Time whole passes of ``fn`` over ``items``: up to ``repeats``, stopping once ``budget`` seconds are spent.

    A slow engine (plain jsonschema) gets a single pass; the fast ones get all ``repeats``.
    """
    fn(items[0])  # warm up (lazy ref resolution, regex compilation)
    passes = timed_passes(lambda: [fn(item) for item in items], repeats, budget)
    return Timing(label, len(items), nbytes, passes.best, passes.median, passes.count, passes.result)


def raising(fn: Callable[[Any], Any], exception: type[BaseException]) -> Callable[[Any], Any]:
    def call(item: Any) -> Any:
        try:
            return fn(item)
        except exception as error:
            return error

    return call


# -- cold cost --------------------------------------------------------------------------------

_COLD_OURS = """
import json, time
t = time.perf_counter()
from jobrun_contracts import APIS, operations, validator_for
imported = time.perf_counter()
n = 0
for api in APIS:
    for op in operations(api):
        for direction in ("request", "response"):
            validator_for(api, op.name, direction)
            n += 1
done = time.perf_counter()
print(json.dumps({"import": imported - t, "build": done - imported, "validators": n}))
"""

_COLD_JSONSCHEMA = """
import json, sys, time
from pathlib import Path
t = time.perf_counter()
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
imported = time.perf_counter()
root = Path(sys.argv[1])
n = 0
for api_dir in sorted(p for p in root.iterdir() if p.is_dir()):
    docs = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(api_dir.glob("*.json"))]
    reg = Registry().with_resources((d["$id"], Resource.from_contents(d, DRAFT202012)) for d in docs)
    for d in docs:
        if "x-direction" in d:
            v = Draft202012Validator(d, registry=reg)
            if CHECK:
                Draft202012Validator.check_schema(d)
            n += 1
done = time.perf_counter()
print(json.dumps({"import": imported - t, "build": done - imported, "validators": n}))
"""


def cold(code: str, args: Iterable[str], runs: int) -> dict[str, float]:
    return cold_start(python_code(code, *args), runs)


def cold_costs(runs: int) -> dict[str, dict[str, float]]:
    """Each engine's cold cost in a fresh interpreter, and an empty interpreter's (``bare``)."""
    schemas_dir = str(Path(str(data_dir("schemas"))))
    return {
        "ours": cold(_COLD_OURS, [], runs),
        "plain": cold("CHECK = False\n" + _COLD_JSONSCHEMA, [schemas_dir], runs),
        "checked": cold("CHECK = True\n" + _COLD_JSONSCHEMA, [schemas_dir], runs),
        "bare": cold("print({})", [], runs),
    }


# -- the run ----------------------------------------------------------------------------------

QUICK_SIZE = 60  # the smallest corpus that holds every mutation, at the default seed


@dataclass
class Settings:
    size: int
    repeats: int  # passes per throughput row, at most
    budget: float  # seconds; a row makes no more passes once it has taken this long
    cold_runs: int
    quick: bool

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        if options.quick:
            found = cls(options.size or QUICK_SIZE, 1, 0.5, 1, True)
        else:
            found = cls(options.size or 2000, 7, 4.0, 5, False)
        found.repeats = options.repeats or found.repeats
        return found


@dataclass
class Corpus:
    seed: int
    documents: list[Document]
    valid: list[Document] = field(init=False)
    invalid: list[Document] = field(init=False)

    def __post_init__(self) -> None:
        self.valid = [d for d in self.documents if d.valid]
        self.invalid = [d for d in self.documents if not d.valid]
        self.valid_bytes = sum(len(d.text.encode()) for d in self.valid)
        self.invalid_bytes = sum(len(d.text.encode()) for d in self.invalid)
        self.sizes = sorted(len(d.text.encode()) for d in self.documents)
        self.counts = Counter(d.mutation or "valid" for d in self.documents)


@dataclass
class Compiled:
    """The engines of the throughput table, compiled once, before timing."""

    ours: Any
    plain: Any
    fast: Callable[[Any], Any] | None
    rs: Any

    @classmethod
    def build(cls) -> Compiled:
        return cls(
            validator_for(API, OPERATION, "request"),
            jsonschema_validator(API, OPERATION, "request"),
            fastjsonschema_validator(API, OPERATION, "request"),
            rs_validator(API, OPERATION, "request"),
        )


_PARSE = "`json.loads` (the parse floor)"
_FAST = "fastjsonschema (bundled draft-07; first error only)"


def throughput(corpus: Corpus, e: Compiled, s: Settings) -> dict[str, Timing]:
    """Every row of the throughput table, measured in this order, keyed by engine.call.documents."""
    v_docs = [d.value for d in corpus.valid]
    i_docs = [d.value for d in corpus.invalid]
    vb, ib = corpus.valid_bytes, corpus.invalid_bytes

    def plain_errors(d: Any) -> list[Any]:
        return list(e.plain.iter_errors(d))

    def rs_errors(d: Any) -> list[Any]:
        return list(e.rs.iter_errors(d))

    plan: list[tuple[str, str, Callable[[Any], Any], Sequence[Any], int]] = [
        ("parse.valid", _PARSE, json.loads, [d.text for d in corpus.valid], vb),
        ("parse.invalid", _PARSE, json.loads, [d.text for d in corpus.invalid], ib),
        ("ours.valid", "jobrun-contracts `validate`", e.ours.validate, v_docs, vb),
        ("ours.invalid", "jobrun-contracts `validate`", e.ours.validate, i_docs, ib),
        ("ours.isvalid.valid", "jobrun-contracts `is_valid`", e.ours.is_valid, v_docs, vb),
        ("plain.isvalid.valid", "jsonschema `is_valid`", e.plain.is_valid, v_docs, vb),
        ("plain.errors.invalid", "jsonschema `list(iter_errors)`", plain_errors, i_docs, ib),
        ("plain.isvalid.invalid", "jsonschema `is_valid`", e.plain.is_valid, i_docs, ib),
    ]
    if e.fast is not None:
        import fastjsonschema

        fast_call = raising(e.fast, fastjsonschema.JsonSchemaValueException)
        plan += [("fast.valid", _FAST, fast_call, v_docs, vb), ("fast.invalid", _FAST, fast_call, i_docs, ib)]
    plan += [
        ("rs.isvalid.valid", "jsonschema-rs raw `is_valid`", e.rs.is_valid, v_docs, vb),
        ("rs.errors.valid", "jsonschema-rs raw `list(iter_errors)`", rs_errors, v_docs, vb),
        ("rs.errors.invalid", "jsonschema-rs raw `list(iter_errors)`", rs_errors, i_docs, ib),
        ("rs.isvalid.invalid", "jsonschema-rs raw `is_valid`", e.rs.is_valid, i_docs, ib),
    ]
    timings: dict[str, Timing] = {}
    for key, label, fn, items, nbytes in plan:
        if items:
            log(f"throughput: {key} ...")
            timings[key] = measure(label, fn, items, nbytes, s.repeats, s.budget)
    return timings


# -- semantics --------------------------------------------------------------------------------

Probe = tuple[tuple[str, str], str, Any, bool]  # (api, direction), label, instance, the services accept it


def probes() -> list[Probe]:
    base = make_request(random.Random(0), 0)
    response = {
        "applicationId": "00fkr3dqu9a1b20d",
        "jobRunId": "00fkr3dqu9a1b20e",
        "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fkr3dqu9a1b20d/jobruns/00fkr3dqu9a1b20e",
    }
    eks_response = {
        "id": "0000000abcdefghij12",
        "name": "nightly-etl",
        "arn": "arn:aws:emr-containers:us-east-1:123456789012:/virtualclusters/abc123/jobruns/0000000abcdefghij12",
        "virtualClusterId": "abc123",
    }
    req, resp, eks_resp = (API, "request"), (API, "response"), ("aws-emr-containers", "response")
    arabic_arn = response["arn"].replace("123456789012", "١٢٣٤٥٦٧٨٩٠١٢")
    return [
        (req, "valid request (control)", base, True),
        (
            req,
            'applicationId `"my_app"` (pattern `[0-9a-z]+`: the whole value must match)',
            {**base, "applicationId": "my_app"},
            False,
        ),
        (
            req,
            'applicationId `"00fkr3dqu9a1b20d\\n"` (same pattern)',
            {**base, "applicationId": "00fkr3dqu9a1b20d\n"},
            False,
        ),
        (req, 'mode `"batch"` (enum; control)', {**base, "mode": "batch"}, False),
        (resp, "StartJobRun response (control)", response, True),
        (
            resp,
            "response `arn` with account id `١٢٣٤٥٦٧٨٩٠١٢` (`…:(\\d{12}):…`, ASCII `\\d`)",
            {**response, "arn": arabic_arn},
            False,
        ),
        (eks_resp, "aws-emr-containers StartJobRun response (control)", eks_response, True),
        (
            eks_resp,
            "aws-emr-containers response `arn` + `\\n` (anchored `^arn:…$`)",
            {**eks_response, "arn": eks_response["arn"] + "\n"},
            False,
        ),
    ]


def semantics() -> tuple[list[str], list[list[str]]]:
    """The engines' names, and a row per probe: the services' verdict, then each engine's."""
    found = probes()
    by_side = {side: engines(side[0], OPERATION, side[1]) for side in {p[0] for p in found}}
    engine_names = [e.name for e in by_side[(API, "request")]]
    rows = []
    for side, label, instance, expected in found:
        cells = [label, "accept" if expected else "reject"]
        for engine in by_side[side]:
            accepted = engine.accepts(instance)
            verdict = "accept" if accepted else "reject"
            cells.append(verdict if accepted == expected else f"**{verdict}** ✗")
        rows.append(cells)
    return engine_names, rows


def verdict_rows(corpus: Corpus, timings: dict[str, Timing], engine_names: list[str]) -> list[list[str]]:
    """Verdicts on the corpus, per kind of document, read off the last timed pass of each engine."""
    accepted_by: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
        "jobrun-contracts": ("ours.valid", "ours.invalid", lambda r: not r),
        "jsonschema": ("plain.isvalid.valid", "plain.isvalid.invalid", lambda r: bool(r)),
        "fastjsonschema": ("fast.valid", "fast.invalid", lambda r: not isinstance(r, Exception)),
        "jsonschema-rs (raw)": ("rs.isvalid.valid", "rs.isvalid.invalid", lambda r: bool(r)),
    }
    valid, invalid, counts = corpus.valid, corpus.invalid, corpus.counts
    verdicts: dict[str, list[tuple[str, bool]]] = {}  # engine -> (kind, right?) per document
    for name in engine_names:
        on_valid, on_invalid, accepts = accepted_by[name]
        verdicts[name] = [("valid", accepts(r)) for r in timings[on_valid].results] if valid else []
        if invalid:
            verdicts[name] += [
                (d.mutation, not accepts(r)) for d, r in zip(invalid, timings[on_invalid].results, strict=True)
            ]
    rows = []
    for kind in ["valid", *MUTATIONS]:
        if not counts[kind]:
            continue
        cells = [kind, str(counts[kind])]
        for name in engine_names:
            right = sum(ok for k, ok in verdicts[name] if k == kind)
            cells.append(f"{right}/{counts[kind]}" if right == counts[kind] else f"**{right}/{counts[kind]}** ✗")
        rows.append(cells)
    return rows


# -- report -----------------------------------------------------------------------------------


def report_corpus(r: Report, corpus: Corpus, s: Settings, violations_per_invalid: float) -> None:
    sizes, counts = corpus.sizes, corpus.counts
    total = corpus.valid_bytes + corpus.invalid_bytes
    r.add(f"## Validation benchmark ({'quick' if s.quick else 'full'} run)")
    r.machine(("jobrun-contracts", "jsonschema", "referencing", "fastjsonschema", "jsonschema-rs"))
    r.add(
        f"Corpus: {len(corpus.documents):,} aws-emr-serverless StartJobRun requests (seed {corpus.seed}): "
        f"{len(corpus.valid):,} valid, {len(corpus.invalid):,} invalid "
        f"({', '.join(f'{counts[k]} {k}' for k in MUTATIONS)}); "
        f"JSON sizes {fmt_size(sizes[0])} to {fmt_size(sizes[-1])}, median {fmt_size(sizes[len(sizes) // 2])}, "
        f"p90 {fmt_size(sizes[int(len(sizes) * 0.9)])}, total {total / 1e6:.1f} MB. "
        f"Our validator reports {violations_per_invalid:.2f} violation(s) per invalid document on average."
    )


_ROW_ORDER = [
    ("parse.valid", "valid"),
    ("ours.valid", "valid"),
    ("ours.isvalid.valid", "valid"),
    ("plain.isvalid.valid", "valid"),
    ("fast.valid", "valid"),
    ("rs.isvalid.valid", "valid"),
    ("rs.errors.valid", "valid"),
    ("parse.invalid", "invalid"),
    ("ours.invalid", "invalid"),
    ("plain.errors.invalid", "invalid"),
    ("plain.isvalid.invalid", "invalid"),
    ("fast.invalid", "invalid"),
    ("rs.errors.invalid", "invalid"),
    ("rs.isvalid.invalid", "invalid"),
]


def throughput_rows(timings: dict[str, Timing]) -> Iterable[list[str]]:
    for key, which in _ROW_ORDER:
        if key not in timings:
            continue
        t = timings[key]
        reference = timings["plain.isvalid.valid"] if which == "valid" else timings.get("plain.errors.invalid")
        ratio = f"{t.rate / reference.rate:.1f}×" if reference and not key.startswith("parse") else ""
        yield [
            t.label,
            which,
            f"{fmt_rate(t.rate)} ({fmt_rate(t.docs / t.median)})",
            f"{t.mb_per_s:.1f}",
            f"{t.best / t.docs * 1e6:.1f}",
            ratio,
            str(t.passes),
        ]


def report_throughput(r: Report, timings: dict[str, Timing], s: Settings, fast_installed: bool) -> None:
    r.add("### Throughput")
    r.add(
        f"Best of up to {s.repeats} passes over the same documents (median in brackets), fewer once a "
        f"row has taken {s.budget:g} s; validators compiled once, before timing; garbage collector off "
        "during a pass."
    )
    header = ["engine", "documents", "docs/s", "MB/s", "µs/doc", "vs jsonschema", "passes"]
    r.table(header, throughput_rows(timings), "llrrrrr")
    r.add(
        "`vs jsonschema` compares with plain jsonschema's fastest call on the same documents: `is_valid` "
        "for valid documents, `list(iter_errors)` for invalid ones (ours returns every violation with a message)."
    )
    if not fast_installed:
        r.add("fastjsonschema is not installed (`pip install -e '.[bench]'`), so it is left out.")
    plain_valid, plain_errors_invalid = timings["plain.isvalid.valid"], timings.get("plain.errors.invalid")
    ours_valid, parse = timings["ours.valid"], timings["parse.valid"]
    ratio = ours_valid.rate / plain_valid.rate
    parse_per_doc = parse.best / parse.docs
    ours_per_doc = ours_valid.best / ours_valid.docs
    bullets = [
        f"**Ours vs plain jsonschema, valid requests: {ratio:.1f}×** "
        f"(floor {TARGET_RATIO:.0f}×: {'met' if ratio >= TARGET_RATIO else 'NOT MET'})."
    ]
    if "ours.invalid" in timings and plain_errors_invalid:
        bullets.append(
            f"Ours vs plain jsonschema, invalid requests with all errors: "
            f"{timings['ours.invalid'].rate / plain_errors_invalid.rate:.1f}×."
        )
    bullets.append(
        f"Parse floor: `json.loads` takes {parse_per_doc * 1e6:.1f} µs per valid document on average "
        f"({parse.mb_per_s:.0f} MB/s); validating it takes {ours_per_doc * 1e6:.1f} µs, "
        f"{ours_per_doc / parse_per_doc:.2f}× the parse."
    )
    r.bullets(bullets)


_COLD_ROWS = [
    ("ours", "jobrun-contracts `validator_for` (translate patterns, compile with jsonschema-rs)"),
    ("plain", "jsonschema: read files, registry, construct validators (lazy: refs resolve on first use)"),
    ("checked", "jsonschema, plus `check_schema` of each document"),
]


def report_cold(r: Report, costs: dict[str, dict[str, float]], runs: int) -> None:
    r.add("### Cold start")
    r.add(
        f"A fresh interpreter (`python -c`) loads and compiles every schema of all three APIs "
        f"(request and response of every operation: {costs['ours']['validators']:.0f} validators). "
        f"Median of {runs} run(s); bytecode caches warm. An empty interpreter takes "
        f"{costs['bare']['wall'] * 1000:.0f} ms."
    )
    rows = [
        [label, *(f"{costs[key][figure] * 1000:.0f} ms" for figure in ("import", "build", "wall"))]
        for key, label in _COLD_ROWS
    ]
    r.table(["engine", "import", "load + compile", "process wall"], rows, "lrrr")


def report_semantics(r: Report, engine_names: list[str], rows: list[list[str]], verdicts: list[list[str]]) -> None:
    r.add("### Semantics")
    r.add(
        "The services match a pattern against the whole value, with ASCII `\\d` (docs/patterns.md). The "
        "baselines run the schemas' raw patterns as JSON Schema says: an unanchored search, so an unanchored "
        "pattern accepts any value that merely contains a match. Beyond that, jsonschema and fastjsonschema use "
        "Python's `re` (Unicode `\\d`; jsonschema's `$` also matches before a final newline, fastjsonschema "
        "rewrites `$` to `\\Z`), while jsonschema-rs follows ECMA-262 (ASCII `\\d`, `$` only at the end). "
        "✗ marks a wrong verdict."
    )
    r.table(["probe", "service", *engine_names], rows)
    r.add("Verdicts on the benchmark corpus (documents judged right / documents):")
    r.table(["documents", "count", *engine_names], verdicts, "lr" + "r" * len(engine_names))


def profile_ours(ours: Any, documents: list[Any]) -> str:
    """cProfile of our validator over ``documents``: the top cumulative entries, as a code block."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for doc in documents:
        ours.validate(doc)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(12)
    return f"```\n{out.getvalue()}```"


# -- main -------------------------------------------------------------------------------------


def options_parser() -> argparse.ArgumentParser:
    found = parser(
        __doc__,
        quick=f"a {QUICK_SIZE}-document corpus, one pass per row, one cold run (smoke test)",
        repeats="passes per throughput row, at most (default 7; 1 with --quick)",
        seed=SEED,
        profile="also cProfile our validator on the valid documents",
    )
    found.add_argument("--size", type=int, default=None, help=f"corpus size (default 2000; {QUICK_SIZE} with --quick)")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    options = options_parser().parse_args(argv)
    s = Settings.of(options)
    started = time.perf_counter()
    corpus = Corpus(options.seed, build_corpus(s.size, options.seed))
    e = Compiled.build()
    # Our verdicts must be right on every document before any timing means anything.
    wrong = [d for d in corpus.documents if (not e.ours.validate(d.value)) != d.valid]
    if wrong:
        print(f"error: our validator misjudges {len(wrong)} corpus document(s), e.g. {wrong[0].text[:200]}")
        return 1
    violations = statistics.mean(len(e.ours.validate(d.value)) for d in corpus.invalid) if corpus.invalid else 0.0

    timings = throughput(corpus, e, s)
    log("cold start ...")
    costs = cold_costs(s.cold_runs)
    log("semantics ...")
    engine_names, semantics_rows = semantics()
    verdicts = verdict_rows(corpus, timings, engine_names)

    r = Report()
    report_corpus(r, corpus, s, violations)
    report_throughput(r, timings, s, e.fast is not None)
    report_cold(r, costs, s.cold_runs)
    report_semantics(r, engine_names, semantics_rows, verdicts)
    log("whole repository ...")
    r.add(
        repository.run(
            repository.QUICK_FILES if options.quick else repository.FILES, 1 if options.quick else 3, options.seed
        ).render()
    )
    r.add(f"Total benchmark time: {time.perf_counter() - started:.0f} s.")
    if options.profile:
        r.add(profile_ours(e.ours, [d.value for d in corpus.valid]))
    emit(r.render(), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
