"""Benchmark the Hypothesis strategies against hypothesis-jsonschema, in one run.

    python benchmarks/generate.py            # full run (about 2.5 minutes on 2 cores; first run +15 s)
    python benchmarks/generate.py --quick    # 20 examples, one run per strategy, tiny budgets (smoke test)
    python benchmarks/generate.py --profile  # also cProfile our StartJobRun strategy

Everything is measured the way a user consumes a strategy: a test function under ``@given``
with ``settings(max_examples=N, database=None, deadline=None, phases=[Phase.generate])``. The
whole run is timed and divided by the number of calls of the test function. (A run that
reaches its time budget first is stopped from inside the test function; the figure is then
the calls so far over the time so far.) Health checks are suppressed in the timed runs, so a
slow strategy still gets a figure; they are counted separately, at default settings.

Cases:

- ours: ``requests(api)`` (valid StartJobRun) for each of the three APIs, ``responses`` for
  aws-emr-serverless GetJobRun, and ``invalid_requests`` for aws-emr-serverless StartJobRun;
- the baseline: ``hypothesis_jsonschema.from_schema`` on the aws-emr-serverless StartJobRun
  request schema, bundled here into one self-contained document (the shared ``$defs`` inlined,
  refs made local, the recursive ``Configuration`` unrolled to the depth our strategy uses).

hypothesis-jsonschema cannot draw objects with recent Hypothesis releases, so the script first
probes it against the installed Hypothesis; if that fails it runs the baseline in a throwaway
virtualenv (``/tmp/hjs-venv``, created when missing, with pinned versions), in a subprocess
of this same run, and also times our StartJobRun strategy there as a control, so the ratio is
available on the same Hypothesis. Time to first example is a fresh process: import, build the
strategy, first call of the test function. The report is Markdown on stdout, ready to paste
into docs/benchmarks.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from _harness import (  # benchmarks/ is on sys.path when a script runs
    Report,
    emit,
    fmt_rate,
    fmt_size,
    fresh_process,
    log,
    parser,
    table,
)

# Only the standard library at module level: the same file runs as a worker in the baseline's
# virtualenv, where jobrun_contracts is not installed.

APIS = ("aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark")
API = "aws-emr-serverless"
OPERATION = "StartJobRun"
SEED = 20240101
TARGET_RATE = 500.0  # valid StartJobRun requests per second, ours
TARGET_RATIO = 40.0  # ours vs hypothesis-jsonschema, valid aws-emr-serverless StartJobRun

HJS_VENV = Path(os.environ.get("JOBRUN_HJS_VENV", "/tmp/hjs-venv"))
HJS_PINS = {"hypothesis": "6.170.9", "hypothesis-jsonschema": "0.23.1"}
SHAPES_PREFIX = "shapes.json#/$defs/"
#: The only recursion in the schemas: Configuration.configurations is a ConfigurationList.
RECURSIVE = {"Configuration": "configurations"}
RECURSIVE_HELPERS = {"ConfigurationList"}


# -- runs under @given: shared by this process and the workers -----------------------------


@dataclass
class Run:
    calls: int
    seconds: float
    values: list[Any]
    stopped: bool  # the time budget ran out before max_examples
    choices: list[int] = field(default_factory=list)  # Hypothesis choices behind each call

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


class _Stop(Exception):
    """Raised from inside the test function to end a run early."""


def run_given(strategy: Any, *, n: int, budget: float, seed: int, unwrap: Callable[[Any], Any] | None = None) -> Run:
    """Run a ``@given`` test over ``strategy`` and time it; keep the values it was called with."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis.control import current_build_context

    values: list[Any] = []
    choices: list[int] = []
    state: dict[str, Any] = {"calls": 0, "start": 0.0, "stopped_at": None}

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seeded(seed)
    @given(strategy)
    def test(value: Any) -> None:
        if state["stopped_at"] is not None:  # Hypothesis replays the stopping call once
            raise _Stop
        state["calls"] += 1
        values.append(unwrap(value) if unwrap else value)
        choices.append(len(current_build_context().data.choices))
        now = time.perf_counter()
        if now - state["start"] > budget:
            state["stopped_at"] = now
            raise _Stop

    gc.collect()
    state["start"] = time.perf_counter()
    try:
        with warnings.catch_warnings():  # the stopping call's value may have a huge repr
            warnings.filterwarnings("ignore", message="Generating overly large repr")
            test()
        end = time.perf_counter()
    except _Stop:
        end = state["stopped_at"]
    return Run(state["calls"], end - state["start"], values, state["stopped_at"] is not None, choices)


