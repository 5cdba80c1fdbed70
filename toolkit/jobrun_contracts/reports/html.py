"""``conform``'s report as one HTML page, for a person to open from a CI artifact, offline.

Self-contained: the style sheet and the filter script are inline, and the page's
Content-Security-Policy admits exactly those two (by their SHA-256) and nothing else: no font, no
image, no request, and no script a target slipped into a reason. Every text is escaped all the
same (markup, and control characters shown as escapes): a target's words (reasons, evidence,
observed states) are untrusted. Reasons, evidence and states come scrubbed of secrets from the
runner. What the cleanup removed and left (each id) is in the header. Counts sit in elements
with ``data-count`` (and ``data-api`` for one API's), for scripts and tests to read. Each observed
run's states are drawn over its API's state machine (``core.lifecycle``) in inline SVG. Without
JavaScript the page shows everything, unfiltered.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
from collections.abc import Iterable

from ..conformance import ClauseResult, Report
from ..core import citations
from ..core.lifecycle import LIFECYCLES, Lifecycle
from ._escape import visible
from .cleanup import cleanup_lines

OUTCOMES = ("failed", "known", "skipped", "passed")  # the order the page lists them in
LEVELS = ("MUST", "SHOULD")
#: How each outcome is shown, in the text report and on the page.
MARKS = {"passed": "pass", "failed": "FAIL", "skipped": "skip", "known": "known"}
# Controls but the tab and the line feed (kept: evidence is laid out in lines), the Unicode line
# separators, and lone surrogates (no encoder writes them): shown as escapes, as every report shows them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ADDRESS = re.compile(r"https://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")

_STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --panel: #f6f8fa;
  --failed: #cf222e; --known: #9a6700; --skipped: #59636e; --passed: #1a7f37; --path: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117;
  --panel: #151b23; --failed: #ff7b72; --known: #d29922; --skipped: #9198a1; --passed: #3fb950; --path: #4493f8; } }
[hidden] { display: none !important; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto;
  max-width: 80rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .25rem; }
code, pre, .state text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem;
  overflow-x: auto; white-space: pre-wrap; word-break: break-word; font-size: 12px; margin: .25rem 0; }
.muted, .counts { color: var(--muted); }
.count { font-weight: 600; }
.failed .count, .count.failed, .mark.failed { color: var(--failed); }
.count.known, .mark.known { color: var(--known); }
.count.passed, .mark.passed { color: var(--passed); }
.count.skipped, .mark.skipped { color: var(--skipped); }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; position: sticky; top: 0;
  background: var(--bg); border-bottom: 1px solid var(--line); padding: .5rem 0; z-index: 1; }
.filters fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0; padding: .2rem .6rem; }
.filters label { margin-right: .6rem; white-space: nowrap; }
details.clause { border-top: 1px solid var(--line); }
details.clause > summary { cursor: pointer; padding: .3rem 0; list-style-position: outside; margin-left: 1rem; }
.mark { display: inline-block; min-width: 3.2rem; font-weight: 600; }
.level { display: inline-block; min-width: 3.6rem; color: var(--muted); }
.reason { color: var(--muted); overflow-wrap: anywhere; }
.body { padding: 0 0 .75rem 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .25rem 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
section.api.empty > .clauses::after { content: "no clause matches the filters"; color: var(--muted); }
figure { margin: .5rem 0; } figcaption { color: var(--muted); }
svg.machine { max-width: 100%; height: auto; }
.state rect { fill: var(--bg); stroke: var(--line); stroke-width: 1.5; }
.state text { fill: var(--fg); font-size: 11px; text-anchor: middle; dominant-baseline: central; }
.state.terminal rect { stroke-width: 3; }
.state.other rect { stroke-dasharray: 4 3; }
.state.seen rect { fill: var(--path); fill-opacity: .18; stroke: var(--path); }
.state.unknown rect { stroke: var(--failed); stroke-dasharray: 4 3; }
.order { fill: var(--path); font-size: 10px; }
.edge { stroke: var(--line); stroke-width: 1.5; fill: none; }
.edge.taken { stroke: var(--path); stroke-width: 2.5; }
.edge.wrong { stroke: var(--failed); stroke-width: 2.5; stroke-dasharray: 5 3; }
.arrow { fill: var(--line); } .arrow.taken { fill: var(--path); } .arrow.wrong { fill: var(--failed); }
"""

