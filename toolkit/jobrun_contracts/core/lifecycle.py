"""Each API's job-run state machine, shared by the emulator (which walks it) and the contracts (which check it).

Sources: the EMR Serverless JobRunState page (SUBMITTED, PENDING, SCHEDULED, RUNNING, then SUCCESS
or FAILED; CANCELLING then CANCELLED; QUEUED while waiting for capacity, listed between SUBMITTED
and PENDING on the User Guide's "Job run states" page), the EMR on EKS
JobRunState page (PENDING, SUBMITTED, RUNNING, then COMPLETED or FAILED; CANCEL_PENDING then
CANCELLED) and the Alibaba GetJobRun page's state list (Submitted, Pending, Running, Success,
Failed, Cancelling, Cancelled, CancelFailed). The order between the states is the pages' listing
order; which state may follow which is our reading of them, checked by the contracts only as
"never moves backwards, never leaves a terminal state".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lifecycle:
    progression: tuple[str, ...]  # the states a run passes through before its outcome, in order
    running: str  # entering this state is when a run starts
    success: str
    failure: str
    cancelling: str
    cancelled: str
    queued: str | None = None  # where a run waits for a slot: after the first state, before the second
    other: tuple[str, ...] = ()  # documented states no page places (the emulator never enters them)

    @property
    def terminal(self) -> frozenset[str]:
        return frozenset({self.success, self.failure, self.cancelled})

    @property
    def states(self) -> tuple[str, ...]:
        return (*self.progression, self.success, self.failure, self.cancelling, self.cancelled, *self.apart)

    @property
    def apart(self) -> tuple[str, ...]:
        """The states off the progression: the waiting one, and those no page places."""
        return (*((self.queued,) if self.queued else ()), *self.other)

    def rank(self, state: str) -> float:
        """Position along the machine: a later observation of one run never has a lower rank."""
        if state in self.progression:
            return self.progression.index(state)
        if state == self.queued:
            return 0.5
        if state == self.cancelling:
            return len(self.progression)
        if state in self.terminal:
            return len(self.progression) + 1
        return 0

    def may_follow(self, before: str, after: str) -> bool:
        if before == after:
            return True
        if before in self.terminal:
            return False
        if after == self.cancelled:
            return True
        if before == self.cancelling:
            return after == self.cancelled or after in self.other
        return self.rank(after) >= self.rank(before)


LIFECYCLES = {
    "aws-emr-serverless": Lifecycle(
        progression=("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING"),
        running="RUNNING",
        success="SUCCESS",
        failure="FAILED",
        cancelling="CANCELLING",
        cancelled="CANCELLED",
        queued="QUEUED",
    ),
    "aws-emr-containers": Lifecycle(
        progression=("PENDING", "SUBMITTED", "RUNNING"),
        running="RUNNING",
        success="COMPLETED",
        failure="FAILED",
        cancelling="CANCEL_PENDING",
        cancelled="CANCELLED",
    ),
    "alibaba-emr-serverless-spark": Lifecycle(
        progression=("Submitted", "Pending", "Running"),
        running="Running",
        success="Success",
        failure="Failed",
        cancelling="Cancelling",
        cancelled="Cancelled",
        other=("CancelFailed",),
    ),
}