def measure_runs(
    strategy: Any,
    *,
    n: int,
    budget: float,
    seed: int,
    max_runs: int,
    unwrap: Callable[[Any], Any] | None = None,
) -> tuple[Run, int]:
    """Seeded runs of ``n`` examples (seed, seed + 1, ...) until ``max_runs`` or ``budget`` seconds;
    the run that reaches the budget is stopped there. Returns the runs summed, and their number."""
    total = Run(0, 0.0, [], False)
    runs = 0
    while runs < max_runs and total.seconds < budget:
        run = run_given(strategy, n=n, budget=budget - total.seconds, seed=seed + runs, unwrap=unwrap)
        runs += 1
        total = Run(
            total.calls + run.calls,
            total.seconds + run.seconds,
            total.values + run.values,
            run.stopped,
            total.choices + run.choices,
        )
    return total, runs


def health_checks(strategy: Any, seeds: Iterable[int]) -> list[str]:
    """One outcome per seed: ``passed`` or the failed health check's name.

    Default settings (health checks on, max_examples 100, deadline 200 ms), database off and
    only the generate phase (what a passing test runs anyway). The run is stopped at the 10th
    call: Hypothesis checks health over the first 10 valid examples only.
    """
    from hypothesis import Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis.errors import FailedHealthCheck

    def once(value_seed: int) -> str:
        calls = [0]

        @settings(database=None, phases=[Phase.generate])
        @seeded(value_seed)
        @given(strategy)
        def test(value: Any) -> None:
            calls[0] += 1
            if calls[0] >= 10:
                raise _Stop

        try:
            test()
        except _Stop:
            pass
        except FailedHealthCheck as error:
            found = re.search(r"HealthCheck\.(\w+)", str(error))
            return found.group(1) if found else "failed"
        return "passed"

    return [once(value_seed) for value_seed in seeds]


def json_size(value: Any) -> int:
    return len(json.dumps(value).encode())


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


# -- the workers: fresh processes, possibly under another Hypothesis ------------------------


def _ours_strategy(case: dict[str, Any]) -> tuple[Any, Callable[[Any], Any] | None]:
    from jobrun_contracts.strategies import invalid_requests, requests, responses

    if case["kind"] == "requests":
        return requests(case["api"], case["operation"]), None
    if case["kind"] == "responses":
        return responses(case["api"], case["operation"]), None
    return invalid_requests(case["api"], case["operation"]), lambda pair: pair[0]


def _hjs_strategy(schema_path: str) -> Any:
    from_schema = importlib.import_module("hypothesis_jsonschema").from_schema
    with open(schema_path, encoding="utf-8") as handle:
        return from_schema(json.load(handle))


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    for entry in spec.get("append_path", []):
        sys.path.append(entry)
    for entry in reversed(spec.get("prepend_path", [])):
        sys.path.insert(0, entry)
    import hypothesis

    if spec["side"] == "ours":
        import jobrun_contracts.strategies  # noqa: F401
    else:
        importlib.import_module("hypothesis_jsonschema")
    imported = time.perf_counter()
    result: dict[str, Any] = {"hypothesis": hypothesis.__version__}

    if spec["task"] == "probe":  # can hypothesis-jsonschema draw an object with this Hypothesis?
        from_schema = importlib.import_module("hypothesis_jsonschema").from_schema
        schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
        try:
            run = run_given(from_schema(schema), n=3, budget=30.0, seed=0)
            result.update(ok=True, calls=run.calls)
        except Exception as error:  # reporting whatever breaks
            result.update(ok=False, error=f"{type(error).__name__}: {error}")
        return result

    if spec["side"] == "ours":
        strategy, unwrap = _ours_strategy(spec["case"])
    else:
        strategy, unwrap = _hjs_strategy(spec["schema"]), None
    built = time.perf_counter()

    if spec["task"] == "first":
        run = run_given(strategy, n=1, budget=float("inf"), seed=spec["seed"], unwrap=unwrap)
        done = time.perf_counter()
        result.update(
            imported=imported - started,
            built=built - imported,
            first=done - built,
            total=done - started,
            calls=run.calls,
        )
        return result

    # "measure": warm up, time seeded runs, count health-check failures
    run_given(strategy, n=1, budget=float("inf"), seed=spec["seed"] - 1, unwrap=unwrap)
    run, runs = measure_runs(
        strategy, n=spec["n"], budget=spec["budget"], seed=spec["seed"], max_runs=spec["max_runs"], unwrap=unwrap
    )
    result.update(calls=run.calls, seconds=run.seconds, stopped=run.stopped, runs=runs, choices=run.choices)
    result["sizes"] = [json_size(v) for v in run.values]
    if spec.get("dump"):
        with open(spec["dump"], "w", encoding="utf-8") as handle:
            for value in run.values:
                handle.write(json.dumps(value) + "\n")
    if spec.get("hc_seeds"):
        result["health"] = health_checks(strategy, spec["hc_seeds"])
    return result


