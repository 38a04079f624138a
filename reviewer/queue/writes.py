"""Writes on our ``jobs`` and ``deliveries`` rows that both queue backends make inside
their own transactions: the job row, the delivery record, finishing, superseding older
heads, and an operator's requeue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from reviewer.queue.base import JobRequest, JobState, JobView
from reviewer.queue.rows import SUPERSEDABLE, QueueError, active_twin, job_view
from reviewer.store.models import Delivery, Job

# The statements of the webhook path are built once: building and cache-keying a
# SQLAlchemy statement on every call cost more CPU than SQLite's work (docs/benchmarks.md).
_INSERT_JOB = insert(Job).returning(Job.id)
_INSERT_DELIVERY = insert(Delivery)
_LINK_DELIVERY = (
    update(Delivery)
    .where(Delivery.delivery_id == bindparam("b_delivery"))
    .values(outcome=bindparam("b_outcome"), job_id=bindparam("b_job"))
)
SAME_PR_OLDER_HEAD = and_(
    Job.repo == bindparam("b_repo"),
    Job.pr == bindparam("b_pr"),
    Job.kind.in_(SUPERSEDABLE),
    Job.head_sha != bindparam("b_head"),
)
_CANCEL_QUEUED = (
    update(Job)
    .where(SAME_PR_OLDER_HEAD, Job.state == JobState.queued.value)
    .values(
        state=JobState.cancelled.value,
        superseded_by=bindparam("b_head"),
        finished_at=bindparam("b_now"),
        last_error=bindparam("b_error"),
    )
    .returning(Job.id)
)
_FLAG_RUNNING = (
    update(Job)
    .where(SAME_PR_OLDER_HEAD, Job.state == JobState.running.value)
    .values(cancel_requested=True, superseded_by=bindparam("b_head"))
)


def insert_job(
    conn: Connection, request: JobRequest, delivery_id: str | None, now: float, max_attempts: int
) -> int:
    """The job row for ``request``, queued now (both backends keep this record)."""
    row = {
        "kind": request.kind.value,
        "installation_id": request.installation_id,
        "repo": request.repo,
        "pr": request.pr,
        "head_sha": request.head_sha,
        "state": JobState.queued.value,
        "payload": json.dumps(request.payload, sort_keys=True),
        "delivery_id": delivery_id,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": now,
        "cancel_requested": False,
        "created_at": now,
    }
    return int(conn.execute(_INSERT_JOB, row).scalar_one())


def record_delivery(
    conn: Connection,
    delivery_id: str | None,
    event: str,
    action: str | None,
    now: float,
    outcome: str,
    job_id: int | None,
) -> None:
    if delivery_id is None:
        return
    row = {
        "delivery_id": delivery_id,
        "event": event,
        "action": action,
        "received_at": now,
        "outcome": outcome,
        "job_id": job_id,
    }
    conn.execute(_INSERT_DELIVERY, row)


def link_delivery(conn: Connection, delivery_id: str | None, outcome: str, job_id: int) -> None:
    """Point an already recorded delivery at the job it queued (or duplicated)."""
    if delivery_id is not None:
        conn.execute(_LINK_DELIVERY, {"b_delivery": delivery_id, "b_outcome": outcome,
                                      "b_job": job_id})  # fmt: skip


def finish(conn: Connection, job_id: int, state: JobState, now: float, error: str) -> None:
    conn.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            state=state.value,
            finished_at=now,
            last_error=error,
            lease_owner=None,
            lease_expires=None,
        )
    )


def supersedes(request: JobRequest) -> bool:
    """Whether ``request`` (a review of a new head) cancels reviews of the PR's older heads."""
    return request.kind.value in SUPERSEDABLE and bool(request.head_sha)


def supersede_params(request: JobRequest, now: float) -> dict[str, Any]:
    """The parameters of ``SAME_PR_OLDER_HEAD`` and of the values a superseded job gets."""
    return {
        "b_repo": request.repo,
        "b_pr": request.pr,
        "b_head": request.head_sha,
        "b_now": now,
        "b_error": f"superseded by {request.head_sha}",
    }


def supersede(conn: Connection, request: JobRequest, now: float) -> list[int]:
    """A newer head cancels queued reviews of older heads and flags running ones."""
    if not supersedes(request):
        return []
    params = supersede_params(request, now)
    ids = list(conn.execute(_CANCEL_QUEUED, params).scalars())
    conn.execute(_FLAG_RUNNING, params)
    return ids


def requeue(
    conn: Connection, job_id: int, lock_pr: Callable[[Connection, JobView], None]
) -> JobView:
    """Put a dead or cancelled job back in the queue, attempts reset (operators only);
    ``lock_pr`` serialises it with the PR's other writers before the duplicate check."""
    row = conn.execute(select(Job.__table__).where(Job.id == job_id).with_for_update()).first()
    if row is None:
        raise QueueError(f"job {job_id} does not exist")
    job = job_view(row)
    if job.state not in (JobState.dead, JobState.cancelled):
        raise QueueError(
            f"job {job_id} is {job.state.value}; only dead or cancelled jobs can be retried"
        )
    lock_pr(conn, job)
    twin = active_twin(conn, job.repo, job.pr, job.head_sha, job.kind)
    if twin is not None:
        raise QueueError(f"job {twin} for the same PR, head and kind is already active")
    conn.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            state=JobState.queued.value,
            attempts=0,
            run_after=time.time(),
            cancel_requested=False,
            superseded_by=None,
            finished_at=None,
        )
    )
    return job
