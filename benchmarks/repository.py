"""``validate`` over a whole repository of job specs, against the cost of just reading it.

Rows (each command a fresh process, CPU = user + system of that process alone):

- the CLI over N JSON files, against the floor: a Python loop that reads each file and calls
  ``json.loads`` (the least any JSON checker must do), and against check-jsonschema over the same
  files with a bundled single-file schema of the same operation;
- the CLI over the same specs as YAML, against read + ``yaml.load(CSafeLoader)``;
- peak memory (max RSS) of the CLI for N and for 10 N files: it must not grow with the count.

Every command runs with Python's bytecode cache on (in a scratch ``PYTHONPYCACHEPREFIX``, warmed by
one run first), as an installed package runs: a ``PYTHONDONTWRITEBYTECODE`` environment would
otherwise charge the CLI for compiling its modules on every start, which no user pays.

Floors (issue: validate over a whole repository): JSON within 2x the JSON floor, YAML within 2x
the YAML floor, memory at 10 N within 1.5x memory at N. Run as part of ``benchmarks/validate.py``
or alone: ``python benchmarks/repository.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import Report, emit, log, parser

API, OPERATION = "aws-emr-serverless", "StartJobRun"
FILES, QUICK_FILES = 2000, 100
SCALE = 10  # the memory row compares N files with SCALE x N
JSON_FLOOR, YAML_FLOOR, MEMORY_FLOOR = 2.0, 2.0, 1.5

_MEASURE = """
import resource, subprocess, sys, json
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"cpu": use.ru_utime + use.ru_stime, "rss_kb": use.ru_maxrss, "rc": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-500:]}))
"""
_READ_JSON = (
    "import glob, json, sys\n"
    "for p in sorted(glob.glob(sys.argv[1] + '/*')):\n    json.loads(open(p, encoding='utf-8').read())"
)
_READ_YAML = (
    "import glob, sys, yaml\nL = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
    "for p in sorted(glob.glob(sys.argv[1] + '/*')):\n    yaml.load(open(p, encoding='utf-8').read(), Loader=L)"
)


@dataclass
class Cost:
    cpu: float
    rss_mb: float


_ENV: dict[str, str] = {}  # the environment every measured command runs in (set by run)


def measure(command: list[str]) -> Cost:
    """CPU and peak memory of one command, in a fresh process of its own."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True, env=_ENV or None
    )
    found: dict[str, Any] = json.loads(out.stdout)
    if found["rc"] not in (0, 1):
        raise RuntimeError(f"{command[:4]} exited {found['rc']}: {found['stderr']}")
    return Cost(found["cpu"], found["rss_kb"] / 1024)


def best(command: list[str], repeats: int) -> Cost:
    costs = [measure(command) for _ in range(repeats)]
    return Cost(min(c.cpu for c in costs), max(c.rss_mb for c in costs))


