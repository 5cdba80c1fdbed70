"""Remove what a conformance run made on its target, so that a run against a real account leaves nothing behind.

The target records what the run made from its own answers (``Target.record``): each run a
StartJobRun started, each EMR on EKS job template, and the application or virtual cluster it
prepared itself (never one given with ``--container``, never an Alibaba workspace). At the end,
best effort and within :attr:`Settings.cleanup_timeout` (each request within ``--timeout``):

1. each run whose state is not terminal is cancelled (its state is read first, so a run that has
   ended is left as it is);
2. each job template is deleted (a template a clause deleted already is found gone);
3. each container the run created is removed. An EMR Serverless application "has to be in a
   stopped or created state in order to be deleted" (botocore emr-serverless service-2.json,
   operations.DeleteApplication), and "all scheduled and running jobs must be completed or
   cancelled before stopping" it (operations.StopApplication): it is stopped, the stop retried
   while its cancelled runs end, and deleted once STOPPED. An EMR on EKS virtual cluster is
   deleted with DeleteVirtualCluster (it then reads TERMINATED, ``VirtualClusterState``).

Whatever could not be removed is reported with its id and one line saying why (the target's
answer, scrubbed of secrets as every reason is). A target that answers nothing three requests in
a row is not asked again; Ctrl-C stops the cleanup, and what it did not reach is listed. A target
whose implementation goes away with it (``builtin``, ``moto``: ``Target.disposable``) needs none of
this, and ``--keep`` keeps everything, listed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import registry
from ..core.lifecycle import LIFECYCLES
from ..errors import JobrunContractsError, TargetError
from ..transports.http import NoAnswer
from ..wire import codec
from ..wire.messages import HttpRequest
from .expectations import error_of
from .options import Settings
from .runner import scrub
from .targets import APPLICATION, JOB_RUN, JOB_TEMPLATE, VIRTUAL_CLUSTER, Created, Target

_GET = {  # the operation that reads a run's state
    "aws-emr-serverless": "GetJobRun",
    "aws-emr-containers": "DescribeJobRun",
    "alibaba-emr-serverless-spark": "GetJobRun",
}
_POLL = 2.0  # seconds between looks at something that is still ending (a cancelled run, a stopping application)
_DEAD_AFTER = 3  # requests in a row without an answer: the target is not asked again
_REMOVABLE = {"CREATED", "STOPPED"}  # operations.DeleteApplication
_ORDER = (JOB_RUN, JOB_TEMPLATE, APPLICATION, VIRTUAL_CLUSTER)  # runs end before their containers go


@dataclass(frozen=True)
class Removed:
    """Something the run made that is no longer there, or has ended: ``how`` says which."""

    item: Created
    how: str  # "cancelled", "had ended", "being cancelled", "deleted", "stopped and deleted", "already gone"


@dataclass(frozen=True)
class Left:
    """Something the run made that is still on the target, and why."""

    item: Created
    reason: str


@dataclass
class Cleanup:
    """What removing what the run made did; ``kept`` (``--keep``): nothing was tried, everything is in ``left``."""

    removed: list[Removed] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    kept: bool = False
    interrupted: bool = False  # Ctrl-C stopped it
    requests: int = 0
    seconds: float = 0.0

    @property
    def failures(self) -> list[Left]:
        """What should have been removed and was not (with ``--keep``, nothing)."""
        return [] if self.kept else self.left

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's ``cleanup`` member (a stable API: members are added, never renamed)."""
        return {
            "kept": self.kept,
            "interrupted": self.interrupted,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "removed": [{**_item(r.item), "how": r.how} for r in self.removed],
            "left": [{**_item(entry.item), "reason": entry.reason} for entry in self.left],
        }


def _item(item: Created) -> dict[str, Any]:
    return {"api": item.api, "kind": item.kind, "id": item.id, "container": item.container}


def clean_up(target: Target, settings: Settings = Settings()) -> Cleanup | None:  # noqa: B008 (frozen)
    """Remove what the run made on ``target`` (or, with ``settings.keep``, list it); None for a disposable
    target, whose implementation goes away with it."""
    if target.disposable:
        return None
    made = target.created()
    if settings.keep:
        return Cleanup(left=[Left(item, "kept (--keep)") for item in made], kept=True)
    return _Cleaner(target, settings).run(made)


class _Refused(Exception):
    """The target would not remove something: the message says what it answered."""


