"""The ``JobQueue`` port: what intake and workers need from a durable queue.

Jobs are keyed by ``(repo, pr, head_sha, kind)``, unique among queued and running jobs.
A newer head SHA for the same PR cancels queued review work and asks a running review
to stop cooperatively. At most one job per PR runs at a time; a lease that is not
renewed expires and any worker may reclaim the job.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from reviewer.queue.states import JobKind, JobState


class JobRequest(BaseModel):
    """What intake asks the queue to do; ``payload`` holds the event fields the job needs."""

    kind: JobKind
    installation_id: int | None = None
    repo: str
    pr: int
    head_sha: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)


class EnqueueOutcome(StrEnum):
    queued = "queued"
    duplicate_delivery = "duplicate_delivery"
    duplicate_job = "duplicate_job"


class EnqueueResult(BaseModel):
    outcome: EnqueueOutcome
    job_id: int | None = None
    superseded: list[int] = Field(default_factory=list)


class JobView(BaseModel):
    """A job as operators and workers see it."""

    id: int
    kind: JobKind
    installation_id: int | None
    repo: str
    pr: int
    head_sha: str
    state: JobState
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    run_after: float
    lease_owner: str | None = None
    lease_expires: float | None = None
    cancel_requested: bool = False
    superseded_by: str | None = None
    last_error: str | None = None
    delivery_id: str | None = None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None


class Claimed(BaseModel):
    """A job a worker holds under a lease until ``lease_expires``."""

    job: JobView
    worker_id: str
    lease_expires: float


class Heartbeat(BaseModel):
    """Answer to a lease renewal: keep going, or stop (lost lease / superseded)."""

    lease_held: bool
    cancel_requested: bool
    superseded_by: str | None = None


class JobQueue(Protocol):
    def enqueue(
        self,
        request: JobRequest,
        delivery_id: str | None,
        event: str = "",
        action: str | None = None,
    ) -> EnqueueResult:
        """Persist the delivery id and the job in one transaction (dedupe on both)."""

    def claim(self, worker_id: str) -> Claimed | None:
        """Lease the oldest runnable job whose PR has no running job, or reclaim an
        expired lease."""

    def heartbeat(self, job_id: int, worker_id: str) -> Heartbeat: ...

    def complete(self, job_id: int, worker_id: str) -> None: ...

    def fail(self, job_id: int, worker_id: str, error: str, retryable: bool = True) -> JobState:
        """Retry with jittered backoff while attempts remain, else dead-letter."""

    def cancel(self, job_id: int, worker_id: str, reason: str) -> None: ...

    def list_jobs(self, state: JobState | None = None, limit: int = 50) -> list[JobView]: ...

    def get(self, job_id: int) -> JobView | None: ...

    def retry(self, job_id: int) -> JobView:
        """Re-queue a dead or cancelled job (operators' ``reviewer jobs retry``)."""

    def release(self, job_id: int, worker_id: str, reason: str) -> None:
        """Give a running job back to the queue without counting the attempt (graceful
        shutdown: the worker stops before the job finished)."""

    def depth(self) -> dict[str, int]: ...

    def depth_by_installation(self) -> dict[int, dict[str, int]]:
        """Queued and running jobs per installation id (0: none), for metrics."""

    def maintain(self) -> int:
        """Periodic housekeeping (recover jobs of dead workers); returns jobs recovered."""

    def close_worker(self, worker_id: str) -> None:
        """A worker stops for good (it holds no job)."""

    def ping(self) -> None:
        """Raise when the backing store is unreachable (``/readyz``)."""
