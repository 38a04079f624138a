"""Handing jobs out on procrastinate, settling them, and taking them back from dead
workers: each one transaction over procrastinate's row and ours, procrastinate's row
locked first."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select, update

from reviewer.logs import log
from reviewer.queue.base import Claimed, JobState, JobView
from reviewer.queue.broker import (
    QUEUE_PREFIX,
    advisory_lock,
    broker_settle,
    lock_broker_rows,
    queue_name,
    run_query,
)
from reviewer.queue.rows import job_view, touch_turn
from reviewer.store.models import Job


def claim_from(
    engine: Engine,
    installation: int,
    limit: int,
    worker_id: str,
    broker_worker: int,
    lease_seconds: float,
) -> Claimed | None:
    """The next job of ``installation`` for ``worker_id``, unless ``limit`` of its jobs
    already run. The cap holds across all workers because claims within one installation
    serialise on an advisory lock."""
    now = time.time()
    name = queue_name(installation)
    with engine.begin() as conn:
        advisory_lock(conn, name)
        busy = conn.exec_driver_sql(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %(q)s AND status = 'doing'",
            {"q": name},
        ).scalar_one()
        if busy >= limit:
            return None
        row = run_query(conn, "fetch_job", queues=[name], worker_id=broker_worker).first()
        if row is None or row.id is None:
            return None
        claimed = conn.execute(
            update(Job)
            .where(Job.broker_job_id == row.id, Job.state == JobState.queued.value)
            .values(
                state=JobState.running.value,
                lease_owner=worker_id,
                lease_expires=now + lease_seconds,
                attempts=Job.attempts + 1,
                started_at=now,
            )
            .returning(*Job.__table__.c)
        ).first()
        if claimed is None:  # no live job behind it: never hand it out again
            run_query(conn, "finish_job", job_id=row.id, status="failed", delete_job=False)
            log.warning("queue.orphan_broker_job", broker_job_id=row.id)
            return None
        touch_turn(conn, installation, now)
    return Claimed(job=job_view(claimed), worker_id=worker_id, lease_expires=now + lease_seconds)


def settle(
    engine: Engine, job_id: int, worker_id: str, outcome: str, values: dict[str, Any]
) -> JobView | None:
    """Move a job ``worker_id`` holds to its next state, here and in procrastinate:
    ``outcome`` is ``succeeded``/``failed``/``aborted`` (finish) or ``todo`` (retry at
    ``run_after``). Returns the job before the change, or None when not held."""
    with engine.begin() as conn:
        broker_id = conn.scalar(select(Job.broker_job_id).where(Job.id == job_id))
        if broker_id is None:
            return None
        lock_broker_rows(conn, [broker_id])
        before = conn.execute(
            select(Job.__table__)
            .where(
                Job.id == job_id,
                Job.lease_owner == worker_id,
                Job.state == JobState.running.value,
            )
            .with_for_update()
        ).first()
        if before is None:
            return None
        job = job_view(before)
        if job.cancel_requested and outcome in ("todo", "failed"):
            # Superseded while it ran and then failed or was released: it is over.
            outcome = "aborted"
            values = {
                "state": JobState.cancelled.value,
                "finished_at": time.time(),
                "last_error": f"superseded by {job.superseded_by}",
            }
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(lease_owner=None, lease_expires=None, **values)
        )
        broker_settle(conn, broker_id, outcome, values.get("run_after"))
    return job


def stalled(engine: Engine, lease_seconds: float) -> list[int]:
    """Our broker jobs whose worker's heartbeat is older than the lease (procrastinate's
    stalled-job query)."""
    with engine.connect() as conn:
        rows = run_query(
            conn,
            "select_stalled_jobs_by_heartbeat",
            queue=None,
            task_name=None,
            seconds_since_heartbeat=lease_seconds,
        ).all()
        conn.rollback()
    return [row.id for row in rows if row.queue_name.startswith(QUEUE_PREFIX)]


def recover(engine: Engine, broker_id: int) -> bool:
    """Retry a stalled job (or dead-letter it on its last attempt, or cancel it when it was
    superseded); False when another worker got to it first or it finished meanwhile."""
    now = time.time()
    with engine.begin() as conn:
        locked = conn.exec_driver_sql(
            "SELECT id FROM procrastinate_jobs WHERE id = %(id)s AND status = 'doing' "
            "FOR UPDATE SKIP LOCKED",
            {"id": broker_id},
        ).first()
        if locked is None:
            return False
        row = conn.execute(
            select(Job.__table__).where(Job.broker_job_id == broker_id).with_for_update()
        ).first()
        if row is None or row.state != JobState.running.value:
            broker_settle(conn, broker_id, "failed", None)
            return False
        job = job_view(row)
        lost = {"lease_owner": None, "lease_expires": None}
        values: dict[str, Any]
        if job.cancel_requested:
            outcome = "aborted"
            values = {
                "state": JobState.cancelled.value,
                "finished_at": now,
                "last_error": f"superseded by {job.superseded_by}; its worker was gone",
            }
        elif job.attempts >= job.max_attempts:
            outcome = "failed"
            values = {
                "state": JobState.dead.value,
                "finished_at": now,
                "last_error": "its worker stopped on the last attempt",
            }
        else:
            outcome = "todo"
            values = {"state": JobState.queued.value, "run_after": now}
        conn.execute(update(Job).where(Job.id == job.id).values(**lost, **values))
        broker_settle(conn, broker_id, outcome, values.get("run_after"))
    log.warning("queue.recovered_stalled_job", job_id=job.id, next_state=values["state"])
    return True