class _Cleaner:
    def __init__(self, target: Target, settings: Settings) -> None:
        self.target, self.settings = target, settings
        self.end = time.monotonic() + settings.cleanup_timeout
        self.result = Cleanup()
        self.silent = 0  # requests in a row that got no answer
        self.cancelled: dict[str, list[Created]] = {}  # container id -> its runs that were cancelled, or being so

    def run(self, made: list[Created]) -> Cleanup:
        started = time.perf_counter()
        if made:  # a kept-alive connection a Ctrl-C cut off mid-request cannot carry another: start afresh
            self.target.transport.close()
        pending = sorted(made, key=lambda item: _ORDER.index(item.kind) if item.kind in _ORDER else len(_ORDER))
        try:
            while pending:
                item = pending[0]
                self._settle(item)
                pending.pop(0)
        except KeyboardInterrupt:
            self.result.interrupted = True
            self.result.left += [Left(item, "not removed: the cleanup was interrupted") for item in pending]
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _settle(self, item: Created) -> None:
        reason = self._why_not_tried()
        if reason is None:
            try:
                how = self._action(item)(item)
            except _Refused as refused:
                reason = str(refused)
            except TargetError as error:
                reason = str(error)
            except (JobrunContractsError, KeyError, ValueError) as error:  # an id our encoding refuses, say
                reason = f"cannot ask for it: {error}"
            else:
                self.result.removed.append(Removed(item, how))
                self.target.forget(item)
                return
        self.result.left.append(Left(item, scrub(reason, self.target.secrets())))

    def _why_not_tried(self) -> str | None:
        if self.silent >= _DEAD_AFTER:
            return f"not tried: {self.target.name} answered nothing {self.silent} times in a row"
        if time.monotonic() >= self.end:
            return f"not removed: the cleanup's time limit ({self.settings.cleanup_timeout:g} s) was reached"
        return None

    def _action(self, item: Created) -> Callable[[Created], str]:
        return {
            JOB_RUN: self._end_run,
            JOB_TEMPLATE: self._delete_template,
            APPLICATION: self._remove_application,
            VIRTUAL_CLUSTER: self._remove_virtual_cluster,
        }[item.kind]

    # -- what each kind needs --------------------------------------------------------------

    def _end_run(self, item: Created) -> str:
        api, lifecycle = item.api, LIFECYCLES[item.api]
        names = {registry.CONTAINER_PARAMETER[api]: item.container or "", registry.RUN_ID[api]: item.id}
        state = self._run_state(item, names)
        if state is None:
            return "already gone"
        if state in lifecycle.terminal:
            return "had ended"
        ending = self.cancelled.setdefault(item.container or "", [])  # what a StopApplication may wait on
        if state == lifecycle.cancelling:
            ending.append(item)
            return "being cancelled"
        answer = self._operation(api, "CancelJobRun", names)
        if not answer.ok:
            again = self._run_state(item, names)  # it may have ended meanwhile
            if again is None or again in lifecycle.terminal:
                return "had ended"
            if again == lifecycle.cancelling:
                ending.append(item)
                return "being cancelled"
            raise _Refused(f"still {again}: CancelJobRun answered {answer}")
        ending.append(item)
        return "cancelled"

    def _run_state(self, item: Created, names: Mapping[str, str]) -> str | None:
        """The run's state, or None when the target says it does not exist (any more)."""
        answer = self._operation(item.api, _GET[item.api], names)
        if answer.gone:
            return None
        state = answer.body.get("jobRun", {}).get("state") if isinstance(answer.body, dict) else None
        if not answer.ok or not isinstance(state, str):
            raise _Refused(f"its state cannot be read: {_GET[item.api]} answered {answer}")
        return state

    def _delete_template(self, item: Created) -> str:
        answer = self._operation(item.api, "DeleteJobTemplate", {"id": item.id})
        if answer.ok:
            return "deleted"
        if self._operation(item.api, "DescribeJobTemplate", {"id": item.id}).gone:
            return "already gone"
        raise _Refused(f"DeleteJobTemplate answered {answer}")

    def _remove_application(self, item: Created) -> str:
        state = self._application_state(item)
        if state is None or state == "TERMINATED":
            return "already gone"
        stopped = False
        if state not in _REMOVABLE:
            if state != "STOPPING":
                self._stop(item)
            state = self._until(lambda: self._application_state(item), lambda s: s is None or s in _REMOVABLE)
            if state is None:
                return "already gone"
            if state not in _REMOVABLE:
                raise _Refused(f"still {state} when the cleanup's time ran out; it must be STOPPED to be deleted")
            stopped = True
        answer = self._support(item.api, "DeleteApplication", "DELETE", f"/applications/{item.id}")
        if not answer.ok:
            raise _Refused(f"DeleteApplication answered {answer}")
        return "stopped and deleted" if stopped else "deleted"

    def _stop(self, item: Created) -> None:
        """StopApplication, retried while the runs this cleanup cancelled there end (the model's precondition)."""
        while True:
            answer = self._support(item.api, "StopApplication", "POST", f"/applications/{item.id}/stop")
            if answer.ok:
                return
            if not self._live(item) or time.monotonic() + _POLL >= self.end:
                raise _Refused(f"StopApplication answered {answer}")
            time.sleep(_POLL)

    def _live(self, item: Created) -> bool:
        """Whether a run cancelled in the application (by this cleanup or before it) has not ended yet."""
        lifecycle = LIFECYCLES[item.api]
        for run in self.cancelled.get(item.id, []):
            names = {registry.CONTAINER_PARAMETER[run.api]: item.id, registry.RUN_ID[run.api]: run.id}
            state = self._run_state(run, names)
            if state is not None and state not in lifecycle.terminal:
                return True
        return False

    def _application_state(self, item: Created) -> str | None:
        answer = self._support(item.api, "GetApplication", "GET", f"/applications/{item.id}")
        if answer.gone:
            return None
        state = answer.body.get("application", {}).get("state") if isinstance(answer.body, dict) else None
        if not answer.ok or not isinstance(state, str):
            raise _Refused(f"its state cannot be read: GetApplication answered {answer}")
        return state

    def _remove_virtual_cluster(self, item: Created) -> str:
        path = f"/virtualclusters/{item.id}"
        answer = self._support(item.api, "DeleteVirtualCluster", "DELETE", path)
        if answer.ok:
            return "deleted"
        again = self._support(item.api, "DescribeVirtualCluster", "GET", path)
        state = again.body.get("virtualCluster", {}).get("state") if isinstance(again.body, dict) else None
        if again.gone or state in ("TERMINATING", "TERMINATED"):
            return "already gone"
        raise _Refused(f"DeleteVirtualCluster answered {answer}")

    def _until(self, look: Callable[[], str | None], done: Callable[[str | None], bool]) -> str | None:
        """``look()`` until ``done`` says so or the cleanup's time runs out; the last value seen."""
        seen = look()
        while not done(seen) and time.monotonic() + _POLL < self.end:
            time.sleep(_POLL)
            seen = look()
        return seen

    # -- requests --------------------------------------------------------------------------

    def _operation(self, api: str, name: str, instance: Mapping[str, Any]) -> _Answer:
        """One of the job-run or job-template operations, encoded as the SDKs send it."""
        request = codec.encode(registry.operation(api, name), instance, self.target.host)
        return self._send(api, name, request)

    def _support(self, api: str, name: str, method: str, path: str) -> _Answer:
        """A container operation, outside our schemas (GetApplication, StopApplication, DeleteVirtualCluster...)."""
        headers = {"host": self.target.host, "accept": "application/json"}
        body = b""
        if method == "POST":
            headers["content-type"], body = "application/json", b"{}"
        return self._send(api, name, HttpRequest(method, path, headers, body))

    def _send(self, api: str, name: str, request: HttpRequest) -> _Answer:
        left = self.end - time.monotonic()
        if left <= 0:
            raise _Refused(f"not removed: the cleanup's time limit ({self.settings.cleanup_timeout:g} s) was reached")
        self.result.requests += 1
        try:
            response = self.target.send(api, name, request, timeout=min(self.settings.timeout, max(0.1, left)))
        except NoAnswer:
            self.silent += 1
            raise
        self.silent = 0
        try:
            body = json.loads(response.body) if response.body.strip() else None
        except (ValueError, RecursionError):
            body = None
        code, message = error_of(api, response, body)
        return _Answer(response.status, body, code, message)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any
    code: str | None
    message: str | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """The target says it does not exist: 404, or an error code that says not found."""
        return not self.ok and (self.status == 404 or "notfound" in (self.code or "").lower())

    def __str__(self) -> str:
        text = f"{self.status}" + (f" {self.code}" if self.code else "") + (f": {self.message}" if self.message else "")
        return text if len(text) <= 300 else text[:299] + "…"