def interpreter_start(python: str) -> float:
    return fresh_process([python, "-c", "pass"], check=True).wall


def call_worker(python: str, spec: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    argv = [python, os.path.abspath(__file__), "--worker", json.dumps(spec)]
    out = fresh_process(argv, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"worker failed ({out.returncode}): {' '.join(argv[:3])} ...\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = out.wall
    return result


# -- the baseline: a bundled schema and a virtualenv ----------------------------------------


def _referenced(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SHAPES_PREFIX):
                found.add(value[len(SHAPES_PREFIX) :])
            else:
                _referenced(value, found)
    elif isinstance(node, list):
        for item in node:
            _referenced(item, found)
    return found


def recursive_defs(defs: dict[str, Any]) -> set[str]:
    """The definitions that can reach themselves through refs."""
    graph = {name: _referenced(schema, set()) for name, schema in defs.items()}
    cyclic = set()
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            name = todo.pop()
            if name == start:
                cyclic.add(start)
                break
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, ()))
    return cyclic


_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_ONE = {
    "items",
    "additionalItems",
    "additionalProperties",
    "propertyNames",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
}
_ANNOTATIONS = {"$id", "$schema", "$comment", "title", "description", "examples"}


def bundle(api: str, operation: str, direction: str, levels: int) -> dict[str, Any]:
    """One self-contained schema: the reachable shared ``$defs`` copied into the root, refs made
    local, annotations (``x-*``, ``title``) dropped, and the recursive ``Configuration`` unrolled
    ``levels`` deep, the deepest level's ``configurations`` an empty array."""
    from jobrun_contracts.core import registry

    shapes = next(doc for uri, doc in registry.resources(api) if uri.endswith("/shapes.json"))["$defs"]
    cyclic = recursive_defs(shapes)
    if not cyclic <= set(RECURSIVE) | RECURSIVE_HELPERS:
        raise ValueError(f"{api}: recursion through {sorted(cyclic)}; teach bundle() to unroll it")
    defs: dict[str, Any] = {}

    def use(ref: str, depth: int) -> str:
        if not ref.startswith(SHAPES_PREFIX):
            raise ValueError(f"cannot bundle $ref {ref!r}")
        name = ref[len(SHAPES_PREFIX) :]
        if name not in cyclic:
            key = name
        else:
            depth += name in RECURSIVE
            key = f"{name}_{depth}"
        if key not in defs:
            defs[key] = {}  # reserve the name before walking (cycles)
            source = dict(shapes[name])
            if name in RECURSIVE and depth >= levels:
                source["properties"] = {**source["properties"], RECURSIVE[name]: {"type": "array", "maxItems": 0}}
            defs[key] = walk(source, depth)
        return "#/$defs/" + key

    def walk(schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key.startswith("x-") or key in _ANNOTATIONS:
                continue
            if key == "$ref":
                out[key] = use(value, depth)
            elif key in _SCHEMA_MAPS:
                out[key] = {name: walk(sub, depth) for name, sub in value.items()}
            elif key in _SCHEMA_LISTS or (key in _SCHEMA_ONE and isinstance(value, list)):
                out[key] = [walk(sub, depth) for sub in value]
            elif key in _SCHEMA_ONE:
                out[key] = walk(value, depth)
            else:
                out[key] = value
        return out

    root: dict[str, Any] = walk(registry.schema(api, operation, direction), 0)  # type: ignore[arg-type]
    root["$defs"] = defs
    return root


def _pip_versions(python: Path) -> dict[str, str] | None:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for d in {list(HJS_PINS)!r}:\n"
        "    try: out[d] = m.version(d)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    if not python.exists():
        return None
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return json.loads(out.stdout) if out.returncode == 0 else None


def ensure_venv(venv: Path) -> tuple[Path | None, str]:
    """The virtualenv's python with the pinned baseline installed, creating it when missing."""
    python = venv / "bin" / "python"
    if _pip_versions(python) == HJS_PINS:
        return python, "reused"
    log(f"creating {venv} with {', '.join(f'{k}=={v}' for k, v in HJS_PINS.items())} ...")
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        pins = [f"{k}=={v}" for k, v in HJS_PINS.items()]
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
            check=True,
            capture_output=True,
            text=True,
        )
    except (subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return None, f"could not create: {str(detail).strip().splitlines()[-1] if detail else error}"
    return (python, "created") if _pip_versions(python) == HJS_PINS else (None, "created, but pins not installed")


def site_dir_of(python: Path, module: str) -> str:
    code = f"import os, {module}; print(os.path.dirname(os.path.dirname({module}.__file__)))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


# -- cases and results ----------------------------------------------------------------------


@dataclass
class Case:
    key: str
    label: str
    kind: str  # requests | responses | invalid
    api: str
    operation: str

    def spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "api": self.api, "operation": self.operation}


