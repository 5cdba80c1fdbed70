"""``conform --report out.html`` in a real browser, and ``--baseline`` end to end.

``conform`` runs as a user runs it (a subprocess) against the built-in emulator and against a
broken emulator on a loopback port, signed with credentials from the environment (botocore's
chain), that echoes every request's credentials and signature back. Headless Chromium (Debian's
``chromium``; ``.ci/run`` installs it) loads each page over the DevTools protocol on a pipe (no
new dependency): the counts it shows once its script ran are the JSON report's, the filters
react to real clicks, nothing is fetched, and no secret is on the page.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.mutants import RequiredFieldDropped
from jobrun_contracts.conformance import ClauseResult, Report, all_clauses
from jobrun_contracts.core.lifecycle import LIFECYCLES
from jobrun_contracts.emulator import Emulator, EmulatorServer
from jobrun_contracts.reports import html
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse

API = "aws-emr-serverless"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
# Not shaped like an AWS key id (the scrubber's patterns would catch that): only the target's secrets hide these.
KEY_ID, SECRET, TOKEN = "AKIDHTMLREPORT", "html-report-secret-Zq8w", "IQoJhtmlReportSessionToken0123"


# -- a browser over the DevTools protocol on a pipe -------------------------------------------------


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe``: JSON messages, each ended by a NUL."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        ours_to_it, its_from_us = os.pipe()[::-1]  # (write end, read end)
        its_to_us, ours_from_it = os.pipe()[::-1]
        # Chromium reads fd 3 and writes fd 4; a Python shim puts the pipe's ends there (no preexec_fn:
        # the test process has threads).
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (its_from_us, its_to_us)]
        shim = (
            "import os, sys; r, w = map(int, sys.argv[1:3]); os.dup2(r, 3); os.dup2(w, 4); os.close(r); "
            "os.close(w); os.execv(sys.argv[3], sys.argv[3:])"
        )
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", shim, *map(str, high), binary, *flags, f"--user-data-dir={self.profile}"],
            pass_fds=high,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (its_from_us, its_to_us, *high):
            os.close(fd)
        self.out, self.into = ours_from_it, ours_to_it
        self.buffer, self.last_id = b"", 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.into, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._next(time.monotonic() + 30)
            if answer.get("id") == self.last_id:
                assert "error" not in answer, answer["error"]
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        end = time.monotonic() + 30
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            self.events.append(self._next(end))

    def _next(self, end: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.out], [], [], max(0.0, end - time.monotonic()))
            assert ready, "chromium did not answer within 30 s"
            chunk = os.read(self.out, 1 << 16)
            assert chunk, "chromium closed the DevTools pipe"
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(raw)
        return parsed

    def open(self, path: Path) -> Page:
        return Page(self, path.resolve().as_uri())

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.out)
        os.close(self.into)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab: loaded, then read and clicked through the protocol, its console and network watched."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.browser, self.url = browser, url
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            browser.call(f"{domain}.enable", session=self.session)
        browser.call("Page.navigate", {"url": url}, session=self.session)
        browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str) -> Any:
        answer = self.browser.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=self.session
        )
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the middle of the element, as a person would make it."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView(); "
            "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
                session=self.session,
            )

    def events(self, *methods: str) -> list[dict[str, Any]]:
        return [e for e in self.browser.events if e.get("sessionId") == self.session and e.get("method") in methods]


#: What the page shows, read once its script ran: the totals, each API's counts, and the rows.
SHOWN = """JSON.stringify((() => {
  const number = (e) => Number(e.textContent);
  const totals = {}, apis = {}, rows = {}, visible = {};
  for (const e of document.querySelectorAll("[data-count]:not([data-api])")) totals[e.dataset.count] = number(e);
  for (const e of document.querySelectorAll("[data-count][data-api]"))
    (apis[e.dataset.api] ??= {})[e.dataset.count] = number(e);
  for (const row of document.querySelectorAll("[data-clause]")) {
    rows[row.dataset.outcome] = (rows[row.dataset.outcome] || 0) + 1;
    if (row.getClientRects().length) visible[row.dataset.outcome] = (visible[row.dataset.outcome] || 0) + 1;
  }
  const shown = number(document.querySelector("[data-shown]:not([data-api])"));
  return {totals, apis, rows, visible, shown, filters: !document.querySelector("[data-filters]").hidden};
})())"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    opened = Browser(CHROMIUM)
    try:
        yield opened
    finally:
        opened.close()