def write_corpus(root: Path, count: int, seed: int) -> tuple[Path, Path]:
    """``count`` valid generated specs, one JSON and one YAML file each."""
    import yaml

    from jobrun_contracts.strategies import examples, requests

    specs = examples(requests(API, OPERATION), count, seed)
    json_dir, yaml_dir = root / "json", root / "yaml"
    json_dir.mkdir()
    yaml_dir.mkdir()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for index, spec in enumerate(specs):
        (json_dir / f"job-{index:05d}.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
        (yaml_dir / f"job-{index:05d}.yaml").write_text(yaml.dump(spec, Dumper=dumper, sort_keys=False), "utf-8")
    return json_dir, yaml_dir


def scaled_copy(source: Path, target: Path, times: int) -> Path:
    target.mkdir()
    for path in sorted(source.iterdir()):
        for copy in range(times):
            shutil.copyfile(path, target / f"{copy:02d}-{path.name}")
    return target


def bundled_schema(root: Path) -> Path | None:
    """A single-file draft-07 schema of the operation for check-jsonschema (the bundle validate.py makes)."""
    from validate import bundle_draft07

    path = root / "schema.json"
    path.write_text(json.dumps(bundle_draft07(API, OPERATION, "request")), encoding="utf-8")
    return path


def run(files: int, repeats: int, seed: int) -> Report:
    cli = [sys.executable, "-m", "jobrun_contracts", "validate", "--api", API]
    with tempfile.TemporaryDirectory(prefix="jobrun-repo-") as tmp:
        root = Path(tmp)
        _ENV.clear()
        _ENV.update({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        _ENV["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        log(f"writing {files} specs as JSON and YAML ...")
        json_dir, yaml_dir = write_corpus(root, files, seed)
        measure([*cli, str(min(json_dir.iterdir()))])  # warms the bytecode cache: not timed
        size = sum(p.stat().st_size for p in json_dir.iterdir())
        log("timing ...")
        rows: dict[str, Cost] = {
            "read + json.loads": best([sys.executable, "-c", _READ_JSON, str(json_dir)], repeats),
            "jobrun-contracts validate (JSON)": best([*cli, str(json_dir)], repeats),
            "read + yaml CSafeLoader": best([sys.executable, "-c", _READ_YAML, str(yaml_dir)], repeats),
            "jobrun-contracts validate (YAML)": best([*cli, str(yaml_dir)], repeats),
        }
        checker = shutil.which("check-jsonschema")
        if checker:
            schema = bundled_schema(root)
            rows["check-jsonschema (JSON, bundled schema)"] = best(
                [checker, "--schemafile", str(schema), *sorted(map(str, json_dir.iterdir()))], repeats
            )
        log(f"memory at {SCALE}x ...")
        many = scaled_copy(json_dir, root / "many", SCALE)
        memory = (measure([*cli, str(json_dir)]).rss_mb, measure([*cli, str(many)]).rss_mb)
    return render(files, size, rows, memory)


def render(files: int, size: int, rows: dict[str, Cost], memory: tuple[float, float]) -> Report:
    json_ratio = rows["jobrun-contracts validate (JSON)"].cpu / rows["read + json.loads"].cpu
    yaml_ratio = rows["jobrun-contracts validate (YAML)"].cpu / rows["read + yaml CSafeLoader"].cpu
    memory_ratio = memory[1] / memory[0]
    r = Report()
    r.add(
        f"### validate over a whole repository: {files} valid {API} {OPERATION} specs "
        f"({size / 1e6:.1f} MB of JSON), one file each"
    )
    r.table(
        ["command (fresh process)", "CPU s", "peak RSS MB"],
        [[name, f"{c.cpu:.2f}", f"{c.rss_mb:.0f}"] for name, c in rows.items()],
        "lrr",
    )

    def met(ratio: float, floor: float) -> str:
        return "met" if ratio <= floor else "not met"

    r.bullets(
        [
            f"JSON: {json_ratio:.2f}x the CPU of read + json.loads "
            f"(floor {JSON_FLOOR}x: {met(json_ratio, JSON_FLOOR)})",
            f"YAML: {yaml_ratio:.2f}x the CPU of read + CSafeLoader "
            f"(floor {YAML_FLOOR}x: {met(yaml_ratio, YAML_FLOOR)})",
            f"memory: {memory[0]:.0f} MB for {files} files, {memory[1]:.0f} MB for {files * SCALE} "
            f"({memory_ratio:.2f}x; floor {MEMORY_FLOOR}x: {met(memory_ratio, MEMORY_FLOOR)})",
        ]
    )
    return r


def main(argv: list[str] | None = None) -> int:
    options = parser(
        __doc__, quick=f"{QUICK_FILES} files, one repeat (smoke test)", repeats="runs per row (default 3)", seed=7
    ).parse_args(argv)
    files = QUICK_FILES if options.quick else FILES
    repeats = 1 if options.quick else (options.repeats or 3)
    emit(run(files, repeats, options.seed).render(), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