OURS = [
    *(Case(f"valid.{api}", f'`requests("{api}")`', "requests", api, OPERATION) for api in APIS),
    Case("response", f'`responses("{API}", "GetJobRun")`', "responses", API, "GetJobRun"),
    Case("invalid", f'`invalid_requests("{API}")`', "invalid", API, OPERATION),
]
HJS_LABEL = f"hypothesis-jsonschema `from_schema` ({API} {OPERATION}, bundled)"
FLOOR_LABEL = "Hypothesis floor: `st.integers()`"


@dataclass
class Row:
    label: str
    what: str
    hypothesis: str
    calls: int = 0
    seconds: float = 0.0
    stopped: bool = False
    runs: int = 1
    sizes: list[int] = field(default_factory=list)
    first: list[dict[str, float]] = field(default_factory=list)
    checked: str = ""
    health: list[str] = field(default_factory=list)
    choices: list[int] = field(default_factory=list)  # per call

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @classmethod
    def from_worker(cls, label: str, got: dict[str, Any], **extra: Any) -> Row:
        """A row from a worker's ``measure`` answer."""
        return cls(
            label,
            "requests",
            got["hypothesis"],
            got["calls"],
            got["seconds"],
            got["stopped"],
            got["runs"],
            sorted(got["sizes"]),
            choices=got["choices"],
            **extra,
        )


def check_ours(case: Case, values: list[Any]) -> str:
    """How many drawn values our validator agrees with: valid ones accepted, invalid ones
    rejected with exactly the labelled violation."""
    from jobrun_contracts import validator_for

    if case.kind == "invalid":
        checker = validator_for(case.api, case.operation, "request")
        right = sum(
            [(v.pointer, v.keyword) for v in checker.validate(instance)] == [(expected["pointer"], expected["keyword"])]
            for instance, expected in values
        )
        return f"{right}/{len(values)} rejected as labelled"
    direction: Literal["request", "response"] = "response" if case.kind == "responses" else "request"
    checker = validator_for(case.api, case.operation, direction)
    right = sum(_accepts(checker, value) for value in values)
    return f"{right}/{len(values)} accepted"


def _accepts(checker: Any, value: Any) -> bool:
    try:
        return bool(checker.is_valid(value))
    except Exception:  # e.g. a lone surrogate cannot cross into the Rust validator
        return False