_SCRIPT = """
(() => {
  const form = document.querySelector("[data-filters]");
  const boxes = Array.from(form.querySelectorAll("input[data-filter]"));
  const rows = Array.from(document.querySelectorAll("[data-clause]"));
  const update = () => {
    const on = { outcome: new Set(), level: new Set() };
    for (const box of boxes) if (box.checked) on[box.dataset.filter].add(box.value);
    const shown = new Map();
    let total = 0;
    for (const row of rows) {
      const visible = on.outcome.has(row.dataset.outcome) && on.level.has(row.dataset.level);
      row.hidden = !visible;
      if (visible) {
        total += 1;
        shown.set(row.dataset.api, (shown.get(row.dataset.api) || 0) + 1);
      }
    }
    for (const element of document.querySelectorAll("[data-shown]")) {
      const api = element.dataset.api;
      element.textContent = String(api === undefined ? total : shown.get(api) || 0);
    }
    for (const section of document.querySelectorAll("section[data-api]")) {
      section.classList.toggle("empty", !shown.get(section.dataset.api));
    }
  };
  for (const box of boxes) box.addEventListener("change", update);
  form.hidden = false;
  update();
})();
"""


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


#: Only the page's own style sheet and script, by their hashes; nothing may be fetched.
POLICY = (
    f"default-src 'none'; style-src {_digest(_STYLE)}; script-src {_digest(_SCRIPT)}; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def _t(text: str) -> str:
    """Text (or an attribute value) that stays text: markup escaped, controls shown as ``\\x01``."""
    return html.escape(_UNSAFE.sub(lambda m: visible(m.group()), text), quote=True)


def render(report: Report) -> str:
    """The whole page: totals, filters, then each API's clauses with their evidence and observed states."""
    by_api: dict[str, list[ClauseResult]] = {}
    for result in report.results:
        by_api.setdefault(result.clause.api, []).append(result)
    counts = report.counts()
    failed = f"{counts['failed']} failed" + (f", {counts['known']} known" if counts["known"] else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_t(POLICY)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>conform {_t(report.target)}: {failed}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        *_header(report),
        *_filters(report),
        "<main>",
    ]
    index = 0
    for api, results in by_api.items():
        parts += _section(report, api, results, index)
        index += len(results)
    parts += ["</main>", f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _counts(counts: dict[str, int], api: str | None = None) -> str:
    scope = "" if api is None else f' data-api="{_t(api)}"'
    shown = [
        f'<span class="count {outcome}" data-count="{outcome}"{scope}>{counts[outcome]}</span> {outcome}'
        for outcome in OUTCOMES
    ]
    return ", ".join(shown)


def _header(report: Report) -> list[str]:
    must = len(report.must_failures)
    lines = [
        "<header>",
        f"<h1>jobrun-contracts conform <code>{_t(report.target)}</code></h1>",
        f'<p class="totals">{_counts(report.counts())}; '
        f'<span class="count" data-count="must_failures">{must}</span> MUST failures; '
        f'<span data-count="clauses">{len(report.results)}</span> clauses, '
        f"{report.requests} requests in {report.seconds:.1f} s</p>",
    ]
    if report.stopped:
        lines.append(
            f'<p class="stopped"><strong>Stopped early</strong>, <span data-count="not_run">{report.not_run}</span> '
            f"clauses not run: {_t(report.stopped)}</p>"
        )
    if report.baseline is not None:
        lines.append(f"<p>Known failures are those the baseline <code>{_t(report.baseline)}</code> records.</p>")
    if report.fixed:
        fixed = ", ".join(f"<code>{_t(key)}</code>" for key in report.fixed)
        lines.append(
            f'<p class="fixed">Fixed: <span data-count="fixed">{len(report.fixed)}</span> clauses the baseline '
            f"records as failing passed (<code>--write-baseline</code> tightens it): {fixed}</p>"
        )
    cleanup = cleanup_lines(report.cleanup)  # already one line each; the target's words in them are scrubbed
    if cleanup and report.cleanup is not None:
        lines.append(
            f'<div class="cleanup"><p><strong>Cleanup</strong>: <span data-count="left">{len(report.cleanup.left)}'
            f"</span> things the run created are still on the target</p><pre>{_t(chr(10).join(cleanup))}</pre></div>"
        )
    lines.append("</header>")
    return lines


def _filters(report: Report) -> list[str]:
    counts = report.counts()
    levels = {level: sum(r.clause.level == level for r in report.results) for level in LEVELS}
    outcome = " ".join(
        f'<label><input type="checkbox" data-filter="outcome" value="{o}" checked> {o} ({counts[o]})</label>'
        for o in OUTCOMES
    )
    level = " ".join(
        f'<label><input type="checkbox" data-filter="level" value="{v}" checked> {v} ({levels[v]})</label>'
        for v in LEVELS
    )
    return [
        '<form class="filters" data-filters hidden>',  # shown by the script: without it the filters do nothing
        f"<fieldset><legend>outcome</legend>{outcome}</fieldset>",
        f"<fieldset><legend>level</legend>{level}</fieldset>",
        f'<span>showing <span class="count" data-shown>{len(report.results)}</span> of '
        f"{len(report.results)} clauses</span>",
        "</form>",
    ]


def _section(report: Report, api: str, results: list[ClauseResult], first: int) -> list[str]:
    lines = [
        f'<section class="api" data-api="{_t(api)}">',
        f"<h2>{_t(api)}</h2>",
        f'<p class="counts">{_counts(report.counts(api), api)}; showing '
        f'<span data-shown data-api="{_t(api)}">{len(results)}</span></p>',
        '<div class="clauses">',
    ]
    for offset, result in enumerate(results):
        lines += _clause(result, first + offset)
    lines += ["</div>", "</section>"]
    return lines


def _clause(result: ClauseResult, index: int) -> list[str]:
    clause, outcome = result.clause, result.outcome
    opened = " open" if outcome == "failed" else ""
    reason = f' <span class="reason">{_t(_first_line(result.reason))}</span>' if result.reason else ""
    lines = [
        f'<details class="clause" id="clause-{index}" data-clause data-api="{_t(clause.api)}" '
        f'data-outcome="{outcome}" data-level="{_t(clause.level)}"{opened}>',
        f'<summary><span class="mark {outcome}">{MARKS[outcome]}</span> <span class="level">{_t(clause.level)}'
        f"</span> <code>{_t(clause.operation)}::{_t(clause.id)}</code>{reason}</summary>",
        '<div class="body">',
        f"<p>{_t(clause.summary)}</p>",
        "<dl>",
        f"<dt>clause</dt><dd><code>{_t(clause.node_id)}</code></dd>",
        f"<dt>source</dt><dd>{_source(clause.source)}</dd>",
    ]
    if result.reason:
        lines.append(f'<dt>reason</dt><dd><pre class="reason-text">{_t(result.reason)}</pre></dd>')
    if result.known is not None:
        recorded = "any reason" if result.known.recorded is None else _t(result.known.recorded)
        changed = " (the reason has changed since)" if result.known.changed else ""
        lines.append(f"<dt>baseline</dt><dd>a known failure; recorded reason: {recorded}{changed}</dd>")
    lines += [f"<dt>time</dt><dd>{result.seconds:.3f} s</dd>", "</dl>"]
    for number, path in enumerate(result.states):
        lines += _figure(clause.api, path, f"{index}-{number}")
    if outcome in ("failed", "known") and result.exchanges:
        evidence = "\n".join(json.dumps(e.to_dict(), indent=2, ensure_ascii=False) for e in result.exchanges[-2:])
        lines += [
            '<details class="evidence"><summary>Last exchanges (credentials, signatures and sensitive values '
            "redacted)</summary>",
            f"<pre>{_t(evidence)}</pre></details>",
        ]
    lines += ["</div>", "</details>"]
    return lines


def _first_line(text: str, limit: int = 300) -> str:
    """What a clause's one-line summary shows of its reason; the whole reason is in its body."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit and line == text else line[:limit] + "…"


def _source(source: str) -> str:
    """The source as the contract gives it, and a link to its public address when there is one."""
    shown = _t(source)
    found = _ADDRESS.search(citations.public(source))
    if found is None:
        return shown
    address = found.group().rstrip(".,;)")
    return f'{shown} <a href="{_t(address)}" rel="noreferrer noopener">{_t(address)}</a>'


# -- the state machine, and a run's path over it --------------------------------------------------

_PAD, _ARC, _NODE_H, _COL_GAP, _ROW_GAP, _CHAR = 12, 34, 28, 46, 20, 7.2


def _figure(api: str, path: list[str], key: str) -> list[str]:
    lifecycle = LIFECYCLES.get(api)
    steps = " → ".join(path)
    caption = [f"observed: {_t(steps)}"]
    if lifecycle is not None:
        wrong = [f"{a} → {b}" for a, b in itertools.pairwise(path) if not _allowed(lifecycle, a, b)]
        unknown = [s for s in dict.fromkeys(path) if s not in lifecycle.states]
        if wrong:
            caption.append("not allowed: " + _t(", ".join(wrong)))
        if unknown:
            caption.append("not a state of the API: " + _t(", ".join(unknown)))
    drawing = [] if lifecycle is None else [_machine(api, lifecycle, path, key)]
    return [
        '<figure class="states">',
        *drawing,
        f'<figcaption data-path="{_t(json.dumps(path, ensure_ascii=False))}">{"; ".join(caption)}</figcaption>',
        "</figure>",
    ]


def _allowed(lifecycle: Lifecycle, before: str, after: str) -> bool:
    known = lifecycle.states
    return before in known and after in known and lifecycle.may_follow(before, after)


def edges(lifecycle: Lifecycle) -> list[tuple[str, str]]:
    """The machine's steps: every move ``may_follow`` allows between the placed states, less those that go
    through another state (a run may take several steps between two polls, so any path along them is allowed)."""
    main = _placed(lifecycle)
    allowed = {(a, b) for a in main for b in main if a != b and lifecycle.may_follow(a, b)}
    return [
        (a, b)
        for a in main
        for b in main
        if (a, b) in allowed and not any((a, c) in allowed and (c, b) in allowed for c in main if c not in (a, b))
    ]


def _placed(lifecycle: Lifecycle) -> list[str]:
    """The states with a place in the machine; the ``apart`` ones are drawn beside it."""
    placed = (*lifecycle.progression, lifecycle.success, lifecycle.failure, lifecycle.cancelling, lifecycle.cancelled)
    return list(dict.fromkeys(placed))


def _layers(lifecycle: Lifecycle, steps: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Each placed state's column: the longest chain of steps that leads to it."""
    layer = dict.fromkeys(_placed(lifecycle), 0)
    steps = list(steps)
    for state in sorted(layer, key=lifecycle.rank):  # a step never goes to a lower rank: this order is topological
        for before, after in steps:
            if after == state:
                layer[state] = max(layer[state], layer[before] + 1)
    return layer


def _machine(api: str, lifecycle: Lifecycle, path: list[str], key: str) -> str:
    steps = edges(lifecycle)
    layer = _layers(lifecycle, steps)
    width = max(len(s) for s in layer) * _CHAR + 16
    row: dict[str, int] = {}
    for column in sorted(set(layer.values())):  # each state level with the first state it follows, if free
        taken_rows: set[int] = set()
        for state in (s for s in layer if layer[s] == column):
            wanted = min((row[a] for a, b in steps if b == state and a in row), default=0)
            while wanted in taken_rows:
                wanted += 1
            row[state] = wanted
            taken_rows.add(wanted)
    box: dict[str, tuple[float, float, float]] = {}  # state -> x, y, width
    for state, column in layer.items():
        box[state] = (_PAD + column * (width + _COL_GAP), _PAD + _ARC + row[state] * (_NODE_H + _ROW_GAP), width)
    rows = max(row.values()) + 1
    extra = [*lifecycle.apart, *(s for s in dict.fromkeys(path) if s not in lifecycle.states)]
    x, y = float(_PAD), _PAD + _ARC + rows * (_NODE_H + _ROW_GAP) + 6
    for state in extra:
        own = len(state) * _CHAR + 16
        box[state] = (x, y, own)
        x += own + _COL_GAP / 2
    right = max(bx + bw for bx, _, bw in box.values()) + _PAD
    bottom = max(by for _, by, _ in box.values()) + _NODE_H + _ROW_GAP + _PAD
    taken = set(itertools.pairwise(path))
    order: dict[str, list[int]] = {}
    for number, state in enumerate(path, 1):
        order.setdefault(state, []).append(number)

    parts = [
        f'<svg class="machine" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right:.0f} {bottom:.0f}" '
        f'width="{right:.0f}" height="{bottom:.0f}" role="img" '
        f'aria-label="{_t(api)} job-run states, with the observed path">',
        f"<title>{_t(api)} job-run states; observed: {_t(' → '.join(path))}</title>",
        "<defs>",
        *(
            f'<marker id="arrow-{key}-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path class="arrow {kind}" d="M0,0 L10,5 L0,10 z"/></marker>'
            for kind in ("step", "taken", "wrong")
        ),
        "</defs>",
    ]
    for before, after in steps:
        kind = "taken" if (before, after) in taken else "step"
        (x1, y1, w1), (x2, y2, _) = box[before], box[after]
        parts.append(
            f'<line class="edge {kind}" x1="{x1 + w1:.1f}" y1="{y1 + _NODE_H / 2:.1f}" x2="{x2 - 2:.1f}" '
            f'y2="{y2 + _NODE_H / 2:.1f}" marker-end="url(#arrow-{key}-{kind})"/>'
        )
    for before, after in dict.fromkeys(itertools.pairwise(path)):
        if (before, after) in steps:
            continue
        kind = "taken" if _allowed(lifecycle, before, after) else "wrong"
        (x1, y1, w1), (x2, y2, w2) = box[before], box[after]
        start, end = (x1 + w1 / 2, y1), (x2 + w2 / 2, y2)
        lift = min(y1, y2) - _ARC + 4  # an arc over the row: the top margin leaves it room
        parts.append(
            f'<path class="edge {kind}" d="M{start[0]:.1f},{start[1]:.1f} Q{(start[0] + end[0]) / 2:.1f},{lift:.1f} '
            f'{end[0]:.1f},{end[1]:.1f}" marker-end="url(#arrow-{key}-{kind})"/>'
        )
    for state, (bx, by, bw) in box.items():
        classes = ["state"]
        if state in lifecycle.terminal:
            classes.append("terminal")
        if state in lifecycle.apart:
            classes.append("other")
        elif state not in lifecycle.states:
            classes.append("unknown")
        if state in order:
            classes.append("seen")
        parts.append(
            f'<g class="{" ".join(classes)}" data-state="{_t(state)}"><rect x="{bx:.1f}" y="{by:.1f}" '
            f'width="{bw:.1f}" height="{_NODE_H}" rx="6"/><text x="{bx + bw / 2:.1f}" y="{by + _NODE_H / 2:.1f}">'
            f"{_t(state)}</text></g>"
        )
        if state in order:
            numbers = ", ".join(str(n) for n in order[state])
            parts.append(f'<text class="order" x="{bx + 3:.1f}" y="{by + _NODE_H + 11:.1f}">{numbers}</text>')
    parts.append("</svg>")
    return "".join(parts)
