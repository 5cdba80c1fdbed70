"""Deliberately broken variants of the reference emulator, each wrong in one behaviour.

The conformance run must catch every one: a mutant that passes every MUST clause means the
contracts miss a documented behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobrun_contracts.emulator import Emulator
from jobrun_contracts.emulator.flavours import AlibabaServerlessSpark, EmrContainers, EmrServerless
from jobrun_contracts.emulator.runs import Run
from jobrun_contracts.wire.service_errors import ServiceError

SERVERLESS, CONTAINERS, ALIBABA = "aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"


class IdempotencyIgnored(Emulator):
    def _start(self, flavour: Any, operation: Any, request: dict[str, Any]) -> Any:
        request = {**request, "clientToken": None}
        request.pop("clientToken")
        return super()._start(flavour, operation, request)


class StateInWrongCase(EmrServerless):
    def described(self, run: Run, now: float, container: Any) -> dict[str, Any]:
        view = super().described(run, now, container)
        view["state"] = view["state"].capitalize()
        return view


class RequiredFieldDropped(EmrServerless):
    def started(self, run: Run) -> dict[str, Any]:
        body = super().started(run)
        del body["arn"]
        return body


class WrongStatusForValidation(EmrServerless):
    def invalid(self, violations: Any) -> ServiceError | None:
        error = super().invalid(violations)
        return None if error is None else ServiceError(500, "InternalServerException", error.message)


class PagesRepeatRuns(Emulator):
    def _page(self, remaining: list[Any], page: int) -> tuple[list[Any], int | None]:
        shown, cursor = super()._page(remaining, page)
        return shown, (None if cursor is None else cursor + 1)  # the next page starts with this page's last run


class PagesDropRuns(Emulator):
    def _page(self, remaining: list[Any], page: int) -> tuple[list[Any], int | None]:
        shown = remaining[:page]
        more = len(remaining) > page + 1
        return shown, (remaining[page][0] if more else None)  # the run after this page is never shown


class MaxResultsNotEnforced(EmrServerless):
    default_page = 50

    def invalid(self, violations: Any) -> ServiceError | None:
        return super().invalid([v for v in violations if v.pointer != "/maxResults"])


class MaxResultsIgnoredInPages(Emulator):
    def _list(self, flavour: Any, operation: Any, request: dict[str, Any]) -> Any:
        return super()._list(flavour, operation, {k: v for k, v in request.items() if k != "maxResults"})


class UnknownRunAnswered(Emulator):
    def _run(self, flavour: Any, operation: Any, request: Any) -> Any:
        found = super()._run(flavour, operation, request)
        if isinstance(found, ServiceError) and "Job run" in found.message:
            container = request[{"aws-emr-serverless": "applicationId"}.get(flavour.api, "virtualClusterId")]
            run = Run(
                flavour.api,
                container,
                request[flavour.run_id_field],
                0,
                {
                    "executionRoleArn": "arn:aws:iam::123456789012:role/R",
                    "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}},
                    "clientToken": "t",
                },
                self.clock.now(),
            )
            from jobrun_contracts.emulator.runs import plan

            run.events = plan(flavour.lifecycle, self.clock.now(), self.timings, fail=False, timeout=None)
            return run
        return found


class CancelIgnored(Emulator):
    def _cancel(self, flavour: Any, operation: Any, request: Any) -> Any:
        run = self._run(flavour, operation, request)
        return run if isinstance(run, ServiceError) else flavour.cancelled(run)


class EndsBeforeSubmitted(EmrServerless):
    def described(self, run: Run, now: float, container: Any) -> dict[str, Any]:
        view = super().described(run, now, container)
        if "endedAt" in view:
            view["endedAt"] = view["createdAt"] - 60
        return view


class ArnNamesAnotherRun(EmrServerless):
    def arn(self, run: Run) -> str:
        return super().arn(run).replace(run.run_id, run.run_id[::-1])


class TagsNotEchoed(EmrServerless):
    def described(self, run: Run, now: float, container: Any) -> dict[str, Any]:
        view = super().described(run, now, container)
        view.pop("tags", None)
        return view


class IdBreaksPattern(EmrServerless):
    def new_run_id(self, rng: Any) -> str:
        return "00F_" + super().new_run_id(rng)[4:]


class ContainersNotFoundAs404(EmrContainers):
    def not_found(self, operation: Any, message: str, missing: str = "run") -> ServiceError:
        return ServiceError(404, "ResourceNotFoundException", message)


class AlibabaStateFilterIgnored(AlibabaServerlessSpark):
    def matches(self, run: Run, view: Any, request: Any, now: float) -> bool:
        return super().matches(run, view, {k: v for k, v in request.items() if k != "states"}, now)


def _with(api: str, flavour: Any) -> Callable[[], Emulator]:
    return lambda: Emulator((api,), flavours={api: flavour})


#: name -> (the API it breaks, how to build it)
class _EveryLabel(frozenset[str]):
    def __contains__(self, label: object) -> bool:
        return True


def _any_release() -> Emulator:
    """EMR on EKS that starts a run with any release label, one that does not exist too."""
    emulator = Emulator((CONTAINERS,))
    emulator.release_labels = _EveryLabel()
    return emulator


MUTANTS: dict[str, tuple[str, Callable[[], Emulator]]] = {
    "any release label runs": (CONTAINERS, _any_release),
    "idempotency ignored": (SERVERLESS, lambda: IdempotencyIgnored((SERVERLESS,))),
    "state in the wrong case": (SERVERLESS, _with(SERVERLESS, StateInWrongCase())),
    "required response field dropped": (SERVERLESS, _with(SERVERLESS, RequiredFieldDropped())),
    "wrong status for a validation error": (SERVERLESS, _with(SERVERLESS, WrongStatusForValidation())),
    "pages repeat runs": (SERVERLESS, lambda: PagesRepeatRuns((SERVERLESS,))),
    "pages drop runs": (CONTAINERS, lambda: PagesDropRuns((CONTAINERS,))),
    "maxResults bounds not enforced": (SERVERLESS, _with(SERVERLESS, MaxResultsNotEnforced())),
    "maxResults ignored when paging": (ALIBABA, lambda: MaxResultsIgnoredInPages((ALIBABA,))),
    "unknown run answered 200": (SERVERLESS, lambda: UnknownRunAnswered((SERVERLESS,))),
    "cancel ignored": (CONTAINERS, lambda: CancelIgnored((CONTAINERS,))),
    "ends before it was submitted": (SERVERLESS, _with(SERVERLESS, EndsBeforeSubmitted())),
    "ARN names another run": (SERVERLESS, _with(SERVERLESS, ArnNamesAnotherRun())),
    "tags not echoed": (SERVERLESS, _with(SERVERLESS, TagsNotEchoed())),
    "run id breaks its pattern": (SERVERLESS, _with(SERVERLESS, IdBreaksPattern())),
    "not-found with an undeclared status": (CONTAINERS, _with(CONTAINERS, ContainersNotFoundAs404())),
    "state filter ignored": (ALIBABA, _with(ALIBABA, AlibabaStateFilterIgnored())),
}