def median_first(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(s[key] for s in samples) if samples else float("nan")


# -- report cells ---------------------------------------------------------------------------


def fmt_seconds(seconds: float) -> str:
    if seconds != seconds:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def health_cell(outcomes: list[str]) -> str:
    if not outcomes:
        return "–"
    failed = Counter(o for o in outcomes if o != "passed")
    if not failed:
        return f"0/{len(outcomes)}"
    detail = ", ".join(f"{name} ×{count}" for name, count in failed.most_common())
    return f"**{sum(failed.values())}/{len(outcomes)}** ({detail})"


# -- profiling ------------------------------------------------------------------------------


def profile(n: int, seed: int) -> str:
    import cProfile
    import io
    import pstats

    from jobrun_contracts.strategies import requests

    strategy = requests(API, OPERATION)
    run_given(strategy, n=5, budget=float("inf"), seed=seed + 1)
    profiler = cProfile.Profile()
    profiler.enable()
    run = run_given(strategy, n=n, budget=float("inf"), seed=seed)
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "jobrun_contracts" in filename:
            group = "jobrun_contracts/" + Path(filename).name
        elif "hypothesis" in filename and "conjecture" in filename:
            group = "hypothesis engine (internal/conjecture)"
        elif "hypothesis" in filename:
            group = "hypothesis strategies and core"
        elif filename.startswith("~") or "random.py" in filename or "re/" in filename:
            group = f"builtins/stdlib ({Path(filename).name or filename})"
        else:
            group = "other: " + Path(filename).name
        groups[group] += tottime
    total = sum(groups.values())
    out = io.StringIO()
    out.write(f"cProfile, {run.calls} calls of `requests({API!r})` in {run.seconds:.2f} s under the profiler\n\n")
    out.write("Own time by module group:\n\n")
    out.write(
        table(
            ["group", "own s", "share"],
            ([g, f"{t:.2f}", f"{t / total:.0%}"] for g, t in groups.most_common(12)),
            "lrr",
        )
    )
    out.write("\n\nTop cumulative entries under jobrun_contracts and hypothesis:\n\n```\n")
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(r"jobrun_contracts|hypothesis", 30)
    out.write("\n".join(line for line in buffer.getvalue().splitlines() if line.strip()) + "\n```\n")
    return out.getvalue()


# -- the run --------------------------------------------------------------------------------

QUICK_EXAMPLES = 20  # max_examples of each run in a quick run (the full run: 100)


@dataclass
class Budgets:
    examples: int  # max_examples of each run
    ours: float  # seconds of timed runs per strategy of ours
    ours_runs: int
    baseline: float
    baseline_runs: int
    baseline_examples: int  # max_examples of the baseline's runs
    first_runs: int  # fresh processes per strategy, for the time to first example
    hc_seeds: list[int]
    profile_examples: int
    quick: bool

    @classmethod
    def of(cls, options: argparse.Namespace) -> Budgets:
        if options.quick:
            # A few of the baseline's draws take seconds each (and so does a failed health check): the
            # quick run keeps to its first three examples, and checks health on a seed that passes.
            examples = options.examples or QUICK_EXAMPLES
            found = cls(examples, 0.5, 1, 0.5, 1, min(examples, 3), 1, [1], 50, True)
        else:
            examples = options.examples or 100
            found = cls(examples, 6.0, 10, 40.0, 10, examples, 2, list(range(6)), 600, False)
        if options.repeats:
            found.ours_runs = found.baseline_runs = options.repeats
        return found


@dataclass
class Context:
    """What one run of the benchmark knows and collects."""

    b: Budgets
    seed: int
    here: str  # this interpreter
    toolkit: str  # the directory that holds the jobrun_contracts package
    levels: int  # how deep our strategies unroll the recursive Configuration
    version: str  # the Hypothesis installed here
    tmp: Path
    rows: dict[str, Row] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    baseline_extra: list[str] = field(default_factory=list)


def measure_ours(case: Case, b: Budgets, seed: int, version: str) -> Row:
    strategy, unwrap = _ours_strategy(case.spec())
    run_given(strategy, n=1, budget=float("inf"), seed=seed - 1, unwrap=unwrap)  # warm up
    run, runs = measure_runs(strategy, n=b.examples, budget=b.ours, seed=seed, max_runs=b.ours_runs)
    row = Row(case.label, case.kind, version, run.calls, run.seconds, run.stopped, runs, choices=run.choices)
    instances = [v[0] for v in run.values] if case.kind == "invalid" else run.values
    row.sizes = sorted(json_size(v) for v in instances)
    row.checked = check_ours(case, run.values)
    row.health = health_checks(strategy, [seed + s for s in b.hc_seeds])
    return row


def measure_in_process(c: Context) -> None:
    """Ours, in this process; and Hypothesis itself on the simplest strategy."""
    from hypothesis import strategies as st

    for case in OURS:
        log(f"ours: {case.label} ...")
        c.rows["ours." + case.key] = measure_ours(case, c.b, c.seed, c.version)
    log("floor: st.integers() ...")
    run_given(st.integers(), n=1, budget=float("inf"), seed=c.seed - 1)
    floor, runs = measure_runs(st.integers(), n=c.b.examples, budget=c.b.ours / 2, seed=c.seed, max_runs=c.b.ours_runs)
    c.rows["floor"] = Row(
        FLOOR_LABEL, "floor", c.version, floor.calls, floor.seconds, floor.stopped, runs, choices=floor.choices
    )


def measure_first_examples(c: Context) -> None:
    """Ours, time to first example in fresh processes."""
    for case in OURS:
        log(f"ours: first example, {case.label} ...")
        spec = {"task": "first", "side": "ours", "case": case.spec(), "seed": c.seed}
        c.rows["ours." + case.key].first = [call_worker(c.here, spec) for _ in range(c.b.first_runs)]


def bundle_baseline_schema(c: Context) -> Path:
    schema = bundle(API, OPERATION, "request", c.levels)
    schema_path = c.tmp / "StartJobRun.request.bundled.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    c.notes.append(
        f"Baseline schema: {API} {OPERATION} request bundled into one document "
        f"({len(schema['$defs'])} `$defs`, {len(json.dumps(schema)):,} bytes): the shared `$defs` it reaches "
        f"inlined, refs made local, `x-*` annotations dropped, `Configuration` unrolled {c.levels} levels deep "
        '(the depth our strategy uses), the deepest `configurations` `{"type":"array","maxItems":0}`. '
        "Its patterns keep JSON Schema's meaning (search, not whole-value match), so it draws values the "
        "services reject; the checked column counts them."
    )
    return schema_path


