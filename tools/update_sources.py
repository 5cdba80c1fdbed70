"""Regenerate the AWS schemas from the installed botocore and record every source's version in schemas/sources.json.

The Alibaba schemas are written by hand; their entry records the installed SDK only when ``drift``
finds nothing between them. Run after an upgrade (the README's development section): ``drift``
first says what changed, this writes it, and ``git diff schemas/`` is the review.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jobrun_contracts.sources import botocore_model, drift
from jobrun_contracts.sources.record import write_record

ROOT = Path(__file__).resolve().parent.parent


def main(root: Path = ROOT) -> list[Path]:
    written = []
    for service in botocore_model.SERVICES.values():
        model = botocore_model.installed_model(service)
        for name, document in botocore_model.transcribe(service, model).items():
            path = root / "schemas" / service.api / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
            written.append(path)
        written.append(write_record(root / "schemas", service.api, botocore_model.record_entry(service, model)))
    alibaba = drift.drift(drift.ALIBABA)
    if alibaba.changes:
        print(
            f"{drift.ALIBABA}: the SDK and the schemas differ; edit the schemas, then run this again", file=sys.stderr
        )
        for change in alibaba.changes:
            print(f"  {change.where}: {change.message}", file=sys.stderr)
    else:
        written.append(write_record(root / "schemas", drift.ALIBABA, drift.alibaba_record_entry()))
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    for path in dict.fromkeys(main(out)):
        print(path.relative_to(out))
