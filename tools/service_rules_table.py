"""Rewrite the rules table in docs/schemas.md from schemas/service-rules.json (run after editing the rules).

``tests/unit/test_service_rules.py`` fails when a rule is missing from the table.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = "| id | API | level | what it does | source |\n| --- | --- | --- | --- | --- |\n"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(root: Path = ROOT) -> None:
    docs = root / "docs" / "schemas.md"
    text = docs.read_text(encoding="utf-8")
    rules = json.loads((root / "schemas" / "service-rules.json").read_text(encoding="utf-8"))
    rows = [
        f"| `{r['id']}` | {api} | {r['level']} | {cell(r['summary'])} | "
        f'[{cell(r["source"])}]({r["url"]}): "{cell(r["quote"])}" |'
        for api, entries in rules.items()
        if not api.startswith("$")
        for r in entries
    ]
    start = text.index(HEAD) + len(HEAD)
    end = text.index("\n\n", start)
    docs.write_text(text[:start] + "\n".join(rows) + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