@dataclass
class Baseline:
    """Where hypothesis-jsonschema runs: an interpreter, its environment, and a phrase for the report."""

    python: str
    env: dict[str, str] | None
    where: str
    here: bool  # under the Hypothesis installed here (else the virtualenv's)


def locate_baseline(c: Context, venv_python: Path, venv_state: str) -> Baseline:
    """Does hypothesis-jsonschema work with the Hypothesis installed here? Import it, alone, from the venv."""
    shim = c.tmp / "shim"
    shim.mkdir()
    hjs_site = site_dir_of(venv_python, "hypothesis_jsonschema")
    (shim / "hypothesis_jsonschema").symlink_to(Path(hjs_site) / "hypothesis_jsonschema")
    env = {**os.environ, "PYTHONPATH": str(shim)}
    log(f"probing hypothesis-jsonschema {HJS_PINS['hypothesis-jsonschema']} with Hypothesis {c.version} ...")
    probe = call_worker(c.here, {"task": "probe", "side": "hjs"}, env=env)
    if probe["ok"]:
        return Baseline(c.here, env, "this environment", True)
    found = Baseline(str(venv_python), None, f"`{HJS_VENV}`, {venv_state}", False)
    c.notes.append(
        f"hypothesis-jsonschema {HJS_PINS['hypothesis-jsonschema']} with Hypothesis {c.version} "
        f"(this environment) cannot draw an object: `{probe['error'][:160]}`. So the baseline ran in "
        f"{found.where}, in a subprocess of this run, under Hypothesis {HJS_PINS['hypothesis']}."
    )
    return found


def measure_hjs(c: Context, where: Baseline, schema_path: Path) -> None:
    from jobrun_contracts import validator_for

    b = c.b
    dump = c.tmp / "hjs-values.jsonl"
    log(f"baseline: from_schema, timed runs (budget {b.baseline:g} s) and health checks ...")
    spec = {
        "task": "measure",
        "side": "hjs",
        "schema": str(schema_path),
        "n": b.baseline_examples,
        "budget": b.baseline,
        "max_runs": b.baseline_runs,
        "seed": c.seed,
        "dump": str(dump),
        "hc_seeds": [c.seed + s for s in b.hc_seeds],
    }
    got = call_worker(where.python, spec, env=where.env)
    row = Row.from_worker(HJS_LABEL, got, health=got["health"])
    checker = validator_for(API, OPERATION, "request")
    drawn = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    row.checked = f"{sum(_accepts(checker, v) for v in drawn)}/{len(drawn)} accepted"
    log("baseline: first example ...")
    first_spec = {"task": "first", "side": "hjs", "schema": str(schema_path), "seed": c.seed}
    row.first = [call_worker(where.python, first_spec, env=where.env) for _ in range(b.first_runs)]
    c.rows["hjs"] = row
    c.baseline_extra.append(
        f"hypothesis-jsonschema {HJS_PINS['hypothesis-jsonschema']} with hypothesis {got['hypothesis']} ({where.where})"
    )


def measure_control(c: Context, venv_python: Path) -> None:
    """A control: our StartJobRun strategy under the baseline's Hypothesis, in the same kind of process."""
    import sysconfig

    log(f"control: ours under Hypothesis {c.rows['hjs'].hypothesis} ...")
    paths = sysconfig.get_paths()
    control_spec = {
        "task": "measure",
        "side": "ours",
        "case": OURS[0].spec(),
        "n": c.b.examples,
        "budget": c.b.ours,
        "max_runs": c.b.ours_runs,
        "seed": c.seed,
        "prepend_path": [c.toolkit],
        "append_path": sorted({paths["purelib"], paths["platlib"]}),
    }
    try:
        got = call_worker(str(venv_python), control_spec)
    except RuntimeError as error:
        c.notes.append(f"The control run of ours under the baseline's Hypothesis failed: {error}")
        return
    c.rows["control"] = Row.from_worker(OURS[0].label + ", control", got)