# -- conform runs: the emulator, a broken one, and baselines ---------------------------------------


class EchoingBroken(Emulator):
    """EMR Serverless whose StartJobRun answer lacks its ``arn`` (a MUST failure), and that echoes every
    request's Authorization and session token back in a response header, as a careless proxy might."""

    def __init__(self) -> None:
        super().__init__((API,), flavours={API: RequiredFieldDropped()}, credentials={KEY_ID: SECRET})
        self.signatures: list[str] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = super().__call__(request)
        authorization = request.headers.get("authorization", "")
        if "Signature=" in authorization:
            self.signatures.append(authorization.rsplit("Signature=", 1)[1])
        echoed = f"{authorization} token={request.headers.get('x-amz-security-token', '')}"
        return dataclasses.replace(response, headers={**response.headers, "x-echo": echoed})


def conform(*args: str, home: Path) -> tuple[int, dict[str, Any], str]:
    """``jobrun-contracts conform --format json ...``; AWS credentials from the environment, and only ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ALIBABA_CLOUD_"))}
    env |= {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "jobrun_contracts", "conform", "--api", API, "--examples", "2", "--format=json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


@dataclasses.dataclass
class Runs:
    folder: Path
    reports: dict[str, dict[str, Any]]
    codes: dict[str, int]
    stderr: dict[str, str]
    signatures: list[str]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("html")
    reports, codes, stderr = {}, {}, {}

    def record(name: str, *args: str) -> None:
        codes[name], reports[name], stderr[name] = conform(*args, "--report", str(folder / f"{name}.html"), home=folder)

    record("builtin")
    broken = EchoingBroken()
    with EmulatorServer(broken) as server:
        url = ["--target", server.url, "--container", f"{API}={server.defaults[API]}"]
        record("broken", *url, "--write-baseline", str(folder / "baseline.json"))
        record("known", *url, "--baseline", str(folder / "baseline.json"))
        recorded = json.loads((folder / "baseline.json").read_text())
        recorded["failures"] = [f for f in recorded["failures"] if f["clause"] != "start-valid-run"]
        (folder / "partial.json").write_text(json.dumps(recorded))
        record("new", *url, "--baseline", str(folder / "partial.json"))
    record("fixed", "--baseline", str(folder / "baseline.json"))
    return Runs(folder, reports, codes, stderr, broken.signatures)


def failed(report: dict[str, Any], outcome: str = "failed") -> list[str]:
    return sorted(c["id"] for c in report["clauses"] if c["outcome"] == outcome and c["level"] == "MUST")


@pytest.mark.slow
def test_a_baseline_turns_known_failures_green_and_a_new_one_red(runs: Runs) -> None:
    broken = runs.reports["broken"]
    assert runs.codes["broken"] == 1 and broken["must_failures"] > 0
    assert f"{API}::StartJobRun::start-valid-run" in failed(broken)
    written = json.loads((runs.folder / "baseline.json").read_text())
    recorded = {f"{f['api']}::{f['operation']}::{f['clause']}" for f in written["failures"]}
    assert written["version"] == 1 and recorded == {c["id"] for c in broken["clauses"] if c["outcome"] == "failed"}
    assert f"{len(written['failures'])} failed clauses written to" in runs.stderr["broken"]

    known = runs.reports["known"]
    assert runs.codes["known"] == 0, runs.stderr["known"]
    assert known["counts"]["failed"] == 0 and known["must_failures"] == 0
    assert known["counts"]["known"] == broken["counts"]["failed"] and failed(known, "known") == failed(broken)
    assert known["baseline"] == str(runs.folder / "baseline.json") and known["fixed"] == []

    new = runs.reports["new"]
    assert runs.codes["new"] == 1
    assert failed(new) == [f"{API}::StartJobRun::start-valid-run"]
    assert new["counts"]["known"] == broken["counts"]["failed"] - 1


@pytest.mark.slow
def test_a_recorded_clause_that_passes_is_reported_fixed_without_failing_the_run(runs: Runs) -> None:
    fixed = runs.reports["fixed"]
    assert runs.codes["fixed"] == 0 and fixed["counts"]["known"] == 0
    passed = {c["id"] for c in fixed["clauses"] if c["outcome"] == "passed"}
    recorded = {c["id"] for c in runs.reports["broken"]["clauses"] if c["outcome"] == "failed"}
    assert fixed["fixed"] == [c["id"] for c in fixed["clauses"] if c["id"] in recorded & passed]  # in run order
    assert len(fixed["fixed"]) > 10


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("name", ["builtin", "broken", "known", "new", "fixed"])
def test_the_page_shows_the_json_reports_counts(runs: Runs, browser: Browser, name: str) -> None:
    report = runs.reports[name]
    page = browser.open(runs.folder / f"{name}.html")
    shown = json.loads(page.evaluate(SHOWN))
    assert shown["filters"], "the filter script did not run"
    for outcome, count in report["counts"].items():
        assert shown["totals"][outcome] == count, outcome
        assert shown["rows"].get(outcome, 0) == shown["visible"].get(outcome, 0) == count, outcome
    assert shown["totals"]["must_failures"] == report["must_failures"]
    assert shown["totals"]["clauses"] == shown["shown"] == len(report["clauses"])
    per_api: dict[str, dict[str, int]] = {}
    for clause in report["clauses"]:
        counts = per_api.setdefault(clause["api"], dict.fromkeys(report["counts"], 0))
        counts[clause["outcome"]] += 1
    assert shown["apis"] == per_api
    assert shown["totals"].get("fixed", 0) == len(report["fixed"])


@needs_chromium
@pytest.mark.slow
def test_the_filters_follow_clicks_on_outcome_and_level(runs: Runs, browser: Browser) -> None:
    report = runs.reports["known"]
    counts, total = report["counts"], len(report["clauses"])
    page = browser.open(runs.folder / "known.html")
    page.click('input[data-filter="outcome"][value="passed"]')
    shown = json.loads(page.evaluate(SHOWN))
    assert shown["shown"] == total - counts["passed"] and "passed" not in shown["visible"]
    assert shown["visible"] == {o: n for o, n in counts.items() if n and o != "passed"}
    page.click('input[data-filter="outcome"][value="skipped"]')
    shown = json.loads(page.evaluate(SHOWN))
    assert shown["visible"] == {"known": counts["known"]} and shown["shown"] == counts["known"]
    page.click('input[data-filter="level"][value="MUST"]')  # a MUST run: nothing is left
    assert json.loads(page.evaluate(SHOWN))["shown"] == 0
    assert page.evaluate("document.querySelector('section[data-api]').classList.contains('empty')") is True
    page.click('input[data-filter="level"][value="MUST"]')
    page.click('input[data-filter="outcome"][value="passed"]')
    shown = json.loads(page.evaluate(SHOWN))
    assert shown["shown"] == counts["known"] + counts["passed"] and "skipped" not in shown["visible"]


@needs_chromium
@pytest.mark.slow
def test_no_secret_the_target_echoed_is_on_the_page(runs: Runs, browser: Browser) -> None:
    assert runs.signatures, "the broken emulator saw no signed request"
    written = (runs.folder / "broken.html").read_text(encoding="utf-8")
    page = browser.open(runs.folder / "broken.html")
    live = page.evaluate("document.documentElement.outerHTML")
    assert "x-echo" in live and "&lt;redacted&gt;" in live  # the echo is shown, with its secrets replaced
    for text in (written, live, json.dumps(runs.reports["broken"])):
        for secret in (KEY_ID, SECRET, TOKEN, *runs.signatures):
            assert secret not in text


@needs_chromium
@pytest.mark.slow
def test_the_page_fetches_nothing_and_breaks_no_rule_of_its_policy(runs: Runs, browser: Browser) -> None:
    page = browser.open(runs.folder / "broken.html")
    requests = [e["params"]["request"]["url"] for e in page.events("Network.requestWillBeSent")]
    assert requests == [page.url]
    problems = page.events("Runtime.exceptionThrown", "Log.entryAdded")
    assert [e["params"] for e in problems] == []
    policy = page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    assert policy.startswith("default-src 'none';") and "unsafe-inline" not in policy


@needs_chromium
@pytest.mark.slow
def test_an_observed_run_is_drawn_over_its_state_machine(runs: Runs, browser: Browser) -> None:
    (clause,) = [c for c in runs.reports["builtin"]["clauses"] if c.get("states")]
    (path,) = clause["states"]
    assert path[0] == "SUBMITTED" and path[-1] == "SUCCESS"
    page = browser.open(runs.folder / "builtin.html")
    drawn = page.evaluate(
        "[...document.querySelectorAll('figure.states')].map(f => ({path: JSON.parse(f.querySelector('figcaption')"
        ".dataset.path), seen: [...f.querySelectorAll('.state.seen')].map(g => g.dataset.state), "
        "states: f.querySelectorAll('.state').length, taken: f.querySelectorAll('.edge.taken').length}))"
    )
    machine = LIFECYCLES[API]
    assert drawn == [{"path": path, "seen": [s for s in machine.states if s in path], "states": 9, "taken": 4}]


# -- the page's code, without the command line --------------------------------------------------


HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">&amp; \x1b[31m'


@needs_chromium
def test_a_targets_markup_stays_text_and_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    clause = next(c for c in all_clauses([API], level="MUST", examples=0) if c.id == "start-valid-run")
    result = ClauseResult(clause, "failed", HOSTILE, states=[["SUBMITTED", HOSTILE, "SUCCESS"]])
    report = Report(f"http://t/{HOSTILE}", [result], 0.1, 1, stopped=HOSTILE)
    (tmp_path / "hostile.html").write_text(html.render(report), encoding="utf-8")
    page = browser.open(tmp_path / "hostile.html")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 1 and page.evaluate("document.images.length") == 0
    shown = HOSTILE.replace("\x1b", "\\x1b")  # a control character is shown as an escape, as every report shows it
    assert page.evaluate("document.querySelector('.reason-text').textContent") == shown
    assert page.evaluate("document.querySelector('.state.unknown').dataset.state") == shown
    assert page.evaluate("document.querySelector('.stopped').textContent").endswith(shown)


@pytest.mark.parametrize("api", list(LIFECYCLES))
def test_the_machine_drawn_allows_exactly_what_the_lifecycle_allows(api: str) -> None:
    """Every move ``may_follow`` allows between the drawn states is a path along the arrows, and no more."""
    machine = LIFECYCLES[api]
    steps = html.edges(machine)
    placed = {state for step in steps for state in step}
    reach = {(a, b) for a, b in steps}
    while True:
        longer = reach | {(a, d) for a, b in reach for c, d in reach if b == c}
        if longer == reach:
            break
        reach = longer
    allowed = {(a, b) for a in placed for b in placed if a != b and machine.may_follow(a, b)}
    assert reach == allowed
    assert not any((a, c) in reach and (c, b) in reach for a, b in steps for c in placed)  # none is a shortcut
    assert set(machine.apart).isdisjoint(placed)