def measure_baseline(c: Context) -> None:
    schema_path = bundle_baseline_schema(c)
    venv_python, venv_state = ensure_venv(HJS_VENV)
    if venv_python is None:
        c.notes.append(f"Baseline not measured: {HJS_VENV} {venv_state}.")
        return
    where = locate_baseline(c, venv_python, venv_state)
    measure_hjs(c, where, schema_path)
    if not where.here:
        measure_control(c, venv_python)


# -- report ---------------------------------------------------------------------------------

ORDER = [f"ours.{case.key}" for case in OURS] + ["floor", "hjs", "control"]


def report_header(r: Report, options: argparse.Namespace, c: Context, bare: float, elapsed: float) -> None:
    b, seed = c.b, c.seed
    baseline_examples = f" (`max_examples={b.baseline_examples}`)" if b.baseline_examples != b.examples else ""
    flags = "".join(
        [
            " --quick" if options.quick else "",
            f" --examples {options.examples}" if options.examples is not None else "",
            f" --repeats {options.repeats}" if options.repeats is not None else "",
        ]
    )
    r.add(f"Command: `python benchmarks/generate.py{flags}` (this run: {elapsed:.0f} s).")
    libraries = ("jobrun-contracts", "hypothesis", "jsonschema-rs", "referencing")
    r.machine(libraries, "Libraries (ours)", [("Baseline", e) for e in c.baseline_extra])
    r.add(
        f"Each strategy runs under `@given` with `settings(max_examples={b.examples}, database=None, deadline=None, "
        f"phases=[Phase.generate])` and health checks suppressed, seeds {seed}, {seed}+1, …: up to {b.ours_runs} "
        f"runs or {b.ours:g} s for ours, {b.baseline_runs} runs or {b.baseline:g} s for the baseline"
        f"{baseline_examples} (a run that reaches the budget is stopped there: `budget`). Examples/s is calls of "
        "the test function over the time of the runs, after a warm-up run of one example. Choices/example is the "
        "mean number of choices "
        "Hypothesis recorded to draw each value (its engine's cost grows with them). JSON sizes are `json.dumps` "
        "of each value drawn (of the instance, for invalid requests). First example: a fresh interpreter imports "
        "Hypothesis and the library, builds the strategy and runs `@given` to its first call (median of "
        f"{b.first_runs}; process wall in brackets; an empty interpreter starts in {bare * 1000:.0f} ms). Checked: "
        "the values drawn, judged by our validator (the services' semantics)."
    )


def rate_cells(key: str, row: Row) -> list[str]:
    first = (
        f"{fmt_seconds(median_first(row.first, 'total'))} ({fmt_seconds(median_first(row.first, 'wall'))})"
        if row.first
        else "–"
    )
    calls = f"{row.calls:,} ({row.runs} run{'s' if row.runs != 1 else ''}{', budget' if row.stopped else ''})"
    rate = fmt_rate(row.rate, 100)
    return [
        row.label,
        row.hypothesis,
        calls,
        f"{row.seconds:.1f}",
        f"**{rate}**" if key.startswith("ours.valid") or key == "hjs" else rate,
        f"{statistics.mean(row.choices):,.1f}" if row.choices else "–",
        fmt_size(statistics.median(row.sizes)) if row.sizes else "–",
        fmt_size(percentile(row.sizes, 0.9)) if row.sizes else "–",
        f"{sum(row.sizes) / row.seconds / 1000:,.0f}" if row.sizes and row.seconds else "–",
        first,
        row.checked or "–",
    ]


def report_rates(r: Report, rows: dict[str, Row]) -> None:
    header = ["strategy", "Hypothesis", "calls", "seconds", "examples/s", "choices/example", "median JSON"]
    header += ["p90 JSON", "JSON KB/s", "first example", "checked"]
    r.table(header, [rate_cells(key, rows[key]) for key in ORDER if key in rows], "llrrrrrrrrl")
    r.add("Time to first example, split (medians, in the fresh process):")
    split = [
        [
            rows[key].label,
            *(fmt_seconds(median_first(rows[key].first, part)) for part in ("imported", "built", "first", "total")),
        ]
        for key in ORDER
        if key in rows and rows[key].first
    ]
    r.table(["strategy", "import", "build the strategy", "`@given` to its first call", "total"], split, "lrrrr")


def verdicts(rows: dict[str, Row], no_baseline: bool) -> list[str]:
    found = []
    ours_valid = rows[f"ours.valid.{API}"]
    if "hjs" in rows and rows["hjs"].rate:
        base = rows["hjs"]
        ratio = ours_valid.rate / base.rate
        verdict = "met" if ratio >= TARGET_RATIO else "**not met**"
        found.append(
            f"**Ours / hypothesis-jsonschema, valid {API} {OPERATION}: {ratio:,.0f}×** "
            f"({fmt_rate(ours_valid.rate, 100)} vs {fmt_rate(base.rate, 100)} examples/s, Hypothesis "
            f"{ours_valid.hypothesis} vs {base.hypothesis}; target ≈{TARGET_RATIO:.0f}×: {verdict})."
        )
        control = rows.get("control")
        if control is not None and control.rate:
            found.append(
                f"On the baseline's Hypothesis ({control.hypothesis}), ours draws {fmt_rate(control.rate, 100)} "
                f"examples/s: {control.rate / base.rate:,.0f}× the baseline."
            )
    elif not no_baseline:
        found.append("Baseline: not measured (see the notes).")
    for api in APIS:
        row = rows[f"ours.valid.{api}"]
        verdict = "met" if row.rate >= TARGET_RATE else "**not met**"
        found.append(
            f"Ours, valid {api} {OPERATION}: {fmt_rate(row.rate, 100)} examples/s, median "
            f"{fmt_size(statistics.median(row.sizes))} (target ≥ {TARGET_RATE:.0f}/s: {verdict})."
        )
    return found


def report_health(r: Report, c: Context) -> None:
    seeds = [c.seed + s for s in c.b.hc_seeds]
    r.add(
        "Health checks at default settings (health checks on, `max_examples=100`, deadline 200 ms; database off, "
        f"generate phase only), {len(seeds)} seeded runs per strategy (seeds {seeds[0]} to {seeds[-1]}), each "
        "stopped at its 10th call, when Hypothesis has finished checking health:"
    )
    rows = c.rows
    hc_rows = [
        [rows[k].label, rows[k].hypothesis, health_cell(rows[k].health)] for k in ORDER if k in rows and rows[k].health
    ]
    r.table(["strategy", "Hypothesis", "runs failing a health check"], hc_rows, "llr")


def report(options: argparse.Namespace, c: Context, bare: float, elapsed: float, profiled: str) -> str:
    r = Report()
    report_header(r, options, c, bare, elapsed)
    report_rates(r, c.rows)
    r.bullets(verdicts(c.rows, options.no_baseline))
    report_health(r, c)
    if c.notes:
        r.add("Notes:").bullets(c.notes)
    if profiled:
        r.add("### Profile", profiled.rstrip("\n"))
    return r.render()


# -- main -----------------------------------------------------------------------------------


def options_parser() -> argparse.ArgumentParser:
    found = parser(
        __doc__,
        quick=f"max_examples {QUICK_EXAMPLES} (3 for the baseline), one run per strategy, health checks on one seed",
        repeats="seeded runs per strategy, at most (default 10; 1 with --quick)",
        seed=SEED,
        profile="also cProfile our StartJobRun strategy",
    )
    found.add_argument(
        "--examples",
        type=int,
        default=None,
        help=f"max_examples of each run (default 100; {QUICK_EXAMPLES} with --quick)",
    )
    found.add_argument("--no-baseline", action="store_true", help="skip hypothesis-jsonschema")
    found.add_argument("--worker", help=argparse.SUPPRESS)
    return found


def context(b: Budgets, seed: int, tmp: Path) -> Context:
    import hypothesis

    import jobrun_contracts

    try:
        from jobrun_contracts.generation.compiler import MAX_RECURSION as levels
    except ImportError:
        levels = 2
    toolkit = str(Path(jobrun_contracts.__file__).resolve().parent.parent)
    return Context(b, seed, sys.executable, toolkit, levels, hypothesis.__version__, tmp)


def main(argv: Sequence[str] | None = None) -> int:
    options = options_parser().parse_args(argv)
    if options.worker:
        print(json.dumps(worker(json.loads(options.worker))))
        return 0
    b = Budgets.of(options)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="jobrun-generate-bench-"))
    try:
        c = context(b, options.seed, tmp)
        if b.quick:
            c.notes.append("A quick run: every row's code path, on too few examples for the figures to mean much.")
        measure_in_process(c)
        measure_first_examples(c)
        bare = min(interpreter_start(c.here) for _ in range(3))
        if not options.no_baseline:
            measure_baseline(c)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    profiled = profile(b.profile_examples, options.seed) if options.profile else ""
    emit(report(options, c, bare, time.perf_counter() - started, profiled), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
